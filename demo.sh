#!/usr/bin/env bash
# Builds `shira` and runs the main job on the bundled example: a real PEFT SHiRA adapter (fixtures/peft, made by
# PEFT 0.20) is converted to .shira, inspected, validated, applied to its base model, and the result is checked
# against PEFT's own merged weights (bit-exact: `shira diff` of the two finds zero changed entries).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

command -v dotnet >/dev/null || { echo "demo.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 2; }
mkdir -p out/demo
echo "== building shira (Release)"
if ! dotnet build src/Shira.Cli -c Release -v quiet -nologo -p:SHIRA_ARTIFACTS= -o out/shira > out/build.log 2>&1; then
  cat out/build.log >&2; echo "demo.sh: build failed" >&2; exit 2
fi
shira() { dotnet out/shira/shira.dll "$@"; }

ex=fixtures/peft/llama_tiny
echo "== convert: PEFT SHiRA folder -> .shira (checked against, and fingerprinted for, the fp32 and bf16 bases)"
shira convert "$ex/shira" -o out/demo/adapter.shira --force --base "$ex/base/model.safetensors"
shira convert "$ex/shira" -o out/demo/adapter.bf16.shira --force --base "$ex/base/model.bf16.safetensors"
echo "== inspect"
shira inspect out/demo/adapter.shira
echo "== validate"
shira validate out/demo/adapter.shira
echo "== apply to the fp32 and bf16 bases"
shira apply "$ex/base/model.safetensors" out/demo/adapter.shira -o out/demo/merged.safetensors --force
shira apply "$ex/base/model.bf16.safetensors" out/demo/adapter.bf16.shira -o out/demo/merged.bf16.safetensors --force
echo "== compare with PEFT's merge_and_unload() output: a diff must find 0 changed entries"
for f in merged.safetensors merged.bf16.safetensors; do
  report=$(shira diff "$ex/shira/$f" "out/demo/$f" --exact -o out/demo/check.shira --force --json)
  if ! grep -qE '"nnz": 0,?$' <<<"$report"; then
    echo "$report" >&2; echo "demo.sh: out/demo/$f differs from PEFT's $ex/shira/$f" >&2; exit 1
  fi
  echo "out/demo/$f == PEFT's $ex/shira/$f, bit for bit (0 changed entries)"
done
echo "== done: outputs in out/demo/"
