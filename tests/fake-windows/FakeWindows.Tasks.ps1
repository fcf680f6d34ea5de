# The ScheduledTasks module and shutdown.exe, over the world's "scheduledTasks" and "restart"
# sections. Grounded in Microsoft's ScheduledTasks reference (parameter names; -Force replaces a
# task of the same name) and in real error records: Get-ScheduledTask for a missing task writes
# "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '<name>'.  Verify the
# value of the property and retry." (ObjectNotFound, CmdletizationQuery_NotFound_TaskName,
# Get-ScheduledTask; acceleration3/cloudgamestream#17, Virtual-Desktop-Optimization-Tool#249);
# a missing task given to the other cmdlets by name is "The system cannot find the file
# specified." (HRESULT 0x80070002; PowerShell/PowerShell#3915). shutdown.exe returns 1190
# (ERROR_SHUTDOWN_IS_SCHEDULED) when a shutdown is already scheduled.

function New-ScheduledTaskAction {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Execute, [string]$Argument, [string]$WorkingDirectory)
    [pscustomobject]@{ Execute = $Execute; Arguments = $Argument; WorkingDirectory = $WorkingDirectory }
}

function New-ScheduledTaskTrigger {
    [CmdletBinding()]
    param([switch]$AtLogOn, [switch]$AtStartup, [string]$User)
    if (-not $AtLogOn -and -not $AtStartup) { throw 'FakeWindows: only -AtLogOn and -AtStartup triggers are faked.' }
    [pscustomobject]@{ Kind = $(if ($AtLogOn) { 'AtLogOn' } else { 'AtStartup' }); UserId = $User }
}

function New-ScheduledTaskPrincipal {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$UserId, [ValidateSet('None', 'Password', 'S4U', 'Interactive', 'Group', 'ServiceAccount', 'InteractiveOrPassword')][string]$LogonType = 'None', [ValidateSet('Limited', 'Highest')][string]$RunLevel = 'Limited')
    [pscustomobject]@{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel }
}

function New-ScheduledTaskSettingsSet {
    [CmdletBinding()]
    param([switch]$AllowStartIfOnBatteries, [switch]$DontStopIfGoingOnBatteries, [timespan]$ExecutionTimeLimit = (New-TimeSpan -Days 3), [ValidateRange(0, 10)][int]$Priority = 7)
    [pscustomobject]@{ DisallowStartIfOnBatteries = -not $AllowStartIfOnBatteries; StopIfGoingOnBatteries = -not $DontStopIfGoingOnBatteries; ExecutionTimeLimit = $(if ($ExecutionTimeLimit.Ticks -eq 0) { 'PT0S' } else { 'P' + [int]$ExecutionTimeLimit.TotalDays + 'D' }); Priority = $Priority }
}

function Get-FakeTaskKey { param([string]$TaskPath, [string]$TaskName) ($(if ($TaskPath) { $TaskPath } else { '\' })) + $TaskName }

function Register-ScheduledTask {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)][string]$TaskName,
        [string]$TaskPath = '\',
        $Action, $Trigger, $Principal, $Settings, [string]$Description, [switch]$Force
    )
    $key = Get-FakeTaskKey -TaskPath $TaskPath -TaskName $TaskName
    $tasks = Get-FakeSection -Name 'scheduledTasks'
    if ((Get-FakeSection -Name 'token') -and (Get-FakeSection -Name 'token')['scheduledTasksDenied']) {
        Write-FakeError -Cmdlet $PSCmdlet -Message 'Access is denied.' -ErrorId 'HRESULT 0x80070005,Register-ScheduledTask' -Category PermissionDenied -Target $TaskName
        return
    }
    if ($tasks -and $tasks.ContainsKey($key) -and $null -ne $tasks[$key] -and -not $Force) {
        Write-FakeError -Cmdlet $PSCmdlet -Message 'Cannot create a file when that file already exists.' -ErrorId 'HRESULT 0x800700b7,Register-ScheduledTask' -Category ResourceExists -Target $TaskName
        return
    }
    $entry = [ordered]@{
        taskPath    = $TaskPath
        taskName    = $TaskName
        description = $Description
        actions     = @(foreach ($one in @($Action)) { [ordered]@{ execute = [string]$one.Execute; arguments = [string]$one.Arguments } })
        triggers    = @(foreach ($one in @($Trigger)) { [ordered]@{ kind = [string]$one.Kind; userId = [string]$one.UserId } })
        principal   = [ordered]@{ userId = [string]$Principal.UserId; logonType = [string]$Principal.LogonType; runLevel = [string]$Principal.RunLevel }
        settings    = [ordered]@{ executionTimeLimit = [string]$Settings.ExecutionTimeLimit; disallowStartIfOnBatteries = [bool]$Settings.DisallowStartIfOnBatteries; priority = [int]$Settings.Priority }
    }
    Update-FakeWorld -Change {
        param($world)
        if (-not $world.ContainsKey('scheduledTasks') -or $null -eq $world['scheduledTasks']) { $world['scheduledTasks'] = [ordered]@{} }
        $world['scheduledTasks'][$key] = $entry
    }
    Get-FakeScheduledTaskObject -Key $key
}

function Get-FakeScheduledTaskObject {
    param([string]$Key)
    $tasks = Get-FakeSection -Name 'scheduledTasks'
    if (-not $tasks -or -not $tasks.ContainsKey($Key) -or $null -eq $tasks[$Key]) { return $null }
    $task = $tasks[$Key]
    [pscustomobject]@{
        TaskPath  = [string]$task['taskPath']
        TaskName  = [string]$task['taskName']
        State     = 'Ready'
        Actions   = @(foreach ($one in @($task['actions'])) { [pscustomobject]@{ Execute = [string]$one['execute']; Arguments = [string]$one['arguments'] } })
        Principal = [pscustomobject]@{ UserId = [string]$task['principal']['userId']; LogonType = [string]$task['principal']['logonType']; RunLevel = [string]$task['principal']['runLevel'] }
    }
}

function Get-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$TaskName, [string]$TaskPath = '\')
    $task = Get-FakeScheduledTaskObject -Key (Get-FakeTaskKey -TaskPath $TaskPath -TaskName $TaskName)
    if ($null -eq $task) {
        Write-FakeError -Cmdlet $PSCmdlet -Message "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'.  Verify the value of the property and retry." -ErrorId 'CmdletizationQuery_NotFound_TaskName,Get-ScheduledTask' -Category ObjectNotFound -Target $TaskName
        return
    }
    $task
}

function Unregister-ScheduledTask {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param([Parameter(Position = 0)][string]$TaskName, [string]$TaskPath = '\')
    $key = Get-FakeTaskKey -TaskPath $TaskPath -TaskName $TaskName
    if ($null -eq (Get-FakeScheduledTaskObject -Key $key)) {
        Write-FakeError -Cmdlet $PSCmdlet -Message 'The system cannot find the file specified.' -ErrorId 'HRESULT 0x80070002,Unregister-ScheduledTask' -Category ObjectNotFound -Target $TaskName
        return
    }
    Update-FakeWorld -Change { param($world) $world['scheduledTasks'].Remove($key) }
}

# shutdown.exe /r /t N /d p:4:2 /c "...": a restart scheduled in the world, once.
function Invoke-FakeShutdown {
    $words = @($args | ForEach-Object { [string]$_ })
    if ($words.Count -lt 3 -or $words[0] -ne '/r' -or $words[1] -ne '/t' -or $words[2] -notmatch '^\d+$') { 'Usage: shutdown [/i | /l | /s | /sg | /r | /g | /a | /p | /h | /e | /o] [/hybrid] [/soft] [/fw] [/f]'; Set-FakeExitCode 1; return }
    $restart = Get-FakeSection -Name 'restart'
    if ($restart -and $restart['scheduled']) { 'A system shutdown has already been scheduled.(1190)'; Set-FakeExitCode 1190; return }
    $comment = $(if ($words -contains '/c') { $words[[array]::IndexOf($words, '/c') + 1] } else { '' })
    $reason = $(if ($words -contains '/d') { $words[[array]::IndexOf($words, '/d') + 1] } else { '' })
    Update-FakeWorld -Change { param($world) $world['restart'] = [ordered]@{ scheduled = $true; delaySeconds = [int]$words[2]; reason = $reason; comment = $comment } }
    Set-FakeExitCode 0
}

foreach ($folder in @('C:\Windows\system32', [Environment]::SystemDirectory) | Select-Object -Unique) {
    Set-Alias -Name "$folder\shutdown.exe" -Value 'Invoke-FakeShutdown'
}
