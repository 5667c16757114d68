"""Shared fixtures: the repository, libshira, the `shira` command and PEFT-derived adapters.

Environment: SHIRA_LIBRARY (libshira.so; default out/native/libshira.so), SHIRA_CLI (how to run `shira`, e.g.
"out/shira-aot/shira" or "dotnet out/shira/shira.dll"; default: the first of those that exists).
"""

from __future__ import annotations

import json
import os
import shlex
import struct
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
os.environ.setdefault("SHIRA_LIBRARY", os.path.join(ROOT, "out", "native", "libshira.so"))
PEFT = os.path.join(ROOT, "fixtures", "peft", "llama_tiny")
CONFORMANCE = os.path.join(ROOT, "fixtures", "conformance")

ST_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path: str) -> dict:
    """name -> (dtype name, numpy array; bf16 as its uint16 bits). A small independent reader."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        arr = np.frombuffer(data, dtype=ST_DTYPES[e["dtype"]], count=(end - b) // np.dtype(ST_DTYPES[e["dtype"]]).itemsize,
                            offset=8 + n + b).reshape(e["shape"]).copy()
        out[name] = (e["dtype"], arr)
    return out


def shira_command() -> list:
    env = os.environ.get("SHIRA_CLI")
    if env:
        return shlex.split(env)
    aot = os.path.join(ROOT, "out", "shira-aot", "shira")
    if os.path.exists(aot):
        return [aot]
    dll = os.path.join(ROOT, "out", "shira", "shira.dll")
    if os.path.exists(dll):
        return ["dotnet", dll]
    pytest.skip("no shira command: set SHIRA_CLI or build out/shira-aot/shira (see .ci/run)")


def run_shira(*args: str) -> subprocess.CompletedProcess:
    p = subprocess.run(shira_command() + list(args), capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, f"shira {' '.join(args)} failed: {p.stdout}\n{p.stderr}"
    return p


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("shira-py"))


@pytest.fixture(scope="session")
def peft_adapters(work) -> dict:
    """The PEFT SHiRA fixture converted against the fp32 and the bf16 base: {"F32": path, "BF16": path}."""
    out = {}
    for dt, base in (("F32", "model.safetensors"), ("BF16", "model.bf16.safetensors")):
        path = os.path.join(work, f"peft.{dt}.shira")
        run_shira("convert", os.path.join(PEFT, "shira"), "-o", path, "--base", os.path.join(PEFT, "base", base))
        out[dt] = path
    return out


@pytest.fixture(scope="session")
def vectors() -> list:
    with open(os.path.join(CONFORMANCE, "vectors.json"), encoding="utf-8") as f:
        return json.load(f)["vectors"]
