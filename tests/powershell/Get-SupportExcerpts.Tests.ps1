# Pester 5: Get-SupportExcerpts.ps1 started as the companion starts it, in PowerShell over the fake
# Windows. The IIS lines are http-errors-ndes-iis.md HTTP-10 (real, sscep #144) and HTTP-11 (the
# Intune troubleshooting doc's 500 with win32 status 1346) under IIS's default W3C #Fields line;
# the connector events are docs/reference/windows-outputs/connector.md CONN-07/CONN-08's texts; the installer log line is
# HTTP-12's SetupMsi.log sample.

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('support-excerpts-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $registered = Get-ScenarioWorld -Name 'connector-registered'
    $recent = (Get-Date).ToUniversalTime().AddDays(-1).ToString('o')
    $old = (Get-Date).ToUniversalTime().AddDays(-20).ToString('o')
    $header = "#Software: Microsoft Internet Information Services 10.0`r`n#Version: 1.0`r`n#Date: 2022-04-03 00:00:00`r`n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken`r`n"
    $newest = $header + (@(
            '2022-04-03 00:01:42 10.40.87.82 GET /certsrv/mscep_admin - 80 - 105.165.69.22 Wget/1.20.3+(linux-gnu) - 401 2 5 175',
            '2022-04-03 00:01:44 10.40.87.82 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=GetCACaps 80 - 105.165.69.22 - - 200 0 0 229',
            '2022-04-03 00:01:44 10.40.87.82 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=GetCACert&message=CAIdentifier 80 - 105.165.69.22 - - 200 0 0 177',
            '2022-04-03 00:01:45 10.40.87.82 POST /certsrv/mscep/mscep.dll/pkiclient.exe operation=PKIOperation 80 - 105.165.69.22 - - 200 0 0 565',
            '2022-04-03 00:02:10 10.40.87.82 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=PKIOperation&message=MIIKPLANTEDSCEPMESSAGE%2B%2F 80 - 105.165.69.22 - - 414 0 0 3',
            '2022-04-03 00:03:00 10.40.87.82 GET /default.htm - 80 - 105.165.69.22 - - 200 0 0 1',
            '2022-04-03 00:03:01 10.40.87.82 GET /default.htm - 80 - 105.165.69.22 - https://ndes01/certsrv/mscep/ 200 0 0 1'
        ) -join "`r`n") + "`r`n"
    # IIS fields changed part-way (an admin removed s-ip and cs-username): read by the new header.
    $older = $header + "2017-08-08 20:22:16 IP_address GET /certsrv/mscep/mscep.dll operation=GetCACert&message=SCEP%20Authority 443 - 10.5.14.22 profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0 - 500 0 1346 31`r`n#Fields: date time cs-method cs-uri-stem cs-uri-query s-port c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken`r`n2017-08-08 20:25:00 GET /certsrv/mscep/mscep.dll operation=GetCACaps&message=default 443 10.5.14.22 - - 503 0 0 2`r`n"
    # A busy server's day: 30,000 SCEP lines; only the newest 500 are kept, the count is exact.
    $busy = $header + ((@(1..30000 | ForEach-Object { '2026-11-30 08:{0:00}:{1:00} 10.40.87.82 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=GetCACaps 443 - 10.1.{2}.{3} - - 200 0 0 {4}' -f [int][Math]::Floor($_ / 600), [int][Math]::Floor(($_ % 600) / 10), [int][Math]::Floor($_ / 250), ($_ % 250), $_ }) -join "`r`n")) + "`r`n"
    $logs = 'C:\inetpub\logs\LogFiles\W3SVC1'
    $temp = 'C:\Users\admin\AppData\Local\Temp'
    $msiLog = (@(1..250 | ForEach-Object { "MSI (s) (28:54) [16:13:11:$($_.ToString('000'))]: line $_" }) + @('MSI (c) (28:54) [16:13:11:905]: Product: Microsoft Intune Connector -- Installation completed successfully.')) -join "`r`n"
    $world = Merge-World -Base $registered -Patch ([ordered]@{
            files          = [ordered]@{
                "$logs\u_ex220403.log"                              = [ordered]@{ text = $newest; modified = '2022-04-03T23:59:00Z' }
                "$logs\u_ex170808.log"                              = [ordered]@{ text = $older; modified = '2017-08-08T23:59:00Z' }
                "$logs\u_ex170101.log"                              = [ordered]@{ text = $older; modified = '2017-01-01T23:59:00Z' }
                "$temp\MicrosoftEntraPrivateNetworkConnectorInstaller_20261130.log" = [ordered]@{ text = $msiLog; modified = $recent }
                "$temp\unrelated.log"                               = [ordered]@{ text = 'not ours'; modified = $recent }
                "$temp\ConnectorLinked.log"                         = [ordered]@{ text = 'what the link points at'; modified = $recent; reparsePoint = $true }
                'C:\inetpub\logs\LogFiles\W3SVC2\u_ex261130.log' = [ordered]@{ text = $busy; modified = '2026-11-30T23:59:00Z' }
            }
            eventProviders = @('Microsoft Entra private network connector', 'Application Error', 'MSiInstaller')
            eventLogs      = [ordered]@{
                'Microsoft-Microsoft Entra private network-Connector/Admin' = @(
                    [ordered]@{ Id = 12020; Level = 3; TimeCreated = $recent; ProviderName = 'Microsoft Entra private network connector'; Message = 'The Connector was unable to connect to the service due to networking issues. The Connector tried to access the following URL: https://5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13.bootstrap.msappproxy.net:443/' },
                    [ordered]@{ Id = 12019; Level = 2; TimeCreated = $old; ProviderName = 'Microsoft Entra private network connector'; Message = 'too old to be read' }
                )
                'Microsoft-Microsoft Entra private network-Updater/Admin' = @()
                'Application' = @(
                    [ordered]@{ Id = 0; Level = 2; TimeCreated = $recent; ProviderName = 'Microsoft Entra private network connector'; Message = 'Connector registration failed: One or more errors occurred.' },
                    [ordered]@{ Id = 1000; Level = 2; TimeCreated = $recent; ProviderName = 'Application Error'; Message = 'Faulting application name: w3wp.exe' }
                )
            }
        })
    $noIis = Merge-World -Base (Get-ScenarioWorld -Name 'healthy') -Patch ([ordered]@{ environment = [ordered]@{ TEMP = 'C:\Users\admin\AppData\Local\Temp' } })
    $script:Runs = Invoke-CompanionScripts -WorkDir $script:Work -Runs @(
        @{ Name = 'full'; Script = 'Get-SupportExcerpts'; World = $world },
        @{ Name = 'clm'; Script = 'Get-SupportExcerpts'; World = $world; LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'few'; Script = 'Get-SupportExcerpts'; World = $world; Parameters = [ordered]@{ MaxIisLines = 2; Days = 30 } },
        @{ Name = 'bare'; Script = 'Get-SupportExcerpts'; World = $noIis }
    )
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-SupportExcerpts.ps1 over the fake Windows' {
    It 'reads the mscep.dll lines of the two newest IIS logs by their own #Fields, with status, substatus and win32 status' {
        $run = $script:Runs['full']
        $run.ExitCode | Should -Be 0
        $run.Result.iisLogs.state | Should -Be 'read'
        $run.Result.iisLogs.folder | Should -Be 'C:\inetpub\logs\LogFiles'
        @($run.Result.iisLogs.files | ForEach-Object { "$($_.site)\$($_.name)" }) | Should -Be @('W3SVC1\u_ex220403.log', 'W3SVC1\u_ex170808.log', 'W3SVC2\u_ex261130.log')
        $newest = $run.Result.iisLogs.files[0]
        $newest.site | Should -Be 'W3SVC1'
        $newest.matched | Should -Be 5
        @($newest.lines | ForEach-Object { "$($_.uriStem) $($_.operation) $($_.status).$($_.substatus).$($_.win32Status)" }) | Should -Be @(
            '/certsrv/mscep_admin  401.2.5',
            '/certsrv/mscep/mscep.dll/pkiclient.exe GetCACaps 200.0.0',
            '/certsrv/mscep/mscep.dll/pkiclient.exe GetCACert 200.0.0',
            '/certsrv/mscep/mscep.dll/pkiclient.exe PKIOperation 200.0.0',
            '/certsrv/mscep/mscep.dll/pkiclient.exe PKIOperation 414.0.0')
        $newest.lines[0].userAgent | Should -Be 'Wget/1.20.3+(linux-gnu)'
        $run.Json | Should -Match '"time":"2022-04-03T00:01:44Z"'
        $newest.lines[1].clientIp | Should -Be '105.165.69.22'
        $newest.lines[1].timeTakenMs | Should -Be 229
        $older = $run.Result.iisLogs.files[1]
        @($older.lines | ForEach-Object { "$($_.method) $($_.clientIp) $($_.status).$($_.substatus).$($_.win32Status)" }) | Should -Be @('GET 10.5.14.22 500.0.1346', 'GET 10.5.14.22 503.0.0')
    }

    It 'reads a busy day in blocks: the exact count, the newest 500 lines, in order' {
        $busy = $script:Runs['full'].Result.iisLogs.files[2]
        $busy.matched | Should -Be 30000
        @($busy.lines).Count | Should -Be 500
        $busy.lines[0].timeTakenMs | Should -Be 29501
        $busy.lines[-1].timeTakenMs | Should -Be 30000
        $busy.lines[-1].clientIp | Should -Be '10.1.120.0'
    }

    It 'leaves the SCEP message out of every query string' {
        $script:Runs['full'].Json | Should -Not -Match 'PLANTEDSCEPMESSAGE'
        $script:Runs['full'].Json | Should -Not -Match 'CAIdentifier'
    }

    It 'keeps only the newest lines when a log holds more than asked for' {
        $run = $script:Runs['few']
        $run.ExitCode | Should -Be 0
        $newest = $run.Result.iisLogs.files[0]
        $newest.matched | Should -Be 5
        @($newest.lines | ForEach-Object { "$($_.operation) $($_.status)" }) | Should -Be @('PKIOperation 200', 'PKIOperation 414')
    }

    It 'reads the connector and Application events of the last days, newest first, and says which logs are absent' {
        $run = $script:Runs['full']
        $admin = @($run.Result.eventLogs | Where-Object { $_.log -eq 'Microsoft-Microsoft Entra private network-Connector/Admin' })[0]
        $admin.state | Should -Be 'read'
        @($admin.events | ForEach-Object { $_.id }) | Should -Be @(12020)
        $admin.events[0].message | Should -Match 'unable to connect to the service'
        $updater = @($run.Result.eventLogs | Where-Object { $_.log -eq 'Microsoft-Microsoft Entra private network-Updater/Admin' })[0]
        $updater.state | Should -Be 'read'
        @($updater.events).Count | Should -Be 0
        $intune = @($run.Result.eventLogs | Where-Object { $_.log -eq 'Microsoft-Intune-CertificateConnectors/Admin' })[0]
        $intune.state | Should -Be 'absent'
        $intune.detail | Should -Match 'not an event log'
        $application = @($run.Result.eventLogs | Where-Object { $_.log -eq 'Application' -and $_.source -eq 'Microsoft Entra private network connector' })[0]
        @($application.events | ForEach-Object { $_.message }) | Should -Be @('Connector registration failed: One or more errors occurred.')
        $ndes = @($run.Result.eventLogs | Where-Object { $_.source -eq 'Microsoft-Windows-NetworkDeviceEnrollmentService' })[0]
        $ndes.state | Should -Be 'absent'
        $run.Json | Should -Not -Match 'Faulting application'
        $script:Runs['few'].Json | Should -Match 'too old to be read'
        $run.Json | Should -Not -Match 'too old to be read'
    }

    It 'keeps the tail of the connector installer log only, and no unrelated log' {
        $installer = $script:Runs['full'].Result.installerLogs
        $installer.state | Should -Be 'read'
        @($installer.files | ForEach-Object { $_.name }) | Should -Be @('MicrosoftEntraPrivateNetworkConnectorInstaller_20261130.log')
        $installer.files[0].error | Should -BeNullOrEmpty
        @($installer.files[0].tail).Count | Should -Be 200
        $installer.files[0].tail[-1] | Should -Match 'Installation completed successfully'
    }

    It 'gives the same excerpts in ConstrainedLanguage' {
        $clm = $script:Runs['clm']
        $clm.ExitCode | Should -Be 0
        $clm.Result.iisLogs.files[0].matched | Should -Be 5
        $clm.Result.iisLogs.files[2].matched | Should -Be 30000
        @($clm.Result.eventLogs).Count | Should -Be @($script:Runs['full'].Result.eventLogs).Count
        @($clm.Result.installerLogs.files[0].tail).Count | Should -Be 200
    }

    It 'on a server with no IIS log and no connector says what is absent and still succeeds' {
        $run = $script:Runs['bare']
        $run.ExitCode | Should -Be 0
        $run.Result.iisLogs.state | Should -Be 'absent'
        $run.Result.iisLogs.detail | Should -Match 'No IIS log folder'
        $run.Result.installerLogs.state | Should -Be 'absent'
        @($run.Result.eventLogs | Where-Object { $_.state -eq 'failed' }).Count | Should -Be 0
    }
}
