<#
    Helpers for the Pester suites: start a shipped script the way the companion starts it
    (-NoProfile -NonInteractive -ExecutionPolicy Bypass -File <script> -Name value), in
    PowerShell over the fake Windows, and read back what it printed.

    The fake Windows' host is PowerShell's own engine with tests/fake-windows loaded first:
    .cache/fake-windows-host (PowerShell 7.6.9, built by tools/ensure-powershell.sh) here,
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
    if (-not (Test-Path -LiteralPath $path)) { throw "The fake Windows host is not built ($path): run bash tools/ensure-powershell.sh" }
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
    Runs each run the way the companion starts a script (-File with -Name value), over a world of
    its own, and returns what it printed. A run is @{ Name; Script (or ScriptPath); World
    (hashtable); Parameters (ordered hashtable); Switches; LanguageMode; Stdin; Process }.
    Returns a hashtable: name -> @{ ExitCode; Lines; Progress; Phases; Json; Result; Stderr }.

    The first run of a batch, and every run with standard input, in ConstrainedLanguage or with
    Process = $true, is a PowerShell process of its own: at most one per core at a time (the host
    also holds every PowerShell start to a slot per core, whoever starts it), each waited for to
    its exit, with no deadline a busy machine could cross, only a backstop that names a run that
    hangs. The others run in warm PowerShells (Invoke-WarmRuns).
#>
function Invoke-CompanionScripts {
    param([Parameter(Mandatory = $true)][hashtable[]]$Runs, [Parameter(Mandatory = $true)][string]$WorkDir)
    $hostPath = Get-FakeWindowsHostPath
    $module = Join-Path -Path $script:RepoRoot -ChildPath 'tests/fake-windows/FakeWindows.psm1'
    $parallel = [Math]::Max(1, [Environment]::ProcessorCount)
    $started = New-Object -TypeName System.Collections.Generic.List[hashtable]
    $pending = New-Object -TypeName System.Collections.Generic.Queue[hashtable]
    $warm = New-Object -TypeName System.Collections.Generic.List[hashtable]
    $index = 0
    foreach ($run in $Runs) {
        # What only a process shows runs as one: standard input, ConstrainedLanguage, a run that
        # asks for it, and the first run of every batch (the whole path, start to exit code).
        # Under Windows PowerShell 5.1 every run is a process: the warm host is held to a
        # process's results on PowerShell 7 only (warm-powershell.test.ts), and the 5.1 run is
        # there to show what real 5.1 does.
        $asProcess = $script:IsDesktop -or $index -eq 0 -or $run['Stdin'] -or $run['LanguageMode'] -eq 'ConstrainedLanguage' -or $run['Process']
        if ($asProcess) { $pending.Enqueue($run) } else { $warm.Add($run) }
        $index += 1
    }
    $results = @{}
    while ($pending.Count -gt 0) {
        $live = @($started | Where-Object { -not $_.Process.HasExited })
        if ($live.Count -ge $parallel) {
            $null = $live[0].Process.WaitForExit(100)
            Assert-NotHung -Entries $live
            continue
        }
        $run = $pending.Dequeue()
        $worldFile = Write-RunWorld -Run $run -WorkDir $WorkDir
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
    $warmWorlds = @()
    try {
        if ($warm.Count -gt 0) { $warmWorlds = @(Invoke-WarmRuns -Runs $warm -WorkDir $WorkDir -Results $results -Servers ([Math]::Min($parallel, $warm.Count))) }
        Wait-CompanionRuns -Started $started -Results $results
    }
    finally {
        # A run can leave a process of its world behind on purpose (an installer inside its
        # transaction is left to finish): none outlives the suite.
        Stop-WorldProcess -WorldFile (@($started | ForEach-Object { $_.WorldFile }) + $warmWorlds)
    }
    return $results
}

function Write-RunWorld {
    param([hashtable]$Run, [string]$WorkDir)
    $worldFile = Join-Path -Path $WorkDir -ChildPath ("world-" + $Run['Name'] + '.json')
    $json = ConvertTo-Json -InputObject $Run['World'] -Depth 20
    [System.IO.File]::WriteAllText($worldFile, $json, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
    return $worldFile
}

function ConvertTo-Base64Text { param([AllowEmptyString()][string]$Text) [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($Text)) }
function ConvertFrom-Base64Text { param([AllowEmptyString()][string]$Text) [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Text)) }

<#
    Runs in warm PowerShells (FakeWindowsHost --serve, tests/fake-windows/host/WarmHost.cs), one
    per core: the engine loaded once, each run in a session of its own over its own world, with
    -File's exit code and stdout (tests/integration/warm-powershell.test.ts holds the two ways to
    the same results). Returns the world files, for Stop-WorldProcess.
#>
function Invoke-WarmRuns {
    param([System.Collections.Generic.List[hashtable]]$Runs, [string]$WorkDir, [hashtable]$Results, [int]$Servers)
    $hostPath = Get-FakeWindowsHostPath
    $module = Join-Path -Path $script:RepoRoot -ChildPath 'tests/fake-windows/FakeWindows.psm1'
    $pool = @()
    $worlds = @()
    try {
        for ($i = 0; $i -lt $Servers; $i += 1) {
            $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
            $info.FileName = $hostPath
            $info.Arguments = (@('--serve', '--module', $module) | ForEach-Object { ConvertTo-CommandLineArgument -Text $_ }) -join ' '
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardInput = $true
            $info.RedirectStandardError = $true
            $info.StandardOutputEncoding = [System.Text.Encoding]::UTF8
            $server = [System.Diagnostics.Process]::Start($info)
            $pool += , @{ Process = $server; Stderr = $server.StandardError.ReadToEndAsync() }
        }
        for ($first = 0; $first -lt $Runs.Count; $first += $Servers) {
            $round = @()
            for ($i = 0; $i -lt $Servers -and $first + $i -lt $Runs.Count; $i += 1) {
                $run = $Runs[$first + $i]
                $worldFile = Write-RunWorld -Run $run -WorkDir $WorkDir
                $worlds += $worldFile
                $scriptPath = $(if ($run['ScriptPath']) { $run['ScriptPath'] } else { Get-CompanionScriptPath -Name $run['Script'] })
                $lines = @("state`t$(ConvertTo-Base64Text -Text $worldFile)", "script`t$(ConvertTo-Base64Text -Text $scriptPath)")
                if ($run['Parameters']) { foreach ($key in $run['Parameters'].Keys) { $lines += "param`t$(ConvertTo-Base64Text -Text ([string]$key))`t$(ConvertTo-Base64Text -Text ([string]$run['Parameters'][$key]))" } }
                foreach ($switch in @($run['Switches'])) { if ($switch) { $lines += "switch`t$(ConvertTo-Base64Text -Text ([string]$switch))" } }
                $lines += 'run'
                $server = $pool[$i]
                $server.Process.StandardInput.Write(($lines -join "`n") + "`n")
                $server.Process.StandardInput.Flush()
                $round += , @{ Run = $run; Server = $server; Started = [DateTime]::UtcNow }
            }
            foreach ($entry in $round) {
                $answer = @{}
                while ($true) {
                    $reading = $entry.Server.Process.StandardOutput.ReadLineAsync()
                    while (-not $reading.Wait(1000)) {
                        if (([DateTime]::UtcNow - $entry.Started).TotalMinutes -gt $script:HangMinutes) {
                            $entry.Server.Process.Kill()
                            throw "$($entry.Run['Name']) hung: still running after $script:HangMinutes minutes."
                        }
                    }
                    $line = $reading.Result
                    if ($null -eq $line) { throw "The warm PowerShell ended during $($entry.Run['Name']): $($entry.Server.Stderr.GetAwaiter().GetResult())" }
                    if ($line -eq 'end') { break }
                    $field, $value = $line -split "`t", 2
                    $answer[$field] = $value
                }
                $Results[$entry.Run['Name']] = ConvertTo-RunResult -ExitCode ([int]$answer['exit']) -Stdout (ConvertFrom-Base64Text -Text $answer['stdout']) -Stderr (ConvertFrom-Base64Text -Text $answer['stderr'])
            }
        }
    }
    finally {
        foreach ($server in $pool) {
            $server.Process.StandardInput.Close()
            if (-not $server.Process.WaitForExit(60000)) { $server.Process.Kill() }
        }
    }
    return $worlds
}

# What a run printed, read as the companion reads it: progress and phase lines, the one JSON
# document behind "::result:: ", and any other line (warnings, host lines) as a message.
function ConvertTo-RunResult {
    param([int]$ExitCode, [AllowEmptyString()][string]$Stdout, [AllowEmptyString()][string]$Stderr)
    $lines = @($Stdout -split "`r?`n" | Where-Object { $_ -ne '' })
    $document = @($lines | Where-Object { $_ -like '::result:: *' } | ForEach-Object { $_.Substring(11) })
    $json = $document -join "`n"
    $parsed = $null
    if ($json -ne '') { try { $parsed = ConvertFrom-Json -InputObject $json } catch { $parsed = $null } }
    return @{
        ExitCode = $ExitCode
        Lines    = $lines
        Progress = @($lines | Where-Object { $_ -like '::progress::*' } | ForEach-Object { $_.Substring(13) -replace '^\d{1,3}% ', '' })
        Phases   = @($lines | Where-Object { $_ -like '::phase::*' } | ForEach-Object { $_.Substring(10) })
        Json     = $json
        Messages = @($lines | Where-Object { $_ -notlike '::progress::*' -and $_ -notlike '::phase::*' -and $_ -notlike '::result:: *' })
        Result   = $parsed
        Stderr   = $Stderr
    }
}

function Wait-CompanionRuns {
    param([System.Collections.Generic.List[hashtable]]$Started, [hashtable]$Results)
    foreach ($entry in $Started) {
        while (-not $entry.Process.WaitForExit(1000)) { Assert-NotHung -Entries @($entry) }
        $entry.Process.WaitForExit()
        $Results[$entry.Name] = ConvertTo-RunResult -ExitCode $entry.Process.ExitCode -Stdout $entry.Stdout.GetAwaiter().GetResult() -Stderr $entry.Stderr.GetAwaiter().GetResult()
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
