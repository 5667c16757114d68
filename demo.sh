#!/usr/bin/env bash
# Sets up and runs the main job on the bundled example. Setup (scripts/setup.sh): installs the Debian prerequisites
# if missing (clang, zlib1g-dev, python3-numpy/-pytest/-torch/-venv) and builds the native `shira` (Native AOT),
# libshira.so and the Python wheel into out/. Then a real PEFT SHiRA adapter (fixtures/peft, made by PEFT 0.20) is
# converted to .shira, inspected, validated, applied to its base model, and the result is checked against PEFT's
# own merged weights (bit-exact: `shira diff` of the two finds zero changed entries) - with the native command and
# again from Python through libshira.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

command -v dotnet >/dev/null || { echo "demo.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 2; }
mkdir -p out/demo
if [ "${SHIRA_SKIP_SETUP:-0}" != 1 ]; then
  echo "== setup: prerequisites, native shira, libshira.so, Python wheel (scripts/setup.sh)"
  bash scripts/setup.sh
fi
shira() { out/native/shira "$@"; }

ex=fixtures/peft/llama_tiny
rm -f out/demo/*.shira out/demo/*.safetensors
echo "== convert: PEFT SHiRA folder -> .shira (checked against, and fingerprinted for, the fp32 and bf16 bases)"
shira convert "$ex/shira" -o out/demo/adapter.shira --base "$ex/base/model.safetensors"
shira convert "$ex/shira" -o out/demo/adapter.bf16.shira --base "$ex/base/model.bf16.safetensors"
echo "== inspect"
shira inspect out/demo/adapter.shira
echo "== validate"
shira validate out/demo/adapter.shira
echo "== apply to the fp32 and bf16 bases"
shira apply "$ex/base/model.safetensors" out/demo/adapter.shira -o out/demo/merged.safetensors
shira apply "$ex/base/model.bf16.safetensors" out/demo/adapter.bf16.shira -o out/demo/merged.bf16.safetensors
echo "== compare with PEFT's merge_and_unload() output: a diff must find 0 changed entries"
for f in merged.safetensors merged.bf16.safetensors; do
  rm -f out/demo/check.shira
  report=$(shira diff "$ex/shira/$f" "out/demo/$f" --exact -o out/demo/check.shira --json)
  if ! grep -qE '"nnz": ?0,?$' <<<"$report"; then
    echo "$report" >&2; echo "demo.sh: out/demo/$f differs from PEFT's $ex/shira/$f" >&2; exit 1
  fi
  echo "out/demo/$f == PEFT's $ex/shira/$f, bit for bit (0 changed entries)"
done
echo "== Python (libshira through the shira package): apply_ to the bf16 base in torch, compare with PEFT's merge"
SHIRA_LIBRARY=$PWD/out/native/libshira.so PYTHONPATH=$PWD/bindings/python /usr/bin/python3 - "$ex" <<'PY'
import json, struct, sys, numpy as np, torch, shira
ex = sys.argv[1]
def load(path):  # bf16 safetensors -> torch bf16 tensors (a minimal reader)
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    out = {}
    for k, e in json.loads(data[8:8 + n]).items():
        if k != "__metadata__":
            b, end = e["data_offsets"]
            raw = np.frombuffer(data, np.int16, (end - b) // 2, 8 + n + b).reshape(e["shape"]).copy()
            out[k] = torch.from_numpy(raw).view(torch.bfloat16)
    return out
weights = load(f"{ex}/base/model.bf16.safetensors")
with shira.open("out/demo/adapter.bf16.shira") as adapter:
    adapter.apply_(weights)
    peft = load(f"{ex}/shira/merged.bf16.safetensors")
    same = all(torch.equal(weights[k].view(torch.int16), peft[k].view(torch.int16)) for k in peft)
    print(f"python apply_: {len(adapter)} tensors patched in place; equal to PEFT's bf16 merge bit for bit: {same}")
    if not same:
        sys.exit(1)
PY
echo "== done: outputs in out/demo/; the native command is out/native/shira, the C library out/native/libshira.so"
