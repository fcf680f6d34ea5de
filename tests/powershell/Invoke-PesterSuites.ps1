<#
.SYNOPSIS
    Runs every Pester suite under tests/powershell and prints their counts; exits 1 on a failure.

.DESCRIPTION
    Here: `dotnet tool run pwsh -NoProfile -File tests/powershell/Invoke-PesterSuites.ps1`, with
    Pester from .cache/nuget (tools/ensure-powershell.sh restores it). In the Windows workflow:
    the same file under Windows PowerShell 5.1, with Pester installed as a module.
#>
[CmdletBinding()]
param([string]$OutputFile)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
$restored = @(Get-ChildItem -Path (Join-Path -Path $root -ChildPath '.cache/nuget/pester') -Directory -ErrorAction SilentlyContinue | Sort-Object Name -Descending)
if ($restored.Count -gt 0) { Import-Module (Join-Path -Path $restored[0].FullName -ChildPath 'tools/Pester.psd1') -Force }
elseif ($env:NDES_PESTER_VERSION) { Import-Module Pester -RequiredVersion $env:NDES_PESTER_VERSION }
else { Import-Module Pester -MinimumVersion 5.5.0 }

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
if ($OutputFile) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'JUnitXml'
    $config.TestResult.OutputPath = $OutputFile
}
$result = Invoke-Pester -Configuration $config
$edition = "$($PSVersionTable.PSEdition) $($PSVersionTable.PSVersion)"
Write-Host ("Pester on PowerShell {0}: {1} passed, {2} failed, {3} skipped, {4} not run, in {5} suite(s)" -f $edition, $result.PassedCount, $result.FailedCount, $result.SkippedCount, $result.NotRunCount, @($result.Containers).Count)
foreach ($container in $result.Containers) {
    $count = $container.PassedCount + $container.FailedCount + $container.SkippedCount
    Write-Host ("  {0}: {1} test(s), {2}" -f (Split-Path -Leaf ([string]$container.Item)), $count, $container.Result)
}
if ($result.FailedCount -gt 0 -or $result.FailedContainersCount -gt 0 -or $result.Result -ne 'Passed') { exit 1 }
exit 0
