#!/usr/bin/env bash
# Issue 9 §4: time and peak memory (max RSS) of validate / inspect / convert on 300k tensors.
# Usage: bash bench/manytensors.sh [TENSORS=300000] [DIR=/tmp/shira-many]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-300000}; DIR=${2:-/tmp/shira-many}
dotnet build -c Release src/Shira.Cli -v q -nologo >/dev/null
dotnet run -c Release --project bench/Shira.Bench -- manytensors "$DIR" "$N"
SHIRA="dotnet src/Shira.Cli/bin/Release/net10.0/shira.dll"
[ -f src/Shira.Cli/bin/Release/net10.0/shira.dll ] || SHIRA="dotnet src/Shira.Cli/bin/Release/net10.0/Shira.Cli.dll"
echo "load: $(uptime)"
ls -l "$DIR/many.shira"
run() { timeout ${TIMEOUT:-600} /usr/bin/time -f "%e s  %M KB max RSS  exit %x" $SHIRA "$@" >/dev/null 2>"$DIR/err.txt" || true; echo "$*: $(tail -1 "$DIR/err.txt")"; }
run validate "$DIR/many.shira"
run inspect "$DIR/many.shira"
run inspect "$DIR/many.shira" --json
run convert "$DIR/peft" --base "$DIR/base.safetensors" -o "$DIR/peft.shira"
