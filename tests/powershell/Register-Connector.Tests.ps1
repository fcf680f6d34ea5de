# Pester 5: Register-Connector.ps1 started as the companion starts it, the token on stdin, over the
# fake Windows whose RegisterConnector.ps1 behaves as reference docs/reference/domain.md section 2.1 and
# docs/reference/windows-outputs/connector.md CONN-05/CONN-07 describe (tests/fake-windows/FakeWindows.Connector.ps1).

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('register-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $installed = Get-ScenarioWorld -Name 'connector-installed'
    $registered = Get-ScenarioWorld -Name 'connector-registered'
    $expired = Get-ScenarioWorld -Name 'connector-trust-expired'
    $script:Tenant = '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13'
    $script:Other = '0d3c1b2a-9f8e-4d7c-b6a5-443322110099'
    $script:Token = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.planted-registration-token-SECRET-7f3a'
    $with = { param($base, [hashtable]$registration) Merge-World -Base $base -Patch ([ordered]@{ registration = $registration }) }
    $entra = 'C:\Program Files\Microsoft Entra private network connector'

    # The pre-rename connector, installed and not registered: old folder, module and source.
    $old = Merge-World -Base (Get-ScenarioWorld -Name 'healthy') -Patch ([ordered]@{
            services       = [ordered]@{ WAPCSvc = [ordered]@{ DisplayName = 'Microsoft AAD Application Proxy Connector'; Status = 'Running'; StartType = 'Automatic' }; WAPCUpdaterSvc = [ordered]@{ DisplayName = 'Microsoft AAD Application Proxy Connector Updater'; Status = 'Running'; StartType = 'Automatic' } }
            files          = [ordered]@{
                'C:\Program Files\Microsoft AAD App Proxy Connector\ApplicationProxyConnectorService.exe'                = [ordered]@{ text = ''; version = '1.5.3437.0' }
                'C:\Program Files\Microsoft AAD App Proxy Connector\Modules\AppProxyPSModule\AppProxyPSModule.psd1'     = [ordered]@{ text = '' }
                'C:\Program Files\Microsoft AAD App Proxy Connector\RegisterConnector.ps1'                               = [ordered]@{ text = '# old'; signature = [ordered]@{ status = 'Valid'; signer = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US' } }
            }
            eventProviders = @('Microsoft AAD Application Proxy Connector')
            eventLogs      = [ordered]@{ Application = @(); 'Microsoft-AadApplicationProxy-Connector/Admin' = @() }
        })

    # Renewed by the connector itself: the new certificate lives in Network Service's store, so its
    # tenant cannot be read (docs/reference/windows-outputs/connector.md CONN-05, IsInUserStore).
    $trustFile = 'C:\ProgramData\Microsoft\Microsoft Entra private network connector\Config\TrustSettings.xml'
    $userStore = Merge-World -Base $registered -Patch ([ordered]@{ files = [ordered]@{ $trustFile = [ordered]@{ text = "<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<ConnectorTrustSettingsFile xmlns:xsd=`"http://www.w3.org/2001/XMLSchema`" xmlns:xsi=`"http://www.w3.org/2001/XMLSchema-instance`">`n  <CloudProxyTrust>`n    <Thumbprint>0123456789ABCDEF0123456789ABCDEF01234567</Thumbprint>`n    <IsInUserStore>true</IsInUserStore>`n  </CloudProxyTrust>`n</ConnectorTrustSettingsFile>`n" } } })
    # Group Policy "Turn on Module Logging" for every module, and for another module only.
    $logging = 'HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell\ModuleLogging'
    $moduleLogging = Merge-World -Base $installed -Patch ([ordered]@{ registry = [ordered]@{ $logging = [ordered]@{ EnableModuleLogging = 1 }; "$logging\ModuleNames" = [ordered]@{ '*' = '*' } } })
    $moduleLoggingOther = Merge-World -Base $installed -Patch ([ordered]@{ registry = [ordered]@{ $logging = [ordered]@{ EnableModuleLogging = 1 }; "$logging\ModuleNames" = [ordered]@{ 'ActiveDirectory' = 'ActiveDirectory' } } })

    $token = "$script:Token`n"
    $runs = @(
        @{ Name = 'ok'; World = (& $with $installed ([ordered]@{ outcome = 'ok'; expectToken = $script:Token })); Stdin = $token },
        @{ Name = 'ok-clm'; World = (& $with $installed ([ordered]@{ outcome = 'ok'; expectToken = $script:Token })); Stdin = $token; LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'what-if'; World = $installed; Switches = @('WhatIf') },
        @{ Name = 'no-token'; World = $installed },
        @{ Name = 'wrong-token'; World = (& $with $installed ([ordered]@{ outcome = 'ok'; expectToken = 'another-token' })); Stdin = $token },
        @{ Name = 'denied'; World = (& $with $installed ([ordered]@{ outcome = 'denied' })); Stdin = $token },
        @{ Name = 'no-tenant'; World = (& $with $installed ([ordered]@{ outcome = 'no-tenant' })); Stdin = $token },
        @{ Name = 'network'; World = (& $with $installed ([ordered]@{ outcome = 'network' })); Stdin = $token },
        @{ Name = 'same'; World = $registered; Stdin = $token },
        @{ Name = 'other'; World = $registered; Stdin = $token; Parameters = [ordered]@{ TenantId = $script:Other } },
        @{ Name = 'move'; World = $registered; Stdin = $token; Parameters = [ordered]@{ TenantId = $script:Other }; Switches = @('Reregister') },
        @{ Name = 'expired'; World = $expired; Stdin = $token },
        @{ Name = 'absent'; World = (Get-ScenarioWorld -Name 'healthy'); Stdin = $token },
        @{ Name = 'unsigned'; World = (Merge-World -Base $installed -Patch ([ordered]@{ files = [ordered]@{ "$entra\RegisterConnector.ps1" = [ordered]@{ text = '# changed'; signature = [ordered]@{ status = 'HashMismatch'; signer = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US' } } } })); Stdin = $token },
        @{ Name = 'old'; World = $old; Stdin = $token },
        @{ Name = 'user-store'; World = $userStore; Stdin = $token },
        @{ Name = 'user-store-move'; World = $userStore; Stdin = $token; Switches = @('Reregister') },
        @{ Name = 'module-logging'; World = $moduleLogging; Stdin = $token },
        @{ Name = 'module-logging-other'; World = $moduleLoggingOther; Stdin = $token }
    )
    foreach ($run in $runs) {
        $run['Script'] = 'Register-Connector'
        if (-not $run['Parameters']) { $run['Parameters'] = [ordered]@{ TenantId = $script:Tenant } }
    }
    $script:Runs = Invoke-CompanionScripts -Runs $runs -WorkDir $script:Work
    $script:WorldAfter = { param([string]$name) ConvertTo-TestHashtable -Value (ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText((Join-Path -Path $script:Work -ChildPath "world-$name.json")))) }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Register-Connector.ps1 over the fake Windows' {
    It 'registers with the token from stdin as a SecureString, and reads back the trust certificate issued to the tenant' {
        $run = $script:Runs['ok']
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'ran'
        $run.Result.error | Should -BeNullOrEmpty
        $run.Result.registerScript.signature.isMicrosoft | Should -BeTrue
        $run.Result.after.tenantId | Should -Be $script:Tenant
        $run.Result.after.trust.issuer | Should -Be 'CN=connectorregistrationca.msappproxy.net'
        $run.Result.after.expired | Should -BeFalse
        $registration = @((& $script:WorldAfter 'ok')['registrations'])[0]
        $registration['tokenMatches'] | Should -BeTrue
        $registration['moduleName'] | Should -Be 'MicrosoftEntraPrivateNetworkConnectorPSModule'
        $registration['modulePath'] | Should -Be 'C:\Program Files\Microsoft Entra private network connector\Modules\'
    }

    It 'registers in ConstrainedLanguage too' {
        $script:Runs['ok-clm'].Result.after.tenantId | Should -Be $script:Tenant
    }

    It 'never prints the token or leaves it in the world' {
        foreach ($name in @('ok', 'ok-clm', 'denied', 'wrong-token')) {
            $script:Runs[$name].Json | Should -Not -Match 'planted-registration-token'
            $script:Runs[$name].Stderr | Should -Not -Match 'planted-registration-token'
        }
        # (The other worlds hold the token only as the fake's expected value, put there by this test.)
        [System.IO.File]::ReadAllText((Join-Path -Path $script:Work -ChildPath 'world-denied.json')) | Should -Not -Match 'planted-registration-token'
    }

    It '-WhatIf needs no token, checks the Microsoft script and changes nothing' {
        $run = $script:Runs['what-if']
        $run.Result.result | Should -Be 'what-if'
        $run.Result.registerScript.signature.isMicrosoft | Should -BeTrue
        (& $script:WorldAfter 'what-if').Contains('registrations') | Should -BeFalse
    }

    It 'refuses without a token, without a connector, and with a RegisterConnector.ps1 that is not Microsoft''s' -ForEach @(
        @{ Name = 'no-token'; Reason = 'no-token' },
        @{ Name = 'absent'; Reason = 'not-installed' },
        @{ Name = 'unsigned'; Reason = 'script-not-microsoft' }
    ) {
        $run = $script:Runs[$Name]
        $run.Result.result | Should -Be 'refused'
        $run.Result.refusal.reason | Should -Be $Reason
        (& $script:WorldAfter $Name).Contains('registrations') | Should -BeFalse
    }

    It 'reports each registration failure with what Windows logged for it (<Name>)' -ForEach @(
        @{ Name = 'denied'; Text = '*The registration request was denied.*' },
        @{ Name = 'no-tenant'; Text = '*AADSTS50059*' },
        @{ Name = 'network'; Text = '*unable to connect to the service due to networking issues*' },
        @{ Name = 'wrong-token'; Text = '*One or more errors occurred.*' }
    ) {
        $run = $script:Runs[$Name]
        $run.Result.result | Should -Be 'ran'
        $run.Result.error.message | Should -BeLike $Text
        @($run.Result.events | Where-Object { $_.log -eq 'Application' -and $_.message -like $Text }).Count | Should -Be 1
        $run.Result.after.trust.present | Should -BeFalse
    }

    It 'leaves a connector already registered to this tenant alone' {
        $run = $script:Runs['same']
        $run.Result.result | Should -Be 'already-registered'
        (& $script:WorldAfter 'same').Contains('registrations') | Should -BeFalse
    }

    It 'reports a registration to another tenant and moves it only with -Reregister' {
        $script:Runs['other'].Result.result | Should -Be 'other-tenant'
        $script:Runs['other'].Result.before.tenantId | Should -Be $script:Tenant
        (& $script:WorldAfter 'other').Contains('registrations') | Should -BeFalse
        $move = $script:Runs['move']
        $move.Result.result | Should -Be 'ran'
        $move.Result.after.tenantId | Should -Be $script:Other
    }

    It 're-registers a connector whose trust certificate expired' {
        $run = $script:Runs['expired']
        $run.Result.before.expired | Should -BeTrue
        $run.Result.result | Should -Be 'ran'
        $run.Result.after.expired | Should -BeFalse
    }

    It 'registers the pre-rename connector with its own module path and name' {
        $run = $script:Runs['old']
        $run.Result.generation | Should -Be 'aad'
        $run.Result.after.tenantId | Should -Be $script:Tenant
        $registration = @((& $script:WorldAfter 'old')['registrations'])[0]
        $registration['moduleName'] | Should -Be 'AppProxyPSModule'
        $registration['modulePath'] | Should -Be 'C:\Program Files\Microsoft AAD App Proxy Connector\Modules\'
    }

    It 'does not register over a connector whose tenant cannot be read, unless told to' {
        $run = $script:Runs['user-store']
        $run.Result.result | Should -Be 'tenant-unknown'
        $run.Result.before.trust.isInUserStore | Should -BeTrue
        @((& $script:WorldAfter 'user-store')['registrations']).Where({ $_ }).Count | Should -Be 0
        $script:Runs['user-store-move'].Result.result | Should -Be 'ran'
    }

    It 'refuses before the token is used when module logging would write it to the event log' {
        $run = $script:Runs['module-logging']
        $run.Result.result | Should -Be 'refused'
        $run.Result.refusal.reason | Should -Be 'module-logging'
        @((& $script:WorldAfter 'module-logging')['registrations']).Where({ $_ }).Count | Should -Be 0
        $script:Runs['module-logging-other'].Result.result | Should -Be 'ran'
    }
}
