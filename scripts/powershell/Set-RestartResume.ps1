<#
.SYNOPSIS
    Arranges for the companion to reopen itself after the server restarts (a scheduled task at
    the admin's next logon, elevated), removes that arrangement, reads it, or restarts the
    server for an installer that asked for it (exit code 3010).

.DESCRIPTION
    Register: a scheduled task "\NDES Proxy Companion\Resume after restart" that starts the
    companion (-AppPath, its own executable, which must be under Program Files, where only
    administrators can write) with --resume-after-restart when the same admin next logs on,
    with highest privileges (no UAC prompt at logon, and explorer is not held up the way a
    RunOnce program holds it). The companion removes it when it opens.
    Remove: unregisters it; a task already gone is not an error.
    Read: whether it is there, and what it starts.
    Restart: shutdown.exe /r /t <DelaySeconds> with the planned "Application: Installation"
    reason, so the admin has time to stop it (shutdown.exe /a).
    Prints one JSON document; progress lines start with "::progress::". Works in Windows
    PowerShell 5.1 and in ConstrainedLanguage mode.

.PARAMETER Action
    Register, Remove, Read or Restart.

.PARAMETER AppPath
    Register only: the companion's executable.

.PARAMETER DelaySeconds
    Restart only: seconds before Windows restarts (30 to 600; 60 by default).

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Set-RestartResume.ps1 -Action Read
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][ValidateSet('Register', 'Remove', 'Read', 'Restart')][string]$Action,
    [string]$AppPath,
    [ValidateRange(30, 600)][int]$DelaySeconds = 60
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput

$script:TaskName = 'Resume after restart'
$script:TaskPath = '\NDES Proxy Companion\'
$script:Argument = '--resume-after-restart'

# The scheduled task as the companion describes it, or $null when there is none.
function Read-ResumeTask {
    try {
        $task = Get-ScheduledTask -TaskName $script:TaskName -TaskPath $script:TaskPath -ErrorAction Stop
    }
    catch {
        if ([string]$_.FullyQualifiedErrorId -match '^CmdletizationQuery_NotFound') { return $null }
        throw
    }
    $actions = @($task.Actions)
    $principal = $task.Principal
    return [ordered]@{
        taskPath  = [string]$task.TaskPath
        taskName  = [string]$task.TaskName
        execute   = $(if ($actions.Count -gt 0) { [string]$actions[0].Execute } else { $null })
        arguments = $(if ($actions.Count -gt 0) { [string]$actions[0].Arguments } else { $null })
        userId    = [string]$principal.UserId
        runLevel  = [string]$principal.RunLevel
    }
}

# Program Files as Windows records it (never %ProgramFiles%, which a user can set).
function Get-ProgramFilesFolder {
    $value = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion' -Name 'ProgramFilesDir'
    if ($value) { return ([string]$value).TrimEnd('\') }
    return 'C:\Program Files'
}

# The account that will log on again: its SID (language-neutral) and name, from whoami /user.
function Get-CurrentUser {
    $run = Invoke-WindowsTool -Path ((Get-SystemDirectory) + '\whoami.exe') -Arguments @('/user', '/fo', 'csv', '/nh')
    if ($run.exitCode -ne 0 -or @($run.lines).Count -eq 0) { throw "whoami /user failed (exit code $($run.exitCode))." }
    $fields = @(([string]@($run.lines)[0]).Trim().Trim('"') -split '","')
    if ($fields.Count -lt 2 -or $fields[1] -notmatch '^S-1-5-21-[\d-]+$') { throw 'whoami /user did not name a domain or local account (a SID starting S-1-5-21-).' }
    return [ordered]@{ name = $fields[0]; sid = $fields[1] }
}

$report = [ordered]@{ action = $Action; result = $null; mechanism = 'scheduled-task'; task = $null; restart = $null; refusal = $null }
try {
    switch ($Action) {
        'Read' {
            $report['task'] = Read-ResumeTask
            $report['result'] = $(if ($report['task']) { 'present' } else { 'absent' })
        }
        'Remove' {
            Write-CompanionProgress -Message 'Removing the scheduled task that reopens the companion after a restart'
            $existing = Read-ResumeTask
            if (-not $existing) { $report['result'] = 'absent'; break }
            if (-not $WhatIfPreference) {
                Unregister-ScheduledTask -TaskName $script:TaskName -TaskPath $script:TaskPath -Confirm:$false -ErrorAction Stop
                $report['result'] = 'removed'
            }
            else { $report['result'] = 'would-remove'; $report['task'] = $existing }
        }
        'Register' {
            if (-not $AppPath) { Stop-WithRefusal -Report $report -Reason 'no-app-path' -Detail 'No -AppPath was given.' }
            $programFiles = Get-ProgramFilesFolder
            # A plain path only: no "/" (Windows resolves it like "\\"), no "." or ".." segment, no
            # 8.3 "~" name, no stream, no trailing dot or space, under Program Files.
            $plain = $AppPath -match '^[A-Za-z]:\\[^<>:"|?*/~]+\.exe$' -and $AppPath -notmatch '\\\.{1,2}(\\|$)' -and $AppPath -notmatch '[. ]\\'
            if (-not $plain -or -not $AppPath.ToLowerInvariant().StartsWith(($programFiles + '\').ToLowerInvariant())) {
                Stop-WithRefusal -Report $report -Reason 'app-path-not-installed' -Detail "$AppPath is not an executable under $programFiles; a task that starts elevated at logon must not start anything a standard user could replace."
            }
            if (-not (Test-Path -LiteralPath $AppPath -PathType Leaf)) { Stop-WithRefusal -Report $report -Reason 'app-path-missing' -Detail "$AppPath does not exist." }
            $item = Get-Item -LiteralPath $AppPath -ErrorAction Stop
            if ([string]$item.FullName -ne $AppPath -or [string]$item.Attributes -match 'ReparsePoint') {
                Stop-WithRefusal -Report $report -Reason 'app-path-not-installed' -Detail "$AppPath is a link or resolves elsewhere ($($item.FullName)); the task starts only the installed file itself."
            }
            # Owner and writers of the file: Administrators, SYSTEM (and TrustedInstaller) only.
            # Get-UntrustedWriter returns its list whole (one pipeline object): taken apart here.
            $all = Get-UntrustedWriter -Sddl ([string](Get-Acl -LiteralPath $AppPath).Sddl)
            $writers = @($all | Where-Object { $_ -notmatch 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464' })
            if ($writers.Count -gt 0) {
                Stop-WithRefusal -Report $report -Reason 'app-path-writable' -Detail "$AppPath can be changed by $($writers -join ', '); a task that starts elevated at logon must start only what administrators alone can change."
            }
            $user = Get-CurrentUser
            Write-CompanionProgress -Message "Registering a scheduled task that reopens the companion when $($user.name) next logs on"
            if (-not $WhatIfPreference) {
                $taskAction = New-ScheduledTaskAction -Execute $AppPath -Argument $script:Argument
                $trigger = New-ScheduledTaskTrigger -AtLogOn -User $user.name
                $principal = New-ScheduledTaskPrincipal -UserId $user.sid -LogonType Interactive -RunLevel Highest
                # No time limit: the companion is a window the admin works in, not a job.
                # Priority 4 (normal): a task's default of 7 would run the companion and its PowerShell below normal.
                $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -ExecutionTimeLimit (New-TimeSpan -Seconds 0) -Priority 4
                Register-ScheduledTask -TaskName $script:TaskName -TaskPath $script:TaskPath -Action $taskAction -Trigger $trigger -Principal $principal -Settings $settings -Description 'Reopens NDES Proxy Companion after the restart a connector installation asked for. The companion removes this task when it opens.' -Force -ErrorAction Stop | Out-Null
                $report['result'] = 'registered'
                $report['task'] = Read-ResumeTask
            }
            else {
                $report['result'] = 'would-register'
                $report['task'] = [ordered]@{ taskPath = $script:TaskPath; taskName = $script:TaskName; execute = $AppPath; arguments = $script:Argument; userId = $user.sid; runLevel = 'Highest' }
            }
        }
        'Restart' {
            $shutdown = (Get-SystemDirectory) + '\shutdown.exe'
            Write-CompanionProgress -Message "Asking Windows to restart in $DelaySeconds seconds"
            if (-not $WhatIfPreference) {
                # /d p:4:2: planned, Application: Installation (shutdown /? lists the reasons).
                $run = Invoke-WindowsTool -Path $shutdown -Arguments @('/r', '/t', [string]$DelaySeconds, '/d', 'p:4:2', '/c', 'NDES Proxy Companion: restarting for the connector installation (exit code 3010). Cancel with shutdown /a.')
                # 1190: a shutdown is already scheduled (ERROR_SHUTDOWN_IS_SCHEDULED).
                if ($run.exitCode -eq 1190) { $report['result'] = 'already-scheduled' }
                elseif ($run.exitCode -ne 0) { throw "shutdown.exe /r failed with exit code $($run.exitCode)." }
                else { $report['result'] = 'restart-scheduled' }
                $report['restart'] = [ordered]@{ delaySeconds = $DelaySeconds; exitCode = [int]$run.exitCode }
            }
            else { $report['result'] = 'would-restart'; $report['restart'] = [ordered]@{ delaySeconds = $DelaySeconds; exitCode = $null } }
        }
    }
    Write-CompanionResult -Result $report
}
catch {
    Write-CompanionFailure -Code 'RESTART_RESUME_FAILED' -ErrorRecord $_
    exit 1
}
