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

# A backstop for a run that hangs, far past what any run takes on the slowest machine: the
# suite waits on exits, never on a deadline.
$script:HangMinutes = 10
function Assert-NotHung {
    param([hashtable[]]$Entries)
    foreach ($entry in $Entries) {
        if (-not $entry.Process.HasExited -and ([DateTime]::UtcNow - $entry.Started).TotalMinutes -gt $script:HangMinutes) {
            $entry.Process.Kill()
            throw "$($entry.Name) hung: still running after $script:HangMinutes minutes."
        }
    }
}

<#
    Runs each run as its own PowerShell process, at most one per core at a time (the host also
    holds every PowerShell start to a slot per core, whoever starts it), and waits for every one
    to exit: no deadline a busy machine could cross, only a backstop that names a run that hangs.
    A run is @{ Name; Script; World (hashtable); Parameters (ordered hashtable); Switches;
    LanguageMode; Stdin }. Returns a hashtable: name -> @{ ExitCode; Lines; Progress; Json;
    Result; Stderr }.
#>
function Invoke-CompanionScripts {
    param([Parameter(Mandatory = $true)][hashtable[]]$Runs, [Parameter(Mandatory = $true)][string]$WorkDir)
    $hostPath = Get-FakeWindowsHostPath
    $module = Join-Path -Path $script:RepoRoot -ChildPath 'tests/fake-windows/FakeWindows.psm1'
    $parallel = [Math]::Max(1, [Environment]::ProcessorCount)
    $started = New-Object -TypeName System.Collections.Generic.List[hashtable]
    $pending = New-Object -TypeName System.Collections.Generic.Queue[hashtable]
    foreach ($run in $Runs) { $pending.Enqueue($run) }
    while ($pending.Count -gt 0) {
        $live = @($started | Where-Object { -not $_.Process.HasExited })
        if ($live.Count -ge $parallel) {
            $null = $live[0].Process.WaitForExit(100)
            Assert-NotHung -Entries $live
            continue
        }
        $run = $pending.Dequeue()
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
        $started.Add(@{ Name = $run['Name']; WorldFile = $worldFile; Process = $process; Started = [DateTime]::UtcNow; Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync() })
    }
    $results = @{}
    try { Wait-CompanionRuns -Started $started -Results $results }
    finally {
        # A run can leave a process of its world behind on purpose (an installer inside its
        # transaction is left to finish): none outlives the suite.
        Stop-WorldProcess -WorldFile @($started | ForEach-Object { $_.WorldFile })
    }
    return $results
}

function Wait-CompanionRuns {
    param([System.Collections.Generic.List[hashtable]]$Started, [hashtable]$Results)
    foreach ($entry in $Started) {
        while (-not $entry.Process.WaitForExit(1000)) { Assert-NotHung -Entries @($entry) }
        $entry.Process.WaitForExit()
        $stdout = $entry.Stdout.GetAwaiter().GetResult()
        $lines = @($stdout -split "`r?`n" | Where-Object { $_ -ne '' })
        $document = @($lines | Where-Object { $_ -notlike '::progress::*' -and $_ -notlike '::phase::*' })
        $json = $document -join "`n"
        $parsed = $null
        if ($json -ne '') { try { $parsed = ConvertFrom-Json -InputObject $json } catch { $parsed = $null } }
        $Results[$entry.Name] = @{
            ExitCode = $entry.Process.ExitCode
            Lines    = $lines
            Progress = @($lines | Where-Object { $_ -like '::progress::*' } | ForEach-Object { $_.Substring(13) -replace '^\d{1,3}% ', '' })
            Phases   = @($lines | Where-Object { $_ -like '::phase::*' } | ForEach-Object { $_.Substring(10) })
            Json     = $json
            Result   = $parsed
            Stderr   = $entry.Stderr.GetAwaiter().GetResult()
        }
    }
}

# Stops every process still running in one of these worlds (its command line names the world file).
function Stop-WorldProcess {
    param([string[]]$WorldFile)
    $markers = @($WorldFile | Where-Object { $_ })
    if ($markers.Count -eq 0) { return }
    if ($script:IsDesktop -or [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)) {
        $processes = @(Get-CimInstance -ClassName Win32_Process | ForEach-Object { @{ Id = [int]$_.ProcessId; CommandLine = [string]$_.CommandLine } })
    }
    else {
        $processes = @(Get-Process | ForEach-Object { @{ Id = $_.Id; CommandLine = [string]$_.CommandLine } })
    }
    foreach ($process in $processes) {
        if ($process.Id -eq $PID -or -not $process.CommandLine) { continue }
        foreach ($marker in $markers) {
            if ($process.CommandLine.Contains($marker)) { Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue; break }
        }
    }
}

function Invoke-CompanionScript {
    param([Parameter(Mandatory = $true)][string]$Script, [Parameter(Mandatory = $true)]$World, [Parameter(Mandatory = $true)][string]$WorkDir, [string]$LanguageMode = 'FullLanguage', $Parameters, [string[]]$Switches, [string]$Stdin)
    $run = @{ Name = 'one'; Script = $Script; World = $World; LanguageMode = $LanguageMode; Parameters = $Parameters; Switches = $Switches; Stdin = $Stdin }
    return (Invoke-CompanionScripts -Runs @($run) -WorkDir $WorkDir)['one']
}

Export-ModuleMember -Function Get-CompanionRepoRoot, Get-CompanionScriptPath, Get-CompanionScriptFile, Get-FakeWindowsHostPath, ConvertTo-TestHashtable, Merge-World, Get-ScenarioWorld, Get-ScenarioName, Get-ScenarioSetting, Invoke-CompanionScripts, Invoke-CompanionScript, ConvertTo-CommandLineArgument
