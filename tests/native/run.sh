#!/usr/bin/env bash
# Builds libshira (Native AOT), compiles the C test program with gcc and runs it against the conformance vectors and
# the PEFT SHiRA fixture. Usage: tests/native/run.sh [OUT_DIR] [SHIRA_COMMAND...]
#   OUT_DIR        where libshira.so, shira.h and the test binary go (default out/native)
#   SHIRA_COMMAND  how to run `shira` to convert the PEFT fixture (default: the native out/shira-aot/shira if present,
#                  else `dotnet out/shira/shira.dll`, else `dotnet run --project src/Shira.Cli --`)
# The last line printed is the C program's "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-out/native}
shift || true
if [ $# -gt 0 ]; then shira=("$@")
elif [ -x out/shira-aot/shira ]; then shira=(out/shira-aot/shira)
elif [ -f out/shira/shira.dll ]; then shira=(dotnet out/shira/shira.dll)
else shira=(dotnet run --project src/Shira.Cli -c Release --); fi

if [ -z "${SHIRA_SKIP_PUBLISH:-}" ]; then
  dotnet publish src/Shira.Native -c Release -r linux-x64 -o "$out" -nologo -v quiet -p:SHIRA_ARTIFACTS= >&2
fi
test -f "$out/libshira.so" && test -f "$out/shira.h"
lib=$(cd "$out" && pwd)
gcc -std=c11 -O1 -ffp-contract=off -Wall -Wextra -Werror -I "$lib" tests/native/shira_test.c \
  -L "$lib" -lshira -Wl,-rpath,"$lib" -lm -o "$out/shira_test"

ex=fixtures/peft/llama_tiny
rm -f "$out/peft.shira" "$out/peft.bf16.shira"
"${shira[@]}" convert "$ex/shira" -o "$out/peft.shira" --base "$ex/base/model.safetensors" > /dev/null
"${shira[@]}" convert "$ex/shira" -o "$out/peft.bf16.shira" --base "$ex/base/model.bf16.safetensors" > /dev/null
"$out/shira_test" fixtures/conformance "$ex" "$out/peft.shira" "$out/peft.bf16.shira"
