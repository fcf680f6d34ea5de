# Pester 5: Get-ConnectorState.ps1 started as the companion starts it, in PowerShell over the fake
# Windows. Worlds: tests/lab/scenarios (connector-registered, connector-trust-expired) and patches
# of them, with docs/reference/windows-outputs/connector.md's config files (CONN-01..03), TrustSettings.xml (CONN-05) and event
# texts (CONN-06..08).

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('connector-state-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $registered = Get-ScenarioWorld -Name 'connector-registered'
    $entra = 'C:\Program Files\Microsoft Entra private network connector'
    $aad = 'C:\Program Files\Microsoft AAD App Proxy Connector'
    $adminLog = 'Microsoft-Microsoft Entra private network-Connector/Admin'
    $oldTrust = "<?xml version=`"1.0`" encoding=`"utf-8`"?>`r`n<ConnectorTrustSettingsFile xmlns:xsd=`"http://www.w3.org/2001/XMLSchema`" xmlns:xsi=`"http://www.w3.org/2001/XMLSchema-instance`">`r`n  <CloudProxyTrust>`r`n    <Thumbprint>4905CC64B2D81BBED60962ECC5DCF63F643CCD55</Thumbprint>`r`n    <IsInUserStore>true</IsInUserStore>`r`n  </CloudProxyTrust>`r`n</ConnectorTrustSettingsFile>`r`n"
    $proxyConfig = "<?xml version=`"1.0`" encoding=`"utf-8`" ?>`r`n<configuration>`r`n  <system.net>  `r`n    <defaultProxy>   `r`n      <proxy proxyaddress=`"http://proxyserver:8080`" bypassonlocal=`"True`" usesystemdefault=`"True`"/>   `r`n    </defaultProxy>  `r`n  </system.net>`r`n  <runtime>`r`n    <gcServer enabled=`"true`"/>`r`n  </runtime>`r`n  <appSettings>`r`n    <add key=`"TraceFilename`" value=`"AadAppProxyConnector.log`" />`r`n  </appSettings>`r`n</configuration>`r`n"

    # The pre-rename connector (docs/reference/windows-outputs/connector.md CONN-03, CONN-05 with IsInUserStore true): old folder,
    # old module, the proxy only in the service's config, the updater folder absent; one
    # warning in the old Admin log (a one-element collection everywhere).
    $oldFiles = [ordered]@{}
    foreach ($key in $registered['files'].Keys) { if ($key -notlike "$entra*" -and $key -notlike '*TrustSettings.xml') { $oldFiles[$key] = $registered['files'][$key] } }
    $oldFiles["$aad\ApplicationProxyConnectorService.exe"] = [ordered]@{ text = ''; version = '1.5.3437.0' }
    $oldFiles["$aad\ApplicationProxyConnectorService.exe.config"] = [ordered]@{ text = $proxyConfig }
    $oldFiles["$aad\Modules\AppProxyPSModule\AppProxyPSModule.psd1"] = [ordered]@{ text = '' }
    $oldFiles['C:\ProgramData\Microsoft\Microsoft AAD Application Proxy Connector\Config\TrustSettings.xml'] = [ordered]@{ text = $oldTrust }
    $old = Merge-World -Base $registered -Patch ([ordered]@{
            registry       = [ordered]@{ 'HKLM\SOFTWARE\Microsoft\Microsoft Entra private network connector' = $null; 'HKLM\SOFTWARE\Microsoft\Microsoft Entra private network connector Updater' = $null; 'HKLM\SOFTWARE\Microsoft\Microsoft AAD App Proxy Connector' = [ordered]@{ UseDefaultProxyForBackendRequests = 1 } }
            services       = [ordered]@{ WAPCUpdaterSvc = $null; WAPCSvc = [ordered]@{ DisplayName = 'Microsoft AAD Application Proxy Connector'; Status = 'Stopped'; StartType = 'Manual' } }
            eventProviders = @('Microsoft AAD Application Proxy Connector')
            eventLogs      = [ordered]@{ $adminLog = $null; 'Microsoft-AadApplicationProxy-Connector/Admin' = @([ordered]@{ Id = 12020; Level = 3; TimeCreated = '2026-11-29T08:00:00Z'; ProviderName = 'Microsoft AAD Application Proxy Connector'; Message = 'The Connector was unable to connect to the service due to networking issues. The Connector tried to access the following URL: https://5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13.bootstrap.msappproxy.net:443/' }) }
        })
    $old['files'] = $oldFiles

    # Registered, but the certificate TrustSettings.xml names is not in the computer store.
    $missingCert = Merge-World -Base $registered -Patch ([ordered]@{
            certificates = [ordered]@{ 'LocalMachine\My' = @() }
            files        = [ordered]@{ 'C:\ProgramData\Microsoft\Microsoft Entra private network connector\Config\TrustSettings.xml' = [ordered]@{ text = ($oldTrust -replace 'true', 'false') } }
        })

    $runs = @(
        @{ Name = 'none'; World = (Get-ScenarioWorld -Name 'healthy') },
        @{ Name = 'registered'; World = $registered },
        @{ Name = 'registered-clm'; World = $registered; LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'expired'; World = (Get-ScenarioWorld -Name 'connector-trust-expired') },
        @{ Name = 'old'; World = $old },
        @{ Name = 'missing-cert'; World = $missingCert },
        @{ Name = 'no-program-data'; World = (Merge-World -Base $registered -Patch ([ordered]@{ registry = [ordered]@{ 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList' = $null } })) }
    )
    foreach ($run in $runs) { $run['Script'] = 'Get-ConnectorState' }
    $script:Runs = Invoke-CompanionScripts -Runs $runs -WorkDir $script:Work
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-ConnectorState.ps1 over the fake Windows' {
    It 'says plainly that no connector is installed, without errors' {
        $run = $script:Runs['none']
        $run.ExitCode | Should -Be 0
        $run.Result.install.installed | Should -BeFalse
        @($run.Result.services).Count | Should -Be 0
        @($run.Result.configs).Count | Should -Be 0
        $run.Result.trust | Should -BeNullOrEmpty
        @($run.Result.recentEvents).Count | Should -Be 0
        @($run.Result.problems).Count | Should -Be 0
    }

    It 'reads a registered connector: generation, version, module, both services, both configs, its trust certificate' {
        $run = $script:Runs['registered']
        $run.ExitCode | Should -Be 0
        $run.Progress | Should -Be @('Looking for the private network connector', 'Reading its proxy settings', 'Reading its trust certificate and recent errors')
        $run.Result.install.generation | Should -Be 'entra'
        $run.Result.install.version | Should -Be '1.5.4287.0'
        $run.Result.install.moduleName | Should -Be 'MicrosoftEntraPrivateNetworkConnectorPSModule'
        $run.Result.install.moduleFound | Should -BeTrue
        @($run.Result.services | ForEach-Object { "$($_.name)=$($_.status)/$($_.startType)" }) | Should -Be @('WAPCSvc=Running/Automatic', 'WAPCUpdaterSvc=Running/Automatic')
        @($run.Result.configs).Count | Should -Be 2
        @($run.Result.configs | Where-Object { $_.present }).Count | Should -Be 0
        $run.Result.useDefaultProxyForBackendRequests | Should -BeNullOrEmpty
        $run.Result.trust.present | Should -BeTrue
        $run.Result.trust.found | Should -BeTrue
        $run.Result.trust.isInUserStore | Should -BeFalse
        $run.Result.trust.thumbprint | Should -Match '^[0-9A-F]{40}$'
        $run.Result.trust.subject | Should -Be 'CN=5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13'
        $run.Result.trust.issuer | Should -Be 'CN=connectorregistrationca.msappproxy.net'
        $run.Json | Should -Match '"notAfter":"2027-04-02T09:14:00.0000000Z"'
        @($run.Result.recentEvents).Count | Should -Be 0
        @($run.Result.problems).Count | Should -Be 0
    }

    It 'gives the same facts in ConstrainedLanguage' {
        $clm = $script:Runs['registered-clm']
        $clm.ExitCode | Should -Be 0
        $clm.Result.trust.thumbprint | Should -Match '^[0-9A-F]{40}$'
        $clm.Result.install.version | Should -Be '1.5.4287.0'
        @($clm.Result.services).Count | Should -Be 2
    }

    It 'reports an expired trust certificate and the Admin log errors newest first, as Windows wrote them' {
        $run = $script:Runs['expired']
        $run.ExitCode | Should -Be 0
        $run.Json | Should -Match '"notAfter":"2026-06-01T09:14:00.0000000Z"'
        @($run.Result.recentEvents | ForEach-Object { $_.id }) | Should -Be @(12019, 1000, 12015)
        $run.Result.recentEvents[1].message | Should -BeLike 'Connector re-registration failed: The Connector trust certificate expired.*'
        $run.Result.recentEvents[0].log | Should -Be 'Microsoft-Microsoft Entra private network-Connector/Admin'
        $run.Json | Should -Match '"time":"2026-11-30T22:05:11.0000000Z"'
    }

    It 'reads the pre-rename connector: old names, a proxy in one config, the backend-proxy flag, a certificate in the Network Service store' {
        $run = $script:Runs['old']
        $run.ExitCode | Should -Be 0
        $run.Result.install.generation | Should -Be 'aad'
        $run.Result.install.version | Should -Be '1.5.3437.0'
        $run.Result.install.moduleName | Should -Be 'AppProxyPSModule'
        $run.Result.install.moduleFound | Should -BeTrue
        # One service, one config and one event: each still a list in the JSON (the pipeline trap).
        $run.Json | Should -Match '"services":\[\{'
        $run.Json | Should -Match '"configs":\[\{'
        $run.Json | Should -Match '"recentEvents":\[\{'
        $run.Result.services[0].status | Should -Be 'Stopped'
        $run.Result.configs[0].proxyAddress | Should -Be 'http://proxyserver:8080'
        $run.Result.useDefaultProxyForBackendRequests | Should -Be 1
        $run.Result.trust.thumbprint | Should -Be '4905CC64B2D81BBED60962ECC5DCF63F643CCD55'
        $run.Result.trust.isInUserStore | Should -BeTrue
        $run.Result.trust.found | Should -BeFalse
        $run.Result.recentEvents[0].id | Should -Be 12020
        $run.Result.recentEvents[0].level | Should -Be 3
    }

    It 'reports a trust certificate named in TrustSettings.xml but missing from the computer store' {
        $run = $script:Runs['missing-cert']
        $run.Result.trust.thumbprint | Should -Be '4905CC64B2D81BBED60962ECC5DCF63F643CCD55'
        $run.Result.trust.isInUserStore | Should -BeFalse
        $run.Result.trust.found | Should -BeFalse
        $run.Result.trust.notAfter | Should -BeNullOrEmpty
    }

    It 'keeps the other facts and names the unreadable one when ProgramData is not recorded' {
        $run = $script:Runs['no-program-data']
        $run.ExitCode | Should -Be 0
        $run.Result.trust | Should -BeNullOrEmpty
        $run.Result.install.version | Should -Be '1.5.4287.0'
        @($run.Result.problems | ForEach-Object { $_.fact }) | Should -Be @('trust')
        $run.Result.problems[0].message | Should -BeLike '*ProgramData*ProfileList*'
    }
}
