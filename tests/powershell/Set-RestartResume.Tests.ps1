# Pester 5: Set-RestartResume.ps1 started as the companion starts it, in PowerShell over the fake
# Windows (FakeWindows.Tasks.ps1: the ScheduledTasks cmdlets with their real error records, and
# shutdown.exe). Each run's world file is read back afterwards: what the script left behind.

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('restart-resume-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $script:App = 'C:\Program Files\NDES Proxy Companion\NDES Proxy Companion.exe'
    # The ACL an install under Program Files leaves: Administrators and SYSTEM write, Users read and execute.
    $programFilesAcl = 'O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)'
    $installed = Merge-World -Base (Get-ScenarioWorld -Name 'connector-installed') -Patch ([ordered]@{ files = [ordered]@{ $script:App = [ordered]@{ text = ''; version = '0.1.0' }; 'C:\Users\admin\Downloads\companion.exe' = [ordered]@{ text = '' } }; acls = [ordered]@{ $script:App = $programFilesAcl } })
    $userWritable = Merge-World -Base $installed -Patch ([ordered]@{ acls = [ordered]@{ $script:App = 'O:BAG:SYD:(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;BU)' } })
    $linked = Merge-World -Base $installed -Patch ([ordered]@{ files = [ordered]@{ $script:App = [ordered]@{ text = ''; reparsePoint = $true } } })
    $withTask = Merge-World -Base $installed -Patch ([ordered]@{ scheduledTasks = [ordered]@{ '\NDES Proxy Companion\Resume after restart' = [ordered]@{ taskPath = '\NDES Proxy Companion\'; taskName = 'Resume after restart'; actions = @([ordered]@{ execute = $script:App; arguments = '--resume-after-restart' }); triggers = @([ordered]@{ kind = 'AtLogOn'; userId = 'contoso\admin' }); principal = [ordered]@{ userId = 'S-1-5-21-1004336348-1177238915-682003330-1104'; logonType = 'Interactive'; runLevel = 'Highest' }; settings = [ordered]@{ executionTimeLimit = 'PT0S' } } } })
    $scheduled = Merge-World -Base $installed -Patch ([ordered]@{ restart = [ordered]@{ scheduled = $true; delaySeconds = 60 } })
    $runs = @(
        @{ Name = 'register'; World = $installed; Parameters = [ordered]@{ Action = 'Register'; AppPath = $script:App } },
        @{ Name = 'register-clm'; World = $installed; LanguageMode = 'ConstrainedLanguage'; Parameters = [ordered]@{ Action = 'Register'; AppPath = $script:App } },
        @{ Name = 'register-whatif'; World = $installed; Parameters = [ordered]@{ Action = 'Register'; AppPath = $script:App }; Switches = @('WhatIf') },
        @{ Name = 'register-downloads'; World = $installed; Parameters = [ordered]@{ Action = 'Register'; AppPath = 'C:\Users\admin\Downloads\companion.exe' } },
        @{ Name = 'register-dotdot'; World = $installed; Parameters = [ordered]@{ Action = 'Register'; AppPath = 'C:\Program Files\..\Users\admin\Downloads\companion.exe' } },
        @{ Name = 'register-missing'; World = $installed; Parameters = [ordered]@{ Action = 'Register'; AppPath = 'C:\Program Files\Elsewhere\app.exe' } },
        @{ Name = 'register-slashes'; World = $installed; Parameters = [ordered]@{ Action = 'Register'; AppPath = 'C:\Program Files\x/../../Users/admin/Downloads/companion.exe' } },
        @{ Name = 'register-short'; World = $installed; Parameters = [ordered]@{ Action = 'Register'; AppPath = 'C:\PROGRA~1\NDES Proxy Companion\NDES Proxy Companion.exe' } },
        @{ Name = 'register-writable'; World = $userWritable; Parameters = [ordered]@{ Action = 'Register'; AppPath = $script:App } },
        @{ Name = 'register-link'; World = $linked; Parameters = [ordered]@{ Action = 'Register'; AppPath = $script:App } },
        @{ Name = 'read-none'; World = $installed; Parameters = [ordered]@{ Action = 'Read' } },
        @{ Name = 'read-one'; World = $withTask; Parameters = [ordered]@{ Action = 'Read' } },
        @{ Name = 'remove'; World = $withTask; Parameters = [ordered]@{ Action = 'Remove' } },
        @{ Name = 'remove-none'; World = $installed; Parameters = [ordered]@{ Action = 'Remove' } },
        @{ Name = 'restart'; World = $installed; Parameters = [ordered]@{ Action = 'Restart'; DelaySeconds = 90 } },
        @{ Name = 'restart-again'; World = $scheduled; Parameters = [ordered]@{ Action = 'Restart' } },
        @{ Name = 'restart-whatif'; World = $installed; Parameters = [ordered]@{ Action = 'Restart' }; Switches = @('WhatIf') }
    )
    foreach ($run in $runs) { $run['Script'] = 'Set-RestartResume' }
    $script:Runs = Invoke-CompanionScripts -Runs $runs -WorkDir $script:Work
    function Get-WorldAfter { param([string]$Name) ConvertTo-TestHashtable -Value (ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText((Join-Path -Path $script:Work -ChildPath "world-$Name.json")))) }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Set-RestartResume.ps1 over the fake Windows' {
    It 'registers a logon task for this admin, elevated, that starts the companion with --resume-after-restart' {
        $run = $script:Runs['register']
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'registered'
        $run.Result.mechanism | Should -Be 'scheduled-task'
        $run.Result.task.taskPath | Should -Be '\NDES Proxy Companion\'
        $run.Result.task.execute | Should -Be $script:App
        $run.Result.task.arguments | Should -Be '--resume-after-restart'
        $run.Result.task.userId | Should -Be 'S-1-5-21-1004336348-1177238915-682003330-1104'
        $run.Result.task.runLevel | Should -Be 'Highest'
        $task = (Get-WorldAfter -Name 'register')['scheduledTasks']['\NDES Proxy Companion\Resume after restart']
        @($task['triggers'])[0]['kind'] | Should -Be 'AtLogOn'
        @($task['triggers'])[0]['userId'] | Should -Be 'contoso\admin'
        $task['principal']['logonType'] | Should -Be 'Interactive'
        $task['settings']['executionTimeLimit'] | Should -Be 'PT0S'
        $task['settings']['priority'] | Should -Be 4
    }

    It 'does the same in ConstrainedLanguage' {
        $script:Runs['register-clm'].ExitCode | Should -Be 0
        $script:Runs['register-clm'].Result.result | Should -Be 'registered'
    }

    It '-WhatIf says what it would register and registers nothing' {
        $run = $script:Runs['register-whatif']
        $run.Result.result | Should -Be 'would-register'
        $run.Result.task.execute | Should -Be $script:App
        (Get-WorldAfter -Name 'register-whatif').Contains('scheduledTasks') | Should -BeFalse
    }

    It 'refuses to start anything elevated at logon from outside Program Files, or that is not there' {
        foreach ($name in @('register-downloads', 'register-dotdot', 'register-slashes', 'register-short', 'register-link')) {
            $script:Runs[$name].ExitCode | Should -Be 0
            $script:Runs[$name].Result.refusal.reason | Should -Be 'app-path-not-installed'
            (Get-WorldAfter -Name $name).Contains('scheduledTasks') | Should -BeFalse
        }
        $script:Runs['register-missing'].Result.refusal.reason | Should -Be 'app-path-missing'
        $script:Runs['register-writable'].Result.refusal.reason | Should -Be 'app-path-writable'
        $script:Runs['register-writable'].Result.refusal.detail | Should -Match 'BU'
        (Get-WorldAfter -Name 'register-writable').Contains('scheduledTasks') | Should -BeFalse
    }

    It 'reads the task, or says there is none (the real "not found" error is not a failure)' {
        $script:Runs['read-none'].ExitCode | Should -Be 0
        $script:Runs['read-none'].Result.result | Should -Be 'absent'
        $script:Runs['read-one'].Result.result | Should -Be 'present'
        $script:Runs['read-one'].Result.task.arguments | Should -Be '--resume-after-restart'
    }

    It 'removes the task after use, and a task already gone is not an error' {
        $script:Runs['remove'].Result.result | Should -Be 'removed'
        @((Get-WorldAfter -Name 'remove')['scheduledTasks'].Keys).Count | Should -Be 0
        $script:Runs['remove-none'].ExitCode | Should -Be 0
        $script:Runs['remove-none'].Result.result | Should -Be 'absent'
    }

    It 'restarts through shutdown.exe /r with a delay the admin can cancel, once' {
        $run = $script:Runs['restart']
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'restart-scheduled'
        $run.Result.restart.delaySeconds | Should -Be 90
        $restart = (Get-WorldAfter -Name 'restart')['restart']
        $restart['delaySeconds'] | Should -Be 90
        $restart['reason'] | Should -Be 'p:4:2'
        $restart['comment'] | Should -Match 'shutdown /a'
        $script:Runs['restart-again'].Result.result | Should -Be 'already-scheduled'
        $script:Runs['restart-again'].Result.restart.exitCode | Should -Be 1190
        $script:Runs['restart-whatif'].Result.result | Should -Be 'would-restart'
        (Get-WorldAfter -Name 'restart-whatif').Contains('restart') | Should -BeFalse
    }
}
