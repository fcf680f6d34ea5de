<#
.SYNOPSIS
    Runs every shipped script in every lab world over the fake Windows and saves what each printed.

.DESCRIPTION
    For the Windows workflow: under Windows PowerShell 5.1 this records what 5.1's ConvertTo-Json
    really writes, and `node dist/tests/validate-script-outputs.mjs <OutDir>` then checks every file
    against the same zod schemas the app parses with (tests/powershell/output-contract.ts).
    Worlds whose PowerShell fails as a process (a scenario's "powershell" fault) print nothing.
#>
[CmdletBinding()]
param([Parameter(Mandatory = $true)][string]$OutDir)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
New-Item -ItemType Directory -Path $OutDir -Force | Out-Null
$work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('outputs-' + [guid]::NewGuid())
New-Item -ItemType Directory -Path $work | Out-Null
try {
    $scripts = @(Get-CompanionScriptFile | Where-Object { $_.BaseName -ne 'Companion.Common' } | ForEach-Object { $_.BaseName })
    $samples = ConvertTo-TestHashtable -Value (ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText((Join-Path -Path $PSScriptRoot -ChildPath 'script-samples.json'))))
    $runs = @()
    foreach ($scenario in Get-ScenarioName) {
        if (Get-ScenarioSetting -Name $scenario -Setting 'powershell') { continue }
        $languageMode = Get-ScenarioSetting -Name $scenario -Setting 'languageMode'
        $world = Get-ScenarioWorld -Name $scenario
        foreach ($script in $scripts) {
            $parameters = $null
            if ($samples.Contains($script)) {
                if (@($samples[$script]['worlds']) -notcontains $scenario) { continue }
                $parameters = $samples[$script]['parameters']
            }
            $runs += , @{ Name = "$scenario.$script"; Script = $script; World = $world; Parameters = $parameters; LanguageMode = $(if ($languageMode) { $languageMode } else { 'FullLanguage' }) }
        }
    }
    $results = Invoke-CompanionScripts -Runs $runs -WorkDir $work
    foreach ($name in $results.Keys) {
        $script = $name.Substring($name.LastIndexOf('.') + 1)
        $document = [ordered]@{ script = $script; exitCode = $results[$name].ExitCode; stdout = ($results[$name].Lines -join "`n"); powershell = [string]$PSVersionTable.PSVersion }
        $file = Join-Path -Path $OutDir -ChildPath "$name.json"
        [System.IO.File]::WriteAllText($file, (ConvertTo-Json -InputObject $document -Depth 3), (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
    }
    Write-Host "Saved $($results.Count) script outputs under $OutDir (PowerShell $($PSVersionTable.PSVersion))."
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
