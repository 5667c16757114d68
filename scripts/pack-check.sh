#!/usr/bin/env bash
# Packs the libraries and the `shira` tool into out/packages and checks them:
#   - every package has its id, description, MIT license expression, README, repository URL, LICENSE;
#   - the core tool package Shira.Cli is at most 20 MB and carries no TorchSharp;
#   - a consumer app outside this repository that references Shira.Training from the local folder feed restores,
#     builds and runs TorchSharp on this machine: the Debian 12 fix (buildTransitive) comes with the package.
# Usage: scripts/pack-check.sh   (prints "pack-check: ok" or the failing check; exit 0/1)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
feed=$PWD/out/packages
[ "${SHIRA_PACK_SKIP_BUILD:-0}" = 1 ] || rm -rf "$feed"
mkdir -p "$feed"
fail() { echo "pack-check: FAILED: $*" >&2; exit 1; }

if [ "${SHIRA_PACK_SKIP_BUILD:-0}" != 1 ]; then for p in Shira.Format Shira.Convert Shira.Runtime Shira.Training Shira.Cli; do
  dotnet pack "src/$p" -c Release -o "$feed" -nologo -v quiet -p:SHIRA_ARTIFACTS= -p:SHIRA_CI=1 > out/pack.log 2>&1 ||
    { cat out/pack.log >&2; fail "dotnet pack src/$p"; }
done; fi

for p in Shira.Format Shira.Convert Shira.Runtime Shira.Training Shira.Cli; do
  pkg=$(ls "$feed/$p".[0-9]*.nupkg | grep -v snupkg | head -1)
  nuspec=$(unzip -p "$pkg" "$p.nuspec")
  for want in "<id>$p</id>" '<license type="expression">MIT</license>' '<readme>README.md</readme>' \
              '<repository type="git" url="https://' '<description>'; do
    grep -qF "$want" <<<"$nuspec" || fail "$p: nuspec lacks $want"
  done
  files=$(unzip -Z1 "$pkg")   # (a variable, not a pipe into grep -q: pipefail would see unzip's SIGPIPE)
  grep -qx 'README.md' <<<"$files" || fail "$p: README.md not packed"
  grep -qx 'LICENSE' <<<"$files" || fail "$p: LICENSE not packed"
done

cli=$(ls "$feed"/Shira.Cli.[0-9]*.nupkg | grep -v snupkg | head -1)
size=$(stat -c %s "$cli")
echo "Shira.Cli tool package: $((size / 1024)) KiB"
[ "$size" -le $((20 * 1024 * 1024)) ] || fail "the Shira.Cli tool package is $((size / 1048576)) MB, above 20 MB"
files=$(unzip -Z1 "$cli")
if grep -qiE 'torch' <<<"$files"; then fail "the Shira.Cli tool package carries TorchSharp/libtorch files"; fi

training=$(ls "$feed"/Shira.Training.[0-9]*.nupkg | grep -v snupkg | head -1)
files=$(unzip -Z1 "$training")
for f in buildTransitive/Shira.Training.targets buildTransitive/TorchSharpGlibcxx.targets buildTransitive/ShiraWeakenGlibcxxNeed.cs; do
  grep -qxF "$f" <<<"$files" || fail "Shira.Training package lacks $f"
done

# A consumer outside the repository (so no Directory.Build.* of ours applies), restoring Shira.* from the folder
# feed into its own package folder; TorchSharp comes from the machine's NuGet cache (fallback) or nuget.org.
version=$(basename "$training" .nupkg); version=${version#Shira.Training.}
app=$(mktemp -d /tmp/shira-consumer.XXXXXX)
trap "[ -n \"${SHIRA_KEEP_CONSUMER:-}\" ] || rm -rf $app" EXIT
# The package folder lives beside the project, not in it (its .cs files would be compiled by the default globs).
mkdir -p "$app/src"
cat > "$app/src/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$app/packages" /></config>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <fallbackPackageFolders><add key="cache" value="$HOME/.nuget/packages" /></fallbackPackageFolders>
</configuration>
XML
cat > "$app/src/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Shira.Training" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$app/src/Program.cs" <<'CS'
// Loads libtorch through TorchSharp (what fails on Debian 12 without the fix) and uses Shira.Format.
using TorchSharp;
var sum = torch.ones(3).sum().item<float>();
Console.WriteLine($"torch ok: {sum}; Shira.Format {typeof(Shira.Format.ShiraException).Assembly.GetName().Version}");
return sum == 3f ? 0 : 1;
CS
(cd "$app/src" && dotnet build -nologo -v quiet -o ../bin > ../build.log 2>&1) || { cat "$app/build.log" >&2; fail "the consumer does not build"; }
out=$(cd "$app" && dotnet bin/Consumer.dll 2>&1) || { echo "$out" >&2; fail "the consumer cannot run TorchSharp"; }
echo "$out"
# Control: the same consumer with the fix switched off cannot load libtorch on a libstdc++ without GLIBCXX_3.4.32
# (Debian 12), so the run above passed because of the packaged targets.
libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -n "$libstdcxx" ] && ! grep -q GLIBCXX_3.4.32 < <(strings "$libstdcxx"); then
  (cd "$app/src" && dotnet build -nologo -v quiet -o ../bin-nofix -p:ShiraPatchTorchSharpGlibcxx=false > ../build2.log 2>&1) ||
    { cat "$app/build2.log" >&2; fail "the control consumer does not build"; }
  if (cd "$app" && dotnet bin-nofix/Consumer.dll > /dev/null 2>&1); then
    fail "control: TorchSharp loaded without the fix too, so this check proves nothing here"
  fi
  echo "control: without the packaged fix TorchSharp does not load on this libstdc++ (as expected)"
fi
echo "pack-check: ok"
