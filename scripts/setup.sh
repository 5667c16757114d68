#!/usr/bin/env bash
# Sets up a fresh Debian 12 clone: installs the native prerequisites from Debian's packages (when run as root, or
# says what to install) and builds
#   out/native/shira         the `shira` command, one Native AOT executable (no .NET runtime needed to run it)
#   out/native/libshira.so   the C library, with its header out/native/shira.h
#   out/wheel/shira-*.whl    the Python package (pip install --no-index out/wheel/shira-*.whl)
# Usage: scripts/setup.sh [--no-apt] [--only shira|libshira|wheel|deps]...   (the .NET 10 SDK must be on PATH;
#        --only deps installs the prerequisites and builds nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

apt=1
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-apt) apt=0 ;;
    --only) only+=("$2"); shift ;;
    *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
want() { [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }

# clang + zlib: Native AOT's linker and its compression dependency. python3-*: the Python package's tests.
packages=(clang zlib1g-dev python3-numpy python3-pytest python3-venv)
[ "${SHIRA_WITH_TORCH:-1}" = 1 ] && packages+=(python3-torch)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$apt" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "== installing ${missing[*]} (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
  else
    echo "setup.sh: missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
    exit 2
  fi
fi
command -v dotnet > /dev/null || { echo "setup.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 2; }

mkdir -p out/native out/wheel
log=out/setup.log
: > "$log"
publish() { # project, extra args...
  local project=$1; shift
  if ! dotnet publish "$project" -c Release -r linux-x64 -o out/native -nologo -p:SHIRA_ARTIFACTS= "$@" >> "$log" 2>&1; then
    cat "$log" >&2; echo "setup.sh: publishing $project failed" >&2; exit 2
  fi
  # Native AOT prints trimming/AOT warnings as "warning IL...": none may be left (see docs/notes/native.md).
  if grep -E 'warning (IL|AOT)[0-9]+' "$log" >&2; then echo "setup.sh: $project has AOT warnings" >&2; exit 2; fi
}
if want shira; then
  echo "== building out/native/shira (Native AOT)"
  publish src/Shira.Cli -p:PublishAot=true
fi
if want libshira; then
  echo "== building out/native/libshira.so and out/native/shira.h (Native AOT)"
  publish src/Shira.Native
fi
if want wheel; then
  echo "== building the Python wheel"
  /usr/bin/python3 bindings/python/build_wheel.py --lib out/native/libshira.so --out out/wheel
fi
# The publish folder also receives symbol files; keep the three artifacts easy to spot.
ls -la out/native/shira out/native/libshira.so out/native/shira.h out/wheel/*.whl 2> /dev/null || true
