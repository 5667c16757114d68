"""apply_ / revert_ through Python against `shira apply`, PEFT's merge and the argument checks."""

from __future__ import annotations

import os

import numpy as np
import pytest

import shira
from conftest import PEFT, read_safetensors, run_shira

try:
    import torch
except ImportError:  # torch is optional; its tests skip
    torch = None

BASES = {"F32": "model.safetensors", "BF16": "model.bf16.safetensors"}
MERGED = {"F32": "merged.safetensors", "BF16": "merged.bf16.safetensors"}


def numpy_weights(dtype: str) -> dict:
    """The base as numpy arrays (bf16 as uint16 bits; the bf16 tests go through torch)."""
    return {k: v for k, (_, v) in read_safetensors(os.path.join(PEFT, "base", BASES[dtype])).items()}


def torch_weights(dtype: str) -> dict:
    out = {}
    for k, (dt, v) in read_safetensors(os.path.join(PEFT, "base", BASES[dtype])).items():
        t = torch.from_numpy(v.view(np.int16).copy() if dt == "BF16" else v.copy())
        out[k] = t.view(torch.bfloat16) if dt == "BF16" else t
    return out


def raw(x) -> np.ndarray:
    """The bytes of a numpy array or torch tensor (bf16 included), for bit-for-bit comparisons."""
    if torch is not None and isinstance(x, torch.Tensor):
        x = x.view(torch.int16).numpy() if x.dtype in (torch.bfloat16, torch.float16) else x.numpy()
    return np.ascontiguousarray(x).view(np.uint8).ravel()


def assert_bits_equal(weights: dict, expected: dict, where: str):
    for k, (_, e) in expected.items():
        assert np.array_equal(raw(weights[k]), raw(e)), f"{where}: {k} differs"


def test_numpy_f32_apply_equals_peft_merge_and_reverts_exactly(peft_adapters):
    w = numpy_weights("F32")
    base = {k: v.copy() for k, v in w.items()}
    a = shira.open(peft_adapters["F32"])
    a.apply_(w)
    assert_bits_equal(w, read_safetensors(os.path.join(PEFT, "shira", MERGED["F32"])), "PEFT merge (f32)")
    a.revert_(w)
    assert_bits_equal(w, {k: (None, v) for k, v in base.items()}, "revert (f32)")


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("dtype", ["F32", "BF16"])
def test_torch_apply_equals_peft_merge_and_reverts_exactly(peft_adapters, dtype):
    w = torch_weights(dtype)
    base = {k: v.clone() for k, v in w.items()}
    with shira.open(peft_adapters[dtype]) as a:
        a.apply_(w)
        assert_bits_equal(w, read_safetensors(os.path.join(PEFT, "shira", MERGED[dtype])), f"PEFT merge ({dtype})")
        a.revert_(w)
    assert_bits_equal(w, {k: (None, v) for k, v in base.items()}, f"revert ({dtype})")


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("dtype", ["F32", "BF16"])
@pytest.mark.parametrize("scale", ["1", "0.37", "-2.5"])
def test_apply_equals_the_shira_command_bit_for_bit(peft_adapters, work, dtype, scale):
    out = os.path.join(work, f"cli-{dtype}-{scale}.safetensors")
    if os.path.exists(out):
        os.remove(out)
    run_shira("apply", os.path.join(PEFT, "base", BASES[dtype]), peft_adapters[dtype], "-o", out, "--scale", scale)
    expected = read_safetensors(out)
    w = torch_weights(dtype)
    with shira.open(peft_adapters[dtype]) as a:
        a.apply_(w, scale=float(scale))
    assert_bits_equal(w, expected, f"shira apply --scale {scale} ({dtype})")


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_module_helpers(peft_adapters):
    w = torch_weights("F32")
    module = torch.nn.Module()
    # A module whose parameter names are the state-dict keys (dots are not allowed in names: nest modules).
    for k, v in w.items():
        parts = k.split(".")
        m = module
        for p in parts[:-1]:
            if not hasattr(m, p):
                m.add_module(p, torch.nn.Module())
            m = getattr(m, p)
        m.register_parameter(parts[-1], torch.nn.Parameter(v.clone(), requires_grad=False))
    merged = read_safetensors(os.path.join(PEFT, "shira", MERGED["F32"]))
    a = shira.load_state_dict(module, peft_adapters["F32"])
    assert_bits_equal(dict(module.state_dict()), merged, "load_state_dict")
    a.revert_()
    assert_bits_equal(dict(module.state_dict()), {k: (None, v) for k, v in w.items()}, "revert_ after load_state_dict")
    copy = shira.merge_state_dict(w, peft_adapters["F32"])
    assert_bits_equal(copy, merged, "merge_state_dict")
    assert_bits_equal(w, {k: (None, v) for k, v in torch_weights("F32").items()}, "merge_state_dict leaves input")
    a.close()


def test_refusals_write_nothing(peft_adapters):
    a = shira.open(peft_adapters["F32"])
    first = a.tensors[0].name
    w = numpy_weights("F32")
    before = {k: v.copy() for k, v in w.items()}

    missing = dict(w)
    del missing[a.tensors[-1].name]
    with pytest.raises(shira.ShiraError) as e:
        a.apply_(missing)
    assert e.value.code == "SHIRA-E6001"

    wrong = dict(w)
    wrong[a.tensors[-1].name] = np.zeros((3, 3), np.float32)
    with pytest.raises(shira.ShiraError) as e:
        a.apply_(wrong)
    assert e.value.code == "SHIRA-E6002"

    strided = dict(w)
    strided[first] = np.asfortranarray(w[first])
    with pytest.raises(shira.ShiraError) as e:
        a.apply_(strided)
    assert e.value.code == "SHIRA-E9002"

    with pytest.raises(shira.ShiraError) as e:
        a.apply_(w, scale=float("nan"))
    assert e.value.code == "SHIRA-E9002"
    for k, v in w.items():
        assert np.array_equal(v, before[k]), f"{k} was written by a refused apply"
    with pytest.raises(shira.ShiraError) as e:
        a.revert_(w)
    assert e.value.code == "SHIRA-E6007"


@pytest.mark.parametrize("any_dtype", [False, True])
def test_additive_adapter_applies_to_another_dtype_with_the_weights_rounding(peft_adapters, any_dtype):
    """An f32-made additive adapter applied to f16 weights rounds f32(W) + v into f16 (independent numpy computation);
    no flag is needed: only replacements and recorded content hashes bind an adapter to one dtype."""
    w = {k: v.astype(np.float16) for k, v in numpy_weights("F32").items()}
    before = {k: v.copy() for k, v in w.items()}
    with shira.open(peft_adapters["F32"]) as a:
        a.apply_(w, scale=0.5, any_dtype=any_dtype, verify_fingerprint=False)
        for t in a.tensors:
            exp = before[t.name].copy().ravel()
            idx = t.indices
            exp[idx] = (exp[idx].astype(np.float32) + np.float32(0.5) * t.values).astype(np.float16)
            assert np.array_equal(w[t.name].ravel().view(np.uint16), exp.view(np.uint16)), t.name
        a.revert_(w)
    for k in w:
        assert np.array_equal(w[k].view(np.uint16), before[k].view(np.uint16))
