"""The wheel: built offline by build_wheel.py, installed offline with pip into a fresh venv, and usable there with
the libshira it carries (SHIRA_LIBRARY unset)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import CONFORMANCE, ROOT


def test_wheel_installs_offline_into_a_fresh_venv_and_works(tmp_path):
    lib = os.environ["SHIRA_LIBRARY"]
    built = subprocess.run([sys.executable, os.path.join(ROOT, "bindings", "python", "build_wheel.py"), "--lib", lib,
                            "--out", str(tmp_path / "dist")], capture_output=True, text=True, check=True)
    wheel = built.stdout.strip()
    assert wheel.endswith("-py3-none-linux_x86_64.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert {"shira/__init__.py", "shira/libshira.so", "shira/include/shira.h"} <= names
        assert any(n.endswith(".dist-info/RECORD") for n in names)

    venv = tmp_path / "venv"
    try:
        # --system-site-packages: numpy (a dependency) comes from the system, so nothing is downloaded.
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True,
                       capture_output=True)
    except subprocess.CalledProcessError as e:
        pytest.fail(f"python3 -m venv failed (install python3-venv): {e.stderr}")
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("SHIRA_LIBRARY", "PYTHONPATH")}
    env["PIP_NO_INDEX"] = "1"
    subprocess.run([py, "-m", "pip", "install", "--no-index", "--disable-pip-version-check", wheel], check=True,
                   capture_output=True, env=env)
    probe = (
        "import shira, os, sys\n"
        "assert shira.__file__.startswith(sys.prefix), shira.__file__\n"
        "assert shira.library_path().startswith(sys.prefix), shira.library_path()\n"
        f"r = shira.validate({os.path.join(CONFORMANCE, 'valid', 'lz4.shira')!r})\n"
        "assert r.valid, r\n"
        f"a = shira.open({os.path.join(CONFORMANCE, 'valid', 'lz4.shira')!r})\n"
        "print(len(a), shira.library_version())\n"
    )
    out = subprocess.run([py, "-c", probe], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
