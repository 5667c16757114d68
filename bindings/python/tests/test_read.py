"""Opening, listing, reading and validating through the Python package."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest

import shira
from conftest import CONFORMANCE, PEFT, read_safetensors


def test_library_loads_and_reports_its_version():
    assert shira.library_version() == shira.__version__


def test_peft_adapter_indices_and_values_match_the_peft_tensors(peft_adapters):
    """The converted adapter holds PEFT's shira_indices (row, col) and shira_weight exactly."""
    src = read_safetensors(os.path.join(PEFT, "shira", "adapter_model.safetensors"))
    with shira.open(peft_adapters["F32"]) as a:
        assert len(a) == 14
        for t in a.tensors:
            module = t.name[: -len(".weight")]
            key = next(k for k in src if k.endswith(module + ".shira_indices"))
            rows, cols = src[key][1].astype(np.int64)
            weights = src[key.replace("shira_indices", "shira_weight")][1]
            order = np.argsort(rows * t.shape[1] + cols, kind="stable")
            assert t.indices.dtype == np.uint32
            assert np.array_equal(t.indices, (rows * t.shape[1] + cols)[order])
            assert t.values.dtype == np.float32
            assert np.array_equal(t.values, weights[order])
            assert np.array_equal(t.values_f32(), weights[order])


def test_values_are_a_zero_copy_read_only_view_that_outlives_close():
    with shira.open(os.path.join(CONFORMANCE, "valid", "raw_u32_f32.shira")) as a:
        t = a.tensors[0]
        v = t.values
        v2 = t.values
        assert not v.flags.writeable and not v.flags.owndata
        assert v.ctypes.data == v2.ctypes.data  # the same mapped bytes, not copies
        with pytest.raises(ValueError):
            v[0] = 1
    assert np.array_equal(v, v2)  # still readable after close (the map is kept until the last view goes)
    with pytest.raises(shira.ShiraError) as e:
        _ = t.indices
    assert e.value.code == "SHIRA-E8002"
    del v, v2
    gc.collect()


def test_bf16_values_come_as_raw_bits(vectors):
    with shira.open(os.path.join(CONFORMANCE, "valid", "delta_bitpacked_bf16.shira")) as a:
        t = a.tensors[0]
        assert t.value_dtype == "bf16" and t.values.dtype == np.uint16
        widened = (t.values.astype(np.uint32) << 16).view(np.float32)
        assert np.array_equal(widened, t.values_f32())


def test_metadata_is_a_dict():
    with shira.open(os.path.join(CONFORMANCE, "valid", "metadata.shira")) as a:
        m = a.metadata
        assert m["format_version"].startswith("1.")
        assert isinstance(m["base_fingerprint"], list) and isinstance(m["parameters"], dict)


def test_every_conformance_vector_validates_as_listed(vectors):
    for v in vectors:
        report = shira.validate(os.path.join(CONFORMANCE, v["file"]))
        if v["expect"] == "valid":
            assert report.valid, (v["file"], report.issues)
        else:
            assert not report.valid and report.issues[0].code == v["expect"], (v["file"], report.issues)
            with pytest.raises(shira.ShiraError) as e:
                report.raise_if_invalid()
            assert e.value.code == v["expect"]


def test_corrupted_files_raise_with_their_code_on_open_or_first_read(vectors):
    """Layout and manifest errors raise on open; section errors on the first read of the section. Never another
    code, never a crash. (A few classes, e.g. non-zero padding, only a full validate finds.)"""
    raised = 0
    for v in vectors:
        if v["expect"] == "valid":
            continue
        path = os.path.join(CONFORMANCE, v["file"])
        try:
            with shira.open(path) as a:
                for t in a.tensors:
                    _ = t.indices
                    _ = t.values_f32()
        except shira.ShiraError as e:
            assert e.code == v["expect"], (v["file"], str(e))
            assert e.name == v["code_name"]
            raised += 1
    assert raised >= 35


def test_missing_file_and_bad_arguments_raise():
    with pytest.raises(shira.ShiraError) as e:
        shira.open("/nonexistent/adapter.shira")
    assert e.value.code == "SHIRA-E9001"
    assert shira.validate("/nonexistent/adapter.shira").issues[0].code == "SHIRA-E9001"
