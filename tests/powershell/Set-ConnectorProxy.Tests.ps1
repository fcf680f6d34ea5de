# Pester 5: Set-ConnectorProxy.ps1 started as the companion starts it, over the fake Windows whose
# ConfigureOutBoundProxy.ps1 writes both configs as docs/reference/windows-outputs/connector.md CONN-03 shows and restarts both
# services, and whose netsh winhttp keeps WinHttpSettings (tests/fake-windows/FakeWindows.Proxy.ps1).
# Runs that build on each other (set, then set again, then undo) take the world the one before left.

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('proxy-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $script:Entra = 'C:\Program Files\Microsoft Entra private network connector'
    $script:ServiceConfig = "$script:Entra\MicrosoftEntraPrivateNetworkConnectorService.exe.config"
    $script:UpdaterConfig = "$script:Entra Updater\MicrosoftEntraPrivateNetworkConnectorUpdaterService.exe.config"
    $script:WinHttpKey = 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'
    $script:Proxy = 'http://proxy.contoso.local:8080'
    $script:Registered = Get-ScenarioWorld -Name 'connector-registered'
    $script:WorldAfter = { param([string]$name) ConvertTo-TestHashtable -Value (ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText((Join-Path -Path $script:Work -ChildPath "world-$name.json")))) }
    $script:Text = { param($world, [string]$path) [string]$world['files'][$path]['text'] }
    $script:Hex = { param($world) $value = $world['registry'][$script:WinHttpKey]['WinHttpSettings']; if ($value -is [System.Collections.IDictionary]) { [string]$value['hex'] } else { $null } }
    $set = [ordered]@{ ProxyAddress = $script:Proxy; NdesHost = 'ndes01.contoso.local'; WinHttp = 'Set' }
    $keep = [ordered]@{ ProxyAddress = $script:Proxy; WinHttp = 'Keep' }

    # The older connector (folders and service names before the rename), with its own script.
    $signed = [ordered]@{ status = 'Valid'; signer = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US' }
    $plainConfig = "<?xml version=`"1.0`" encoding=`"utf-8`" ?>`r`n<configuration>`r`n  <runtime>`r`n    <gcServer enabled=`"true`"/>`r`n  </runtime>`r`n</configuration>`r`n"
    $old = Merge-World -Base (Get-ScenarioWorld -Name 'healthy') -Patch ([ordered]@{
            services = [ordered]@{ WAPCSvc = [ordered]@{ DisplayName = 'Microsoft AAD Application Proxy Connector'; Status = 'Running'; StartType = 'Automatic' }; WAPCUpdaterSvc = [ordered]@{ DisplayName = 'Microsoft AAD Application Proxy Connector Updater'; Status = 'Running'; StartType = 'Automatic' } }
            files    = [ordered]@{
                'C:\Program Files\Microsoft AAD App Proxy Connector\ApplicationProxyConnectorService.exe'                       = [ordered]@{ text = ''; version = '1.5.3437.0' }
                'C:\Program Files\Microsoft AAD App Proxy Connector\ApplicationProxyConnectorService.exe.config'                = [ordered]@{ text = $plainConfig }
                'C:\Program Files\Microsoft AAD App Proxy Connector Updater\ApplicationProxyConnectorUpdaterService.exe.config' = [ordered]@{ text = $plainConfig }
                'C:\Program Files\Microsoft AAD App Proxy Connector\ConfigureOutBoundProxy.ps1'                                 = [ordered]@{ text = '# old'; signature = $signed }
            }
        })
    $backend = Merge-World -Base $script:Registered -Patch ([ordered]@{ registry = [ordered]@{ 'HKLM\SOFTWARE\Microsoft\Microsoft Entra private network connector' = [ordered]@{ UseDefaultProxyForBackendRequests = 1 } } })
    $failsToStart = Merge-World -Base $script:Registered -Patch ([ordered]@{ services = [ordered]@{ WAPCUpdaterSvc = [ordered]@{ DisplayName = 'Microsoft Entra private network connector updater'; Status = 'Running'; StartType = 'Automatic'; failsToStart = $true } } })
    $unsigned = Merge-World -Base $script:Registered -Patch ([ordered]@{ files = [ordered]@{ "$script:Entra\ConfigureOutBoundProxy.ps1" = [ordered]@{ text = '# changed'; signature = [ordered]@{ status = 'HashMismatch'; signer = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US' } } } })
    # A hand-made config whose <defaultProxy> already holds a bypass list, with LF line ends.
    $handMade = Merge-World -Base $script:Registered -Patch ([ordered]@{ files = [ordered]@{ $script:ServiceConfig = [ordered]@{ text = "<?xml version=`"1.0`" encoding=`"utf-8`" ?>`n<configuration>`n  <system.net>`n    <defaultProxy>`n      <proxy proxyaddress=`"http://old-proxy:3128`" bypassonlocal=`"True`"/>`n      <bypasslist>`n        <add address=`"intranet\.contoso\.local`" />`n      </bypasslist>`n    </defaultProxy>`n  </system.net>`n</configuration>`n" } } })

    # Someone without administrator rights created the companion's folder first, with an index
    # that points elsewhere (any user may create folders under ProgramData).
    $planted = Merge-World -Base $script:Registered -Patch ([ordered]@{
            files = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json' = [ordered]@{ text = '{"backups":[{"id":"proxy-20260101T000000000Z","files":[{"role":"service","sha256":null}],"winHttpHex":null}]}' } }
            acls  = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion' = 'O:S-1-5-21-1004336348-1177238915-682003330-1001G:S-1-5-21-1004336348-1177238915-682003330-513D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;OICI;FA;;;S-1-5-21-1004336348-1177238915-682003330-1001)' }
        })
    # A WinHTTP proxy with its own bypass entries already (netsh-winhttp.md NETSH-04's value forms).
    $toHex = { param([string]$text) -join @($text.ToCharArray() | ForEach-Object { ([int]$_).ToString('x2') }) }
    $dword = { param([int]$value) -join @(0..3 | ForEach-Object { (($value -shr (8 * $_)) -band 0xFF).ToString('x2') }) }
    $oldProxy = 'oldproxy.contoso.local:80'
    $oldBypass = '*.corp.contoso'
    $winHttpBefore = Merge-World -Base $script:Registered -Patch ([ordered]@{ registry = [ordered]@{ $script:WinHttpKey = [ordered]@{ WinHttpSettings = [ordered]@{ type = 'binary'; hex = (& $dword 0x18) + (& $dword 5) + (& $dword 3) + (& $dword $oldProxy.Length) + (& $toHex $oldProxy) + (& $dword $oldBypass.Length) + (& $toHex $oldBypass) } } } })

    # The same folder after an earlier version took it over (icacls /setowner /T, /reset /T):
    # Administrators own it and only they and SYSTEM can write, but the companion never made it.
    # Its index sends WinHTTP to the planter's proxy, and no after-state stands in its way.
    $own = 'O:BAG:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'
    $evil = 'evil.contoso.local:80'
    $plantedHex = (& $dword 0x18) + (& $dword 5) + (& $dword 3) + (& $dword $evil.Length) + (& $toHex $evil) + (& $dword 0)
    $adopted = Merge-World -Base $script:Registered -Patch ([ordered]@{
            files = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json' = [ordered]@{ text = '{"backups":[{"id":"proxy-20260101T000000000Z","files":[{"role":"service","sha256":null},{"role":"updater","sha256":null}],"winHttpHex":"' + $plantedHex + '","after":null}]}' } }
            acls  = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion' = $own; 'C:\ProgramData\NDES Proxy Companion\Backups' = $own }
        })

    $first = @(
        @{ Name = 'set'; World = $script:Registered; Parameters = $set },
        @{ Name = 'planted'; World = $planted; Parameters = $set },
        @{ Name = 'winhttp-kept'; World = $winHttpBefore; Parameters = $set },
        @{ Name = 'set-clm'; World = $script:Registered; Parameters = $set; LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'keep'; World = $script:Registered; Parameters = $keep },
        @{ Name = 'what-if'; World = $script:Registered; Parameters = $set; Switches = @('WhatIf') },
        @{ Name = 'readonly'; World = (Get-ScenarioWorld -Name 'proxy-config-readonly'); Parameters = $set },
        @{ Name = 'unsigned'; World = $unsigned; Parameters = $set },
        @{ Name = 'absent'; World = (Get-ScenarioWorld -Name 'healthy'); Parameters = $set },
        @{ Name = 'undo-nothing'; World = $script:Registered; Parameters = [ordered]@{ Action = 'Undo' } },
        @{ Name = 'adopted-remove'; World = $adopted; Parameters = [ordered]@{ Action = 'Remove' } },
        @{ Name = 'adopted-set'; World = $adopted; Parameters = $set },
        @{ Name = 'undo-aside'; World = (Merge-World -Base $script:Registered -Patch ([ordered]@{ files = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion.untrusted-20261201T000000000Z\Backups\proxy-backups.json' = [ordered]@{ text = '{"backups":[]}' } } })); Parameters = [ordered]@{ Action = 'Undo' } },
        @{ Name = 'backend'; World = $backend; Parameters = $keep },
        @{ Name = 'fails-to-start'; World = $failsToStart; Parameters = $keep },
        @{ Name = 'old'; World = $old; Parameters = $keep },
        @{ Name = 'hand-made'; World = $handMade; Parameters = $keep },
        @{ Name = 'refused-address'; World = $script:Registered; Parameters = [ordered]@{ ProxyAddress = 'proxy.contoso.local:8080' } }
    )
    foreach ($run in $first) { $run['Script'] = 'Set-ConnectorProxy' }
    $script:Runs = Invoke-CompanionScripts -Runs $first -WorkDir $script:Work

    $afterSet = & $script:WorldAfter 'set'
    $second = @(
        @{ Name = 'again'; World = $afterSet; Parameters = $set },
        @{ Name = 'undo'; World = $afterSet; Parameters = [ordered]@{ Action = 'Undo' }; LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'other-proxy'; World = $afterSet; Parameters = [ordered]@{ ProxyAddress = 'http://proxy2.contoso.local:3128'; NdesHost = 'ndes01.contoso.local'; WinHttp = 'Set' } },
        @{ Name = 'undo-what-if'; World = $afterSet; Parameters = [ordered]@{ Action = 'Undo' }; Switches = @('WhatIf') }
    )
    foreach ($run in $second) { $run['Script'] = 'Set-ConnectorProxy' }
    $more = Invoke-CompanionScripts -Runs $second -WorkDir $script:Work
    foreach ($name in $more.Keys) { $script:Runs[$name] = $more[$name] }

    $afterOther = & $script:WorldAfter 'other-proxy'
    $backupId = $script:Runs['set'].Result.backup.id
    $handEdited = Merge-World -Base $afterSet -Patch ([ordered]@{ files = [ordered]@{ $script:ServiceConfig = [ordered]@{ text = (& $script:Text $afterSet $script:ServiceConfig) + '<!-- edited by hand -->' } } })
    $damaged = Merge-World -Base $afterSet -Patch ([ordered]@{ files = [ordered]@{ "C:\ProgramData\NDES Proxy Companion\Backups\$backupId\service.exe.config" = [ordered]@{ text = '<configuration />' } } })
    $corrupt = Merge-World -Base $afterSet -Patch ([ordered]@{ files = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json' = [ordered]@{ text = '{"backups":[{"id":"..\\..\\Windows","files":[]}]}' } } })
    # A change that stopped after its backup (killed, or its rollback fell short): no after-state.
    $index = ConvertFrom-Json -InputObject (& $script:Text $afterSet 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json')
    $index.backups[0].after = $null
    $unfinished = Merge-World -Base $afterSet -Patch ([ordered]@{ files = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json' = [ordered]@{ text = (ConvertTo-Json -InputObject $index -Depth 6) } } })
    # Backups that Users were let into afterwards (an inherited ACL put back by hand, say).
    $opened = Merge-World -Base $afterSet -Patch ([ordered]@{ acls = [ordered]@{ 'C:\ProgramData\NDES Proxy Companion\Backups' = 'O:BAG:SYD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1301bf;;;BU)' } })
    $third = @(
        @{ Name = 'after-unknown'; World = $unfinished; Parameters = [ordered]@{ Action = 'Undo' } },
        @{ Name = 'backups-opened'; World = $opened; Parameters = [ordered]@{ Action = 'Remove' } },
        @{ Name = 'undo-once'; World = $afterOther; Parameters = [ordered]@{ Action = 'Undo' } },
        @{ Name = 'remove'; World = $afterOther; Parameters = [ordered]@{ Action = 'Remove' } },
        @{ Name = 'changed-since'; World = $handEdited; Parameters = [ordered]@{ Action = 'Undo' } },
        @{ Name = 'damaged'; World = $damaged; Parameters = [ordered]@{ Action = 'Undo' } },
        @{ Name = 'corrupt'; World = $corrupt; Parameters = [ordered]@{ Action = 'Undo' } }
    )
    foreach ($run in $third) { $run['Script'] = 'Set-ConnectorProxy' }
    $last = Invoke-CompanionScripts -Runs $third -WorkDir $script:Work
    foreach ($name in $last.Keys) { $script:Runs[$name] = $last[$name] }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Set-ConnectorProxy.ps1 over the fake Windows' {
    It 'sets the proxy in both configs through the connector''s signed script, keeps NDES off it, sets WinHTTP, and restarts both services' {
        $run = $script:Runs['set']
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'changed'
        $run.Result.error | Should -BeNullOrEmpty
        $run.Result.configureScript.signature.isMicrosoft | Should -BeTrue
        foreach ($config in @($run.Result.after.configs)) {
            $config.proxyAddress | Should -Be $script:Proxy
            $config.bypassOnLocal | Should -Be 'True'
            @($config.bypassList) | Should -Be @('ndes01\.contoso\.local')
        }
        $run.Result.after.winHttp.direct | Should -BeFalse
        $run.Result.after.winHttp.proxy | Should -Be 'proxy.contoso.local:8080'
        $run.Result.after.winHttp.bypass | Should -Be '<local>;ndes01.contoso.local'
        @($run.Result.after.services | Where-Object { $_.status -eq 'Running' }).Count | Should -Be 2
    }

    It 'writes the block ConfigureOutBoundProxy.ps1 writes (CONN-03), and adds the bypass list inside it' {
        $text = & $script:Text (& $script:WorldAfter 'set') $script:ServiceConfig
        $text | Should -Match '<proxy proxyaddress="http://proxy\.contoso\.local:8080" bypassonlocal="True" usesystemdefault="True"/>'
        $text | Should -Match '(?s)<defaultProxy>.*<bypasslist>\s*<add address="ndes01\\\.contoso\\\.local" />\s*</bypasslist>\s*</defaultProxy>'
        $text | Should -Match '<add key="TraceFilename" value="MicrosoftEntraPrivateNetworkConnector.log" />'
        ([xml]$text).configuration.'system.net'.defaultProxy.bypasslist.add.address | Should -Be 'ndes01\.contoso\.local'
    }

    It 'keeps a copy of both configs and WinHttpSettings in a folder only Administrators and SYSTEM can write' {
        $run = $script:Runs['set']
        $world = & $script:WorldAfter 'set'
        $folder = [string]$run.Result.backup.folder
        $folder | Should -BeLike 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-*'
        & $script:Text $world "$folder\service.exe.config" | Should -BeExactly (& $script:Text $script:Registered $script:ServiceConfig)
        & $script:Text $world "$folder\updater.exe.config" | Should -BeExactly (& $script:Text $script:Registered $script:UpdaterConfig)
        $index = ConvertFrom-Json -InputObject (& $script:Text $world 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json')
        @($index.backups).Count | Should -Be 1
        $index.backups[0].winHttpHex | Should -Be (& $script:Hex $script:Registered)
        $world['acls']['C:\ProgramData\NDES Proxy Companion\Backups'] | Should -Be 'O:BAG:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'
    }

    It 'works in ConstrainedLanguage, as AppLocker runs it' {
        $run = $script:Runs['set-clm']
        $run.Result.result | Should -Be 'changed'
        (& $script:Text (& $script:WorldAfter 'set-clm') $script:UpdaterConfig) | Should -BeExactly (& $script:Text (& $script:WorldAfter 'set') $script:UpdaterConfig)
    }

    It 'leaves WinHTTP alone when told to keep it' {
        $run = $script:Runs['keep']
        $run.Result.result | Should -Be 'changed'
        (& $script:Hex (& $script:WorldAfter 'keep')) | Should -Be (& $script:Hex $script:Registered)
        $run.Result.ndesHost | Should -Be 'ndes01.contoso.local'
    }

    It 'changes nothing and makes no backup when run again with the same settings' {
        $run = $script:Runs['again']
        $run.Result.result | Should -Be 'already-configured'
        @($run.Result.changes).Count | Should -Be 0
        (& $script:WorldAfter 'again')['files'].Keys.Count | Should -Be (& $script:WorldAfter 'set')['files'].Keys.Count
    }

    It '-WhatIf lists the changes and touches nothing' {
        $run = $script:Runs['what-if']
        $run.Result.result | Should -Be 'what-if'
        @($run.Result.changes).Count | Should -Be 3
        $world = & $script:WorldAfter 'what-if'
        & $script:Text $world $script:ServiceConfig | Should -BeExactly (& $script:Text $script:Registered $script:ServiceConfig)
        @($world['files'].Keys | Where-Object { $_ -like 'C:\ProgramData\NDES Proxy Companion*' }).Count | Should -Be 0
    }

    It 'undo puts both configs and WinHttpSettings back byte for byte, restarts the services and drops the backup' {
        $run = $script:Runs['undo']
        $run.Result.result | Should -Be 'restored'
        @($run.Result.rollback.problems).Count | Should -Be 0
        $world = & $script:WorldAfter 'undo'
        & $script:Text $world $script:ServiceConfig | Should -BeExactly (& $script:Text $script:Registered $script:ServiceConfig)
        & $script:Text $world $script:UpdaterConfig | Should -BeExactly (& $script:Text $script:Registered $script:UpdaterConfig)
        & $script:Hex $world | Should -Be (& $script:Hex $script:Registered)
        @((ConvertFrom-Json -InputObject (& $script:Text $world 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json')).backups).Count | Should -Be 0
        @($world['files'].Keys | Where-Object { $_ -like 'C:\ProgramData\NDES Proxy Companion\Backups\proxy-*\*' }).Count | Should -Be 0
    }

    It 'undo -WhatIf names the backup it would restore and changes nothing' {
        $run = $script:Runs['undo-what-if']
        $run.Result.result | Should -Be 'what-if'
        $run.Result.backup.id | Should -Be $script:Runs['set'].Result.backup.id
        & $script:Text (& $script:WorldAfter 'undo-what-if') $script:ServiceConfig | Should -BeExactly (& $script:Text (& $script:WorldAfter 'set') $script:ServiceConfig)
    }

    It 'undo steps back one change; remove goes back to before the first' {
        $script:Runs['other-proxy'].Result.result | Should -Be 'changed'
        $script:Runs['other-proxy'].Result.backup.count | Should -Be 2
        $once = & $script:WorldAfter 'undo-once'
        & $script:Text $once $script:ServiceConfig | Should -BeExactly (& $script:Text (& $script:WorldAfter 'set') $script:ServiceConfig)
        & $script:Hex $once | Should -Be (& $script:Hex (& $script:WorldAfter 'set'))
        $removed = & $script:WorldAfter 'remove'
        $script:Runs['remove'].Result.result | Should -Be 'restored'
        & $script:Text $removed $script:ServiceConfig | Should -BeExactly (& $script:Text $script:Registered $script:ServiceConfig)
        & $script:Hex $removed | Should -Be (& $script:Hex $script:Registered)
    }

    It 'puts everything back when a config cannot be written, and says why' {
        $run = $script:Runs['readonly']
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'rolled-back'
        $run.Result.error.message | Should -BeLike "Access to the path '*MicrosoftEntraPrivateNetworkConnectorUpdaterService.exe.config' is denied."
        @($run.Result.rollback.problems).Count | Should -Be 0
        $before = Get-ScenarioWorld -Name 'proxy-config-readonly'
        $world = & $script:WorldAfter 'readonly'
        & $script:Text $world $script:ServiceConfig | Should -BeExactly (& $script:Text $before $script:ServiceConfig)
        & $script:Hex $world | Should -Be (& $script:Hex $before)
        @($run.Result.after.services | Where-Object { $_.status -eq 'Running' }).Count | Should -Be 2
    }

    It 'refuses to run a ConfigureOutBoundProxy.ps1 that is not Microsoft''s, before changing anything' {
        $run = $script:Runs['unsigned']
        $run.Result.result | Should -Be 'refused'
        $run.Result.refusal.reason | Should -Be 'script-not-microsoft'
        $run.Result.refusal.detail | Should -Match 'HashMismatch'
        @((& $script:WorldAfter 'unsigned')['files'].Keys | Where-Object { $_ -like 'C:\ProgramData\NDES Proxy Companion*' }).Count | Should -Be 0
    }

    It 'refuses without a connector, and has nothing to undo when it changed nothing' {
        $script:Runs['absent'].Result.refusal.reason | Should -Be 'not-installed'
        $script:Runs['undo-nothing'].Result.refusal.reason | Should -Be 'no-backup'
    }

    It 'reports UseDefaultProxyForBackendRequests when it is set' {
        $script:Runs['backend'].Result.backendProxy | Should -Be 1
        $script:Runs['set'].Result.backendProxy | Should -BeNullOrEmpty
    }

    It 'reports a service that does not start again' {
        $run = $script:Runs['fails-to-start']
        $run.Result.result | Should -Be 'changed'
        $run.Result.error.message | Should -Match 'WAPCUpdaterSvc'
    }

    It 'configures the older connector in its own folders' {
        $run = $script:Runs['old']
        $run.Result.generation | Should -Be 'aad'
        $run.Result.result | Should -Be 'changed'
        @($run.Result.after.configs | ForEach-Object { $_.file }) | Should -Be @('C:\Program Files\Microsoft AAD App Proxy Connector\ApplicationProxyConnectorService.exe.config', 'C:\Program Files\Microsoft AAD App Proxy Connector Updater\ApplicationProxyConnectorUpdaterService.exe.config')
        # No NdesHost given: this computer's DNS name (Win32_ComputerSystem), as the connector reaches it.
        $run.Result.ndesHost | Should -Be 'ndes01.contoso.local'
    }

    It 'adds to a bypass list that is already there, keeping its entries and LF line ends' {
        $run = $script:Runs['hand-made']
        $run.Result.result | Should -Be 'changed'
        $text = & $script:Text (& $script:WorldAfter 'hand-made') $script:ServiceConfig
        $text | Should -Not -Match "`r"
        @($run.Result.after.configs[0].bypassList) | Should -Be @('intranet\.contoso\.local', 'ndes01\.contoso\.local')
    }

    It 'is refused by PowerShell itself for an address ConfigureOutBoundProxy.ps1 would reject' {
        $run = $script:Runs['refused-address']
        $run.ExitCode | Should -Not -Be 0
        $run.Result | Should -BeNullOrEmpty
    }

    It 'prints one ASCII JSON document on its ::result:: line, whatever the services and Microsoft''s script print around it' {
        foreach ($name in @('set', 'undo', 'readonly')) {
            $run = $script:Runs[$name]
            @($run.Lines | Where-Object { $_ -like '::result:: *' }).Count | Should -Be 1
            $run.Json | Should -Not -Match '[^\x00-\x7E]'
        }
        # Restart-Service warns while WAPCSvc takes its time to stop (on stdout, as the console
        # host writes warnings); ConfigureOutBoundProxy.ps1's own lines come back as progress.
        $set = $script:Runs['set']
        @($set.Messages | Where-Object { $_ -match "WARNING: Waiting for service 'Microsoft Entra private network connector \(WAPCSvc\)' to stop\.\.\." }).Count | Should -BeGreaterThan 0
        @($set.Progress | Where-Object { $_ -like 'ConfigureOutBoundProxy.ps1: *' }).Count | Should -BeGreaterThan 0
    }

    It 'moves aside a companion folder someone else created first, and trusts nothing in it' {
        $run = $script:Runs['planted']
        $run.Result.result | Should -Be 'changed'
        $run.Result.backup.count | Should -Be 1
        $run.Lines | Where-Object { $_ -like '::progress::*moved aside*' } | Should -Not -BeNullOrEmpty
        $world = & $script:WorldAfter 'planted'
        @($world['files'].Keys | Where-Object { $_ -like 'C:\ProgramData\NDES Proxy Companion.untrusted-*\Backups\proxy-backups.json' }).Count | Should -Be 1
        $world['acls']['C:\ProgramData\NDES Proxy Companion'] | Should -Be 'O:BAG:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'
    }

    It 'never restores from a folder the companion did not make, even one Administrators own by now, and changes nothing' {
        $run = $script:Runs['adopted-remove']
        $run.Result.result | Should -Be 'refused'
        $run.Result.refusal.reason | Should -Be 'backup-untrusted'
        $run.Result.refusal.detail | Should -BeLike 'C:\ProgramData\NDES Proxy Companion: *no marker*'
        $world = & $script:WorldAfter 'adopted-remove'
        & $script:Hex $world | Should -Be (& $script:Hex $script:Registered)
        $world['files'].Contains('C:\ProgramData\NDES Proxy Companion\Backups\proxy-backups.json') | Should -BeTrue
    }

    It 'with nothing of its own to restore, names the backups in a folder moved aside, and restores none of them' {
        $run = $script:Runs['undo-aside']
        $run.Result.refusal.reason | Should -Be 'no-backup'
        $run.Result.refusal.detail | Should -Be 'C:\ProgramData\NDES Proxy Companion.untrusted-20261201T000000000Z\Backups'
        $script:Runs['undo-nothing'].Result.refusal.detail | Should -Be ''
    }

    It 'a proxy change over such a folder moves it aside whole and starts a new one' {
        $run = $script:Runs['adopted-set']
        $run.Result.result | Should -Be 'changed'
        $run.Result.backup.count | Should -Be 1
        $world = & $script:WorldAfter 'adopted-set'
        @($world['files'].Keys | Where-Object { $_ -like 'C:\ProgramData\NDES Proxy Companion.untrusted-*\Backups\proxy-backups.json' }).Count | Should -Be 1
        $world['files'].Contains('C:\ProgramData\NDES Proxy Companion\.ndes-proxy-companion') | Should -BeTrue
    }

    It 'does not restore when the last change never recorded what it left, or from backups others can write' {
        $unknown = $script:Runs['after-unknown']
        $unknown.Result.refusal.reason | Should -Be 'after-unknown'
        $unknown.Result.refusal.detail | Should -Be $script:Runs['set'].Result.backup.id
        (& $script:Text (& $script:WorldAfter 'after-unknown') $script:ServiceConfig) | Should -Match 'proxy\.contoso\.local'
        $opened = $script:Runs['backups-opened']
        $opened.Result.refusal.reason | Should -Be 'backup-untrusted'
        $opened.Result.refusal.detail | Should -BeLike '*\Backups: it can be changed by*BU*'
    }

    It 'keeps the WinHTTP bypass entries that were already there: the setting is the whole server''s' {
        $run = $script:Runs['winhttp-kept']
        $run.Result.before.winHttp.bypass | Should -Be '*.corp.contoso'
        $run.Result.after.winHttp.bypass | Should -Be '<local>;ndes01.contoso.local;*.corp.contoso'
    }

    It 'does not undo over a change someone else made since, or from a damaged copy, or from an index it cannot trust' {
        $script:Runs['changed-since'].Result.refusal.reason | Should -Be 'changed-since'
        $script:Runs['changed-since'].Result.refusal.detail | Should -Be $script:ServiceConfig
        $script:Runs['damaged'].Result.refusal.reason | Should -Be 'backup-damaged'
        $script:Runs['corrupt'].Result.refusal.reason | Should -Be 'backup-unreadable'
        foreach ($name in @('changed-since', 'damaged', 'corrupt')) {
            & $script:Text (& $script:WorldAfter $name) $script:UpdaterConfig | Should -BeExactly (& $script:Text (& $script:WorldAfter 'set') $script:UpdaterConfig)
        }
    }
}

Describe 'Invoke-MicrosoftScript' {
    BeforeAll {
        . (Join-Path -Path (Get-CompanionRepoRoot) -ChildPath 'scripts/powershell/Companion.Common.ps1')
        $script:Probe = Join-Path -Path $script:Work -ChildPath 'Microsoft-like.ps1'
        # A script written for a console: reads a property that is not there and writes a
        # non-terminating error, both of which our strict settings would turn into a stop.
        Set-Content -LiteralPath $script:Probe -Value @('param($Value)', '$config = [pscustomobject]@{}', '$null = $config.missing', 'Write-Error "soft: $Value"', "Set-Content -LiteralPath `"$script:Work/probe-done.txt`" -Value `$Value")
    }

    It 'runs Microsoft''s script without the caller''s strict mode and Stop, and returns its error messages' {
        Set-StrictMode -Version Latest
        $ErrorActionPreference = 'Stop'
        $messages = @(Invoke-MicrosoftScript -Path $script:Probe -Arguments @{ Value = 'one' })
        $messages | Should -Be @('soft: one')
        Get-Content -LiteralPath (Join-Path -Path $script:Work -ChildPath 'probe-done.txt') | Should -Be 'one'
    }
}
