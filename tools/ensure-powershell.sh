#!/usr/bin/env bash
# Installs what runs our PowerShell scripts in tests and in the lab, from the project's own
# pinned files: PowerShell 7.6.9 (a local .NET tool, .config/dotnet-tools.json), Pester
# (tests/powershell/tools/Pester.proj) and the fake Windows' host (tests/fake-windows/host),
# which is PowerShell's own engine with the fake Windows module loaded first.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is missing: install it (package dotnet-sdk-10.0, or https://dot.net); the PowerShell tests and the lab need it." >&2
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet tool restore >/dev/null
[ -d .cache/nuget/pester ] || dotnet restore tests/powershell/tools/Pester.proj >/dev/null

host=.cache/fake-windows-host/FakeWindowsHost
if [ ! -x "$host" ] || [ -n "$(find tests/fake-windows/host -maxdepth 1 -newer "$host" \( -name '*.cs' -o -name '*.csproj' \) 2>/dev/null)" ]; then
  # Published ReadyToRun (see the project file): precompiled, each PowerShell start costs half.
  rm -rf .cache/fake-windows-host
  dotnet publish tests/fake-windows/host/FakeWindowsHost.csproj -c Release -o .cache/fake-windows-host -nologo -v q >/dev/null
fi
