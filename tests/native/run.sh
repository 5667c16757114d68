#!/usr/bin/env bash
# Compiles the C test program against libshira with gcc and runs it on the conformance vectors and the PEFT SHiRA
# fixture. Usage: tests/native/run.sh [LIB_DIR [SHIRA_COMMAND...]]
#   LIB_DIR        folder holding libshira.so and shira.h (default out/native; published there first if absent:
#                  dotnet publish src/Shira.Native -c Release -r linux-x64 -o out/native)
#   SHIRA_COMMAND  how to run `shira` to convert the PEFT fixture (default out/native/shira, else
#                  `dotnet out/shira/shira.dll`, else `dotnet run --project src/Shira.Cli --`)
# Work files go to out/ctest/. The last line printed is the C program's "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
lib=${1:-out/native}
shift || true
if [ $# -gt 0 ]; then shira=("$@")
elif [ -x out/native/shira ]; then shira=(out/native/shira)
elif [ -f out/shira/shira.dll ]; then shira=(dotnet out/shira/shira.dll)
else shira=(dotnet run --project src/Shira.Cli -c Release --); fi

if [ ! -f "$lib/libshira.so" ]; then
  dotnet publish src/Shira.Native -c Release -r linux-x64 -o "$lib" -nologo -v quiet -p:SHIRA_ARTIFACTS= >&2
fi
lib=$(cd "$lib" && pwd)
work=out/ctest
mkdir -p "$work"
gcc -std=c11 -O1 -ffp-contract=off -Wall -Wextra -Werror -I "$lib" tests/native/shira_test.c \
  -L "$lib" -lshira -Wl,-rpath,"$lib" -lm -o "$work/shira_test"

ex=fixtures/peft/llama_tiny
rm -f "$work/peft.shira" "$work/peft.bf16.shira"
"${shira[@]}" convert "$ex/shira" -o "$work/peft.shira" --base "$ex/base/model.safetensors" > /dev/null
"${shira[@]}" convert "$ex/shira" -o "$work/peft.bf16.shira" --base "$ex/base/model.bf16.safetensors" > /dev/null
"$work/shira_test" fixtures/conformance "$ex" "$work/peft.shira" "$work/peft.bf16.shira"
