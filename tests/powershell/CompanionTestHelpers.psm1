<#
    Helpers for the Pester suites: start a shipped script the way the companion starts it
    (-NoProfile -NonInteractive -ExecutionPolicy Bypass -File <script> -Name value), in
    PowerShell over the fake Windows, and read back what it printed.

    The fake Windows' host is PowerShell's own engine with tests/fake-windows loaded first:
    .cache/fake-windows-host (PowerShell 7.6.9, built by scripts/ensure-powershell.sh) here,
    .cache/fake-windows-host-desktop (Windows PowerShell 5.1's engine) in the Windows workflow.
    Windows PowerShell 5.1-clean, like the scripts under test.
#>
Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
$script:ScriptsDir = Join-Path -Path $script:RepoRoot -ChildPath 'scripts/powershell'
$script:IsDesktop = $PSVersionTable.PSEdition -eq 'Desktop'

function Get-CompanionRepoRoot { $script:RepoRoot }
function Get-CompanionScriptPath { param([Parameter(Mandatory = $true)][string]$Name) Join-Path -Path $script:ScriptsDir -ChildPath "$Name.ps1" }
function Get-CompanionScriptFile { @(Get-ChildItem -LiteralPath $script:ScriptsDir -Filter '*.ps1' | Sort-Object Name) }

function Get-FakeWindowsHostPath {
    if ($script:IsDesktop) { $path = Join-Path -Path $script:RepoRoot -ChildPath '.cache/fake-windows-host-desktop/FakeWindowsHost.exe' }
    elseif ([System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)) { $path = Join-Path -Path $script:RepoRoot -ChildPath '.cache/fake-windows-host/FakeWindowsHost.exe' }
    else { $path = Join-Path -Path $script:RepoRoot -ChildPath '.cache/fake-windows-host/FakeWindowsHost' }
    if (-not (Test-Path -LiteralPath $path)) { throw "The fake Windows host is not built ($path): run bash scripts/ensure-powershell.sh" }
    return $path
}

function ConvertTo-TestHashtable {
    param($Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [System.Management.Automation.PSCustomObject]) {
        $table = [ordered]@{}
        foreach ($property in $Value.PSObject.Properties) { $table[$property.Name] = ConvertTo-TestHashtable -Value $property.Value }
        return $table
    }
    if ($Value -is [System.Array]) { return , @(foreach ($item in $Value) { ConvertTo-TestHashtable -Value $item }) }
    return $Value
}

# The same deep merge as the lab's scenarios: objects merge, $null removes, the rest replaces.
function Merge-World {
    param($Base, $Patch)
    if ($null -eq $Patch -or -not ($Patch -is [System.Collections.IDictionary]) -or -not ($Base -is [System.Collections.IDictionary])) { return $Patch }
    $out = [ordered]@{}
    foreach ($key in $Base.Keys) { $out[$key] = $Base[$key] }
    foreach ($key in $Patch.Keys) {
        if ($null -eq $Patch[$key]) { if ($out.Contains($key)) { $out.Remove($key) } }
        elseif ($out.Contains($key)) { $out[$key] = Merge-World -Base $out[$key] -Patch $Patch[$key] }
        else { $out[$key] = $Patch[$key] }
    }
    return $out
}

# A lab scenario's Windows world, resolved through its "extends" chain.
function Get-ScenarioWorld {
    param([Parameter(Mandatory = $true)][string]$Name)
    $file = Join-Path -Path $script:RepoRoot -ChildPath "tests/lab/scenarios/$Name.json"
    $scenario = ConvertTo-TestHashtable -Value (ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($file)))
    $base = $(if ($scenario.Contains('extends')) { Get-ScenarioWorld -Name $scenario['extends'] } else { [ordered]@{} })
    $patch = $(if ($scenario.Contains('windows')) { $scenario['windows'] } else { [ordered]@{} })
    return (Merge-World -Base $base -Patch $patch)
}

function Get-ScenarioName {
    @(Get-ChildItem -LiteralPath (Join-Path -Path $script:RepoRoot -ChildPath 'tests/lab/scenarios') -Filter '*.json' | Sort-Object Name | ForEach-Object { $_.BaseName })
}

function Get-ScenarioSetting {
    param([Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)][string]$Setting)
    $file = Join-Path -Path $script:RepoRoot -ChildPath "tests/lab/scenarios/$Name.json"
    $scenario = ConvertTo-TestHashtable -Value (ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($file)))
    if ($scenario.Contains($Setting)) { return $scenario[$Setting] }
    if ($scenario.Contains('extends')) { return Get-ScenarioSetting -Name $scenario['extends'] -Setting $Setting }
    return $null
}

# Quotes one argument for a Windows command line the way the C runtime splits it back
# (backslashes doubled before a quote); only used on Windows, where Process takes one string.
function ConvertTo-CommandLineArgument {
    param([AllowEmptyString()][string]$Text)
    if ($Text -ne '' -and $Text -notmatch '[\s"]') { return $Text }
    $escaped = [regex]::Replace($Text, '(\\*)"', '$1$1\"')
    $escaped = [regex]::Replace($escaped, '(\\+)$', '$1$1')
    return '"' + $escaped + '"'
}

<#
    Starts each run at once (two cores finish twice as fast) and waits for all of them. A run is
    @{ Name; Script; World (hashtable); Parameters (ordered hashtable); Switches; LanguageMode;
    Stdin }. Returns a hashtable: name -> @{ ExitCode; Lines; Progress; Json; Result; Stderr }.
#>
function Invoke-CompanionScripts {
    param([Parameter(Mandatory = $true)][hashtable[]]$Runs, [Parameter(Mandatory = $true)][string]$WorkDir)
    $hostPath = Get-FakeWindowsHostPath
    $module = Join-Path -Path $script:RepoRoot -ChildPath 'tests/fake-windows/FakeWindows.psm1'
    $started = @()
    foreach ($run in $Runs) {
        $worldFile = Join-Path -Path $WorkDir -ChildPath ("world-" + $run['Name'] + '.json')
        $json = ConvertTo-Json -InputObject $run['World'] -Depth 20
        [System.IO.File]::WriteAllText($worldFile, $json, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
        $arguments = New-Object -TypeName System.Collections.Generic.List[string]
        foreach ($item in @('--module', $module, '--state', $worldFile)) { $arguments.Add($item) }
        if ($run['LanguageMode'] -eq 'ConstrainedLanguage') { $arguments.Add('--language-mode'); $arguments.Add('ConstrainedLanguage') }
        $arguments.Add('--')
        $scriptPath = $(if ($run['ScriptPath']) { $run['ScriptPath'] } else { Get-CompanionScriptPath -Name $run['Script'] })
        foreach ($item in @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $scriptPath)) { $arguments.Add($item) }
        if ($run['Parameters']) { foreach ($key in $run['Parameters'].Keys) { $arguments.Add("-$key"); $arguments.Add([string]$run['Parameters'][$key]) } }
        foreach ($switch in @($run['Switches'])) { if ($switch) { $arguments.Add("-$switch") } }

        $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
        $info.FileName = $hostPath
        if ($script:IsDesktop -or [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)) {
            $info.Arguments = (@($arguments | ForEach-Object { ConvertTo-CommandLineArgument -Text $_ }) -join ' ')
        }
        else {
            foreach ($item in $arguments) { $info.ArgumentList.Add($item) }
        }
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.RedirectStandardInput = $true
        $info.StandardOutputEncoding = [System.Text.Encoding]::UTF8
        $process = [System.Diagnostics.Process]::Start($info)
        if ($run['Stdin']) { $process.StandardInput.Write([string]$run['Stdin']) }
        $process.StandardInput.Close()
        $started += , @{ Name = $run['Name']; Process = $process; Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync() }
    }
    $results = @{}
    foreach ($entry in $started) {
        if (-not $entry.Process.WaitForExit(120000)) { $entry.Process.Kill(); throw "$($entry.Name) did not finish within 120 s." }
        $entry.Process.WaitForExit()
        $stdout = $entry.Stdout.GetAwaiter().GetResult()
        $lines = @($stdout -split "`r?`n" | Where-Object { $_ -ne '' })
        $document = @($lines | Where-Object { $_ -notlike '::progress::*' -and $_ -notlike '::phase::*' })
        $json = $document -join "`n"
        $parsed = $null
        if ($json -ne '') { try { $parsed = ConvertFrom-Json -InputObject $json } catch { $parsed = $null } }
        $results[$entry.Name] = @{
            ExitCode = $entry.Process.ExitCode
            Lines    = $lines
            Progress = @($lines | Where-Object { $_ -like '::progress::*' } | ForEach-Object { $_.Substring(13) -replace '^\d{1,3}% ', '' })
            Phases   = @($lines | Where-Object { $_ -like '::phase::*' } | ForEach-Object { $_.Substring(10) })
            Json     = $json
            Result   = $parsed
            Stderr   = $entry.Stderr.GetAwaiter().GetResult()
        }
    }
    return $results
}

function Invoke-CompanionScript {
    param([Parameter(Mandatory = $true)][string]$Script, [Parameter(Mandatory = $true)]$World, [Parameter(Mandatory = $true)][string]$WorkDir, [string]$LanguageMode = 'FullLanguage', $Parameters, [string[]]$Switches, [string]$Stdin)
    $run = @{ Name = 'one'; Script = $Script; World = $World; LanguageMode = $LanguageMode; Parameters = $Parameters; Switches = $Switches; Stdin = $Stdin }
    return (Invoke-CompanionScripts -Runs @($run) -WorkDir $WorkDir)['one']
}

Export-ModuleMember -Function Get-CompanionRepoRoot, Get-CompanionScriptPath, Get-CompanionScriptFile, Get-FakeWindowsHostPath, ConvertTo-TestHashtable, Merge-World, Get-ScenarioWorld, Get-ScenarioName, Get-ScenarioSetting, Invoke-CompanionScripts, Invoke-CompanionScript, ConvertTo-CommandLineArgument
