#!/usr/bin/env python3
"""Builds the `shira` platform wheel (the Python package + libshira.so) with the standard library only, so it
works offline and without a build backend:

    dotnet publish src/Shira.Native -c Release -r linux-x64 -o out/native
    python3 bindings/python/build_wheel.py --lib out/native/libshira.so --out out/wheel
    pip install --no-index out/wheel/shira-0.1.0-py3-none-linux_x86_64.whl

Prints the wheel's path.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "shira"


def _version() -> str:
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        return re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def build(lib: str, out: str, tag: str) -> str:
    version = _version()
    dist_info = f"{NAME}-{version}.dist-info"
    files: list[tuple[str, bytes, int]] = []
    pkg = os.path.join(HERE, NAME)
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py"):
            with open(os.path.join(pkg, fn), "rb") as f:
                files.append((f"{NAME}/{fn}", f.read(), 0o644))
    with open(lib, "rb") as f:
        files.append((f"{NAME}/libshira.so", f.read(), 0o755))
    header = os.path.join(os.path.dirname(lib), "shira.h")
    if os.path.exists(header):
        with open(header, "rb") as f:
            files.append((f"{NAME}/include/shira.h", f.read(), 0o644))
    readme = open(os.path.join(HERE, "README.md"), encoding="utf-8").read() if os.path.exists(os.path.join(HERE, "README.md")) else ""
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {version}\n"
        "Summary: Read, validate and apply .shira sparse adapters (SHiRA) from Python, over libshira.\n"
        "License: MIT\n"
        "Requires-Python: >=3.9\n"
        "Requires-Dist: numpy\n"
        "Provides-Extra: torch\n"
        "Requires-Dist: torch; extra == \"torch\"\n"
        "Description-Content-Type: text/markdown\n\n" + readme
    )
    wheel = f"Wheel-Version: 1.0\nGenerator: shira build_wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n"
    files.append((f"{dist_info}/METADATA", metadata.encode(), 0o644))
    files.append((f"{dist_info}/WHEEL", wheel.encode(), 0o644))
    record = [_record_line(a, d) for a, d, _ in files] + [f"{dist_info}/RECORD,,"]
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))

    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{NAME}-{version}-{tag}.whl")
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data, mode in files:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    os.replace(tmp, path)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", required=True, help="libshira.so from `dotnet publish src/Shira.Native -r linux-x64`")
    ap.add_argument("--out", default="dist", help="output folder (default: dist)")
    ap.add_argument("--tag", default="py3-none-linux_x86_64", help="wheel tag (default: py3-none-linux_x86_64)")
    args = ap.parse_args()
    if not os.path.isfile(args.lib):
        print(f"build_wheel.py: {args.lib} does not exist", file=sys.stderr)
        return 2
    print(build(args.lib, args.out, args.tag))
    return 0


if __name__ == "__main__":
    sys.exit(main())
