# Pester 5: Get-HostReadiness.ps1 started as the companion starts it, in PowerShell over the fake
# Windows (pwsh 7.6.9 here; Windows PowerShell 5.1 in the Windows workflow, unchanged).

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('readiness-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $healthy = Get-ScenarioWorld -Name 'healthy'
    # A real NDES RA signing certificate (smallstep/scep test data, MIT; tests/fixtures/scep-smallstep).
    $pem = Get-Content -LiteralPath (Join-Path -Path (Get-CompanionRepoRoot) -ChildPath 'tests/fixtures/scep-smallstep/testca2/ca2.pem') -Raw
    $realRaDer = (($pem -split '-----BEGIN CERTIFICATE-----')[1] -split '-----END CERTIFICATE-----')[0] -replace '\s', ''
    $ra = {
        param($template, $usage, $from, $to, $key)
        [ordered]@{ subject = 'CN=NDES01-MSCEP-RA, C=US'; issuer = 'CN=Contoso Issuing CA'; template = $template; eku = @('1.3.6.1.4.1.311.20.2.1'); keyUsage = $usage; notBefore = $from; notAfter = $to; hasPrivateKey = $key }
    }
    $service = { param($status) [ordered]@{ DisplayName = 'x'; Status = $status; StartType = 'Automatic' } }
    $connector = 'C:\Program Files\Microsoft Entra private network connector'
    $proxyConfig = "<?xml version=`"1.0`" encoding=`"utf-8`" ?>`r`n<configuration>`r`n  <system.net>  `r`n    <defaultProxy>   `r`n      <proxy proxyaddress=`"http://proxyserver:8080`" bypassonlocal=`"True`" usesystemdefault=`"True`"/>   `r`n    </defaultProxy>  `r`n  </system.net>`r`n</configuration>`r`n"
    $disabledConfig = "<?xml version=`"1.0`" encoding=`"utf-8`" ?>`r`n<configuration>`r`n<system.net>`r`n<defaultProxy enabled=`"false`"></defaultProxy>`r`n</system.net>`r`n</configuration>`r`n"
    # WinHttpSettings as netsh writes it for "proxy.contoso.local:8080" with bypass "<local>":
    # DWORD 0x18, counter, flags 3, length + text, length + text (layout: see the script).
    $proxyText = 'proxy.contoso.local:8080'
    $bypassText = '<local>'
    $hexOf = { param([int]$n) ('{0:x2}{1:x2}{2:x2}{3:x2}' -f ($n -band 0xFF), (($n -shr 8) -band 0xFF), (($n -shr 16) -band 0xFF), (($n -shr 24) -band 0xFF)) }
    $textHex = { param([string]$t) -join @($t.ToCharArray() | ForEach-Object { '{0:x2}' -f [int]$_ }) }
    $winhttpProxyHex = '18000000' + '05000000' + '03000000' + (& $hexOf $proxyText.Length) + (& $textHex $proxyText) + (& $hexOf $bypassText.Length) + (& $textHex $bypassText)

    $runs = @(
        @{ Name = 'healthy'; World = $healthy },
        @{ Name = 'healthy-clm'; World = $healthy; LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'none'; World = (Merge-World -Base $healthy -Patch ([ordered]@{
                        iis          = [ordered]@{ sites = @(); appPools = @(); requestFiltering = [ordered]@{} }
                        certificates = [ordered]@{ 'LocalMachine\My' = @() }
                        services     = [ordered]@{ W3SVC = $null; W32Time = $null; PFXCertificateConnectorSvc = $null }
                        registry     = [ordered]@{ 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{5B2D1F3A-9C1E-4E3B-8F0D-1A2B3C4D5E6F}' = $null; 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\IIS 10.0' = $null; 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\NoDisplayName' = $null }
                    })) },
        @{ Name = 'one'; World = (Merge-World -Base $healthy -Patch ([ordered]@{
                        certificates = [ordered]@{ 'LocalMachine\My' = @((& $ra 'EnrollmentAgentOffline' 'DigitalSignature' '2025-01-01T00:00:00Z' '2027-01-01T00:00:00Z' $true)) }
                        services     = [ordered]@{ WAPCSvc = (& $service 'Running') }
                        files        = [ordered]@{ "$connector\MicrosoftEntraPrivateNetworkConnectorService.exe" = [ordered]@{ text = ''; version = '1.5.4287.0' }; "$connector\MicrosoftEntraPrivateNetworkConnectorService.exe.config" = [ordered]@{ text = $proxyConfig } }
                    })) },
        @{ Name = 'many'; World = (Merge-World -Base $healthy -Patch ([ordered]@{
                        iis          = [ordered]@{ sites = @([ordered]@{ name = 'Default Web Site'; id = 1; bindings = 'http/*:80:'; state = 'Started' }, [ordered]@{ name = 'Intranet'; id = 2; bindings = 'http/*:81:'; state = 'Stopped' }, [ordered]@{ name = 'Caf' + [char]0xE9; id = 3; bindings = 'http/*:82:'; state = 'Started' }) }
                        certificates = [ordered]@{ 'LocalMachine\My' = @(
                                (& $ra 'EnrollmentAgentOffline' 'DigitalSignature' '2023-01-01T00:00:00Z' '2025-01-01T00:00:00Z' $true),
                                (& $ra 'CEPEncryption' 'KeyEncipherment' '2023-01-01T00:00:00Z' '2025-01-01T00:00:00Z' $true),
                                (& $ra 'EnrollmentAgentOffline' 'DigitalSignature' '2025-01-01T00:00:00Z' '2027-01-01T00:00:00Z' $true),
                                (& $ra 'CEPEncryption' 'KeyEncipherment' '2025-01-01T00:00:00Z' '2027-01-01T00:00:00Z' $false),
                                [ordered]@{ subject = 'CN=web'; template = 'WebServer'; eku = @('1.3.6.1.5.5.7.3.1'); keyUsage = 'DigitalSignature'; notBefore = '2025-01-01T00:00:00Z'; notAfter = '2027-01-01T00:00:00Z'; hasPrivateKey = $true },
                                [ordered]@{ der = $realRaDer; hasPrivateKey = $true }) }
                        services     = [ordered]@{ WAPCSvc = (& $service 'Running'); WAPCUpdaterSvc = (& $service 'Stopped'); AzureADPasswordProtectionProxy = (& $service 'Running') }
                        files        = [ordered]@{
                            "$connector\MicrosoftEntraPrivateNetworkConnectorService.exe"                        = [ordered]@{ text = ''; version = '1.5.4287.0' }
                            "$connector\MicrosoftEntraPrivateNetworkConnectorService.exe.config"                 = [ordered]@{ text = $proxyConfig }
                            "$connector Updater\MicrosoftEntraPrivateNetworkConnectorUpdaterService.exe.config" = [ordered]@{ text = $disabledConfig }
                        }
                        registry     = [ordered]@{ 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' = [ordered]@{ WinHttpSettings = [ordered]@{ type = 'binary'; hex = $winhttpProxyHex } } }
                    })) },
        @{ Name = 'missing'; World = (Merge-World -Base $healthy -Patch ([ordered]@{
                        registry = [ordered]@{
                            'HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full'                                    = $null
                            'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client' = $null
                            'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server' = $null
                            'HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters'                                   = $null
                            'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'               = $null
                            'HKLM\SOFTWARE\Microsoft\Cryptography\MSCEP'                                                  = [ordered]@{ SignatureTemplate = $null; EncryptionTemplate = $null }
                            'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion'                                              = [ordered]@{ ProgramFilesDir = $null }
                            'HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters'                                      = $null
                            'HKLM\SOFTWARE\Microsoft\Active Setup\Installed Components\{A509B1A7-37EF-4b3f-8CFC-4F3A74704073}' = [ordered]@{ IsInstalled = 'True' }
                        }
                        iis      = [ordered]@{ appPools = @(); requestFiltering = [ordered]@{ 'Default Web Site' = [ordered]@{ maxUrl = $null; maxQueryString = $null } } }
                        w32tm    = $null
                        services = [ordered]@{ W32Time = [ordered]@{ DisplayName = 'Windows Time'; Status = 'Stopped'; StartType = 'Manual' } }
                    })) },
        @{ Name = 'denied'; World = (Merge-World -Base $healthy -Patch ([ordered]@{ registryDenied = @('HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters', 'HKLM\SOFTWARE\Microsoft\NET Framework Setup') })) },
        @{ Name = 'german'; World = (Merge-World -Base $healthy -Patch ([ordered]@{ token = [ordered]@{ elevated = $false; language = 'de' } })) },
        @{ Name = 'german-elevated'; World = (Merge-World -Base $healthy -Patch ([ordered]@{ token = [ordered]@{ elevated = $true; language = 'de' } })) },
        @{ Name = 'wmi'; World = Get-ScenarioWorld -Name 'wmi-broken' },
        @{ Name = 'gpo'; World = (Merge-World -Base $healthy -Patch ([ordered]@{ registry = [ordered]@{ 'HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell' = [ordered]@{ EnableScripts = 1; ExecutionPolicy = 'AllSigned' }; 'HKCU\SOFTWARE\Policies\Microsoft\Windows\PowerShell' = [ordered]@{ EnableScripts = 0 } } })) },
        @{ Name = 'no-iis'; World = (Merge-World -Base $healthy -Patch ([ordered]@{ iis = $null })) },
        # W32TM-15's free-running clock, with the labels translated (German wording invented here:
        # the point is that only the numbers are read).
        @{ Name = 'time-de'; World = (Merge-World -Base $healthy -Patch ([ordered]@{ w32tm = [ordered]@{ '/query /status' = [ordered]@{ exitCode = 0; lines = @('Sprungindikator: 0(keine Warnung)', 'Stratum: 1 (prim' + [char]0xE4 + 'rer Verweis)', 'Genauigkeit: -23 (119.209ns pro Tick)', 'Stammverz' + [char]0xF6 + 'gerung: 0.0000000s', 'Stammabweichung: 10.0000000s', 'Referenz-ID: 0x4C4F434C (Quellname:  "LOCL")', 'Letzte erfolgreiche Synchronisierungszeit: 30.05.2025 09:06:45', 'Quelle: Local CMOS Clock', 'Abrufintervall: 6 (64s)') } } })) }
    )
    foreach ($run in $runs) { $run['Script'] = 'Get-HostReadiness' }
    $script:Runs = Invoke-CompanionScripts -Runs $runs -WorkDir $script:Work
    $script:Facts = @{}
    foreach ($name in $script:Runs.Keys) { $script:Facts[$name] = $script:Runs[$name].Result }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-HostReadiness.ps1 over the fake Windows' {
    It 'exits 0 in every world and prints progress lines apart from one JSON document' {
        foreach ($name in $script:Runs.Keys) {
            $run = $script:Runs[$name]
            $run.ExitCode | Should -Be 0 -Because "the $name world"
            @($run.Lines | Where-Object { $_ -like '::result:: *' }).Count | Should -Be 1 -Because "the $name world prints one document"
            $run.Result | Should -Not -BeNullOrEmpty -Because "the $name world prints JSON"
        }
        $script:Runs['healthy'].Progress | Should -Be @('Reading the operating system', 'Reading .NET, TLS 1.2 and security settings', 'Reading the time source and the WinHTTP proxy', 'Looking for the private network connector', 'Reading NDES and IIS')
    }

    It 'prints only ASCII, escaping what is not (any code page reads it the same)' {
        foreach ($name in $script:Runs.Keys) { $script:Runs[$name].Json | Should -Not -Match '[^\x00-\x7E]' }
        $script:Facts['many'].ndes.sites | Should -Contain ('Caf' + [char]0xE9)
        $script:Runs['many'].Json | Should -Match ([regex]::Escape('Caf\u00e9'))
    }

    It 'reads the healthy server fully, with nothing left unread' {
        $facts = $script:Facts['healthy']
        @($facts.problems).Count | Should -Be 0
        $facts.os.build | Should -Be 20348
        $facts.os.serverCore | Should -BeFalse
        $facts.computer.domain | Should -Be 'contoso.local'
        $facts.elevated | Should -BeTrue
        $facts.dotnetRelease | Should -Be 528449
        $facts.tls12.clientEnabled | Should -Be 1
        $facts.time.type | Should -Be 'NT5DS'
        $facts.time.serviceStatus | Should -Be 'Running'
        $facts.time.leapIndicator | Should -Be 0
        $facts.time.referenceId | Should -Be '0xABCDEFAB'
        $facts.time.localClock | Should -BeFalse
        $facts.time.source | Should -Be 'DC01.contoso.local'
        $facts.ndes.appPool.identity | Should -Be 'SpecificUser'
        $facts.ndes.appPool.userName | Should -Be 'CONTOSO\svc-ndes'
        $facts.ndes.appPool.state | Should -Be 'Started'
        $facts.ndes.requestLimits.maxUrl | Should -Be 65534
        $facts.ndes.intuneConnector.installed | Should -BeTrue
        $facts.connector.installed | Should -BeFalse
    }

    It 'never passes on the app pool password appcmd prints' {
        foreach ($name in $script:Runs.Keys) { $script:Runs[$name].Json | Should -Not -Match 'P@ssw0rd' }
    }

    It 'reads the same facts in ConstrainedLanguage as in FullLanguage' {
        $script:Facts['healthy-clm'].languageMode | Should -Be 'ConstrainedLanguage'
        @($script:Facts['healthy-clm'].problems).Count | Should -Be 0
        $strip = { param($json) $json -replace '"(thumbprint|collectedAt|languageMode)":"[^"]*"', '' }
        (& $strip $script:Runs['healthy-clm'].Json) | Should -Be (& $strip $script:Runs['healthy'].Json)
    }

    Context 'collections stay arrays whatever their size' {
        It 'zero of each: sites, RA certificates, services, configs are empty arrays' {
            $json = $script:Runs['none'].Json
            $json | Should -Match '"sites":\[\]'
            $json | Should -Match '"raCertificates":\[\]'
            $json | Should -Match '"services":\[\]'
            $json | Should -Match '"configs":\[\]'
            $script:Facts['none'].ndes.appPool | Should -BeNullOrEmpty
            $script:Facts['none'].ndes.intuneConnector.installed | Should -BeFalse
            $script:Facts['none'].time.serviceStatus | Should -BeNullOrEmpty
            # With no site at all there is no request filtering to read, and it says so.
            @($script:Facts['none'].problems | ForEach-Object { $_.fact }) | Should -Be @('requestLimits')
        }
        It 'one of each: a one-site server lists its site in an array (the unwrapped-array defect)' {
            $script:Runs['healthy'].Json | Should -Match '"sites":\["Default Web Site"\]'
            $script:Runs['one'].Json | Should -Match '"raCertificates":\[\{[^\[\]]*\}\]'
            $script:Runs['one'].Json | Should -Match '"connector":\{[^{}]*"services":\[\{"name":"WAPCSvc","status":"Running","startType":"Automatic"\}\]'
            $script:Runs['one'].Json | Should -Match '"configs":\[\{(?:[^\[\]]|\[\])*\}\]'
        }
        It 'many of each: every site, RA certificate and service, in order' {
            $facts = $script:Facts['many']
            @($facts.ndes.sites) | Should -Be @('Default Web Site', 'Intranet', ('Caf' + [char]0xE9))
            @($facts.ndes.raCertificates).Count | Should -Be 5
            @($facts.connector.services).Count | Should -Be 2
            @($facts.connector.configs).Count | Should -Be 2
            $facts.passwordProtectionProxy | Should -BeTrue
        }
    }

    Context 'RA certificates' {
        It 'tells the signing and the encryption certificate apart and keeps the private-key flag' {
            $certs = @($script:Facts['many'].ndes.raCertificates)
            @($certs | Where-Object { $_.role -eq 'signing' }).Count | Should -Be 3
            @($certs | Where-Object { $_.role -eq 'encryption' }).Count | Should -Be 2
            @($certs | Where-Object { -not $_.hasPrivateKey }).Count | Should -Be 1
            @($certs | Where-Object { $_.subject -eq 'CN=web' }).Count | Should -Be 0
        }
        It 'reads the template name from a real NDES RA certificate (smallstep/scep test data)' {
            $real = @($script:Facts['many'].ndes.raCertificates | Where-Object { $_.subject -like '*CERT-PROV-CA-MSCEP-RA*' })
            $real.Count | Should -Be 1
            $real[0].template | Should -Be 'EnrollmentAgentOffline'
            $real[0].role | Should -Be 'signing'
            $script:Runs['many'].Json | Should -Match '"subject":"C=US, CN=CERT-PROV-CA-MSCEP-RA"|"subject":"CN=CERT-PROV-CA-MSCEP-RA, C=US"'
            $script:Runs['many'].Json | Should -Match '"template":"EnrollmentAgentOffline","role":"signing","thumbprint":"[0-9A-F]{40}","notBefore":"[^"]+","notAfter":"2022-10-30T19:07:21'
        }
    }

    Context 'values that are absent, denied or localized' {
        It 'absent keys and values read as null, never as configured' {
            $facts = $script:Facts['missing']
            $facts.dotnetRelease | Should -BeNullOrEmpty
            $facts.tls12.clientEnabled | Should -BeNullOrEmpty
            $facts.tls12.serverDisabledByDefault | Should -BeNullOrEmpty
            $facts.time.type | Should -BeNullOrEmpty
            $facts.winhttpProxy.present | Should -BeFalse
            $facts.winhttpProxy.direct | Should -BeTrue
            $facts.ndes.mscepTemplates.signature | Should -BeNullOrEmpty
            $facts.ndes.mscepTemplates.generalPurpose | Should -Be 'ContosoIntuneSCEP'
            $facts.ndes.httpSys.maxFieldLength | Should -BeNullOrEmpty
            $facts.ndes.requestLimits.maxUrl | Should -Be 4096
            $facts.ndes.requestLimits.maxUrlSet | Should -BeFalse
            $facts.ndes.requestLimits.maxQueryString | Should -Be 2048
            $facts.ndes.appPool | Should -BeNullOrEmpty
            $facts.ieEsc.admins | Should -Be 'True'
        }
        It 'a stopped Windows Time service leaves the status unread and keeps the exit code' {
            $time = $script:Facts['missing'].time
            $time.serviceStatus | Should -Be 'Stopped'
            $time.source | Should -BeNullOrEmpty
            $time.statusExitCode | Should -Not -Be 0
            $time.leapIndicator | Should -BeNullOrEmpty
            $time.localClock | Should -BeFalse
        }
        It 'reads the local clock and the leap indicator as numbers, in any language' {
            $time = $script:Facts['time-de'].time
            $time.leapIndicator | Should -Be 0
            $time.referenceId | Should -Be '0x4C4F434C'
            $time.localClock | Should -BeTrue
            $script:Facts['gpo'].time.leapIndicator | Should -Be 0
        }
        It 'an unreadable fact is null with its reason, and the others are still read' {
            $facts = $script:Facts['missing']
            $facts.connector | Should -BeNullOrEmpty
            @($facts.problems | ForEach-Object { $_.fact }) | Should -Be @('connector')
            $facts.os.build | Should -Be 20348
        }
        It 'access denied is a problem, not an absent value' {
            $facts = $script:Facts['denied']
            $facts.dotnetRelease | Should -BeNullOrEmpty
            $facts.ndes.httpSys | Should -BeNullOrEmpty
            $problems = @($facts.problems)
            @($problems | ForEach-Object { $_.fact } | Sort-Object) | Should -Be @('dotnetRelease', 'httpSys')
            @($problems | ForEach-Object { $_.category } | Select-Object -Unique) | Should -Be @('PermissionDenied')
        }
        It 'reads elevation from the mandatory label SID whatever language whoami speaks' {
            $script:Facts['german'].elevated | Should -BeFalse
            $script:Facts['german-elevated'].elevated | Should -BeTrue
        }
        It 'a broken WMI leaves the OS unread and every registry fact read' {
            $facts = $script:Facts['wmi']
            $facts.os | Should -BeNullOrEmpty
            $facts.computer | Should -BeNullOrEmpty
            (@($facts.problems | Where-Object { $_.fact -eq 'os' })[0]).message | Should -Be 'Invalid class "Win32_OperatingSystem"'
            $facts.dotnetRelease | Should -Be 528449
        }
        It 'a missing appcmd (no IIS) is a problem for the IIS facts only' {
            $facts = $script:Facts['no-iis']
            $facts.ndes.appPool | Should -BeNullOrEmpty
            $facts.ndes.sites | Should -BeNullOrEmpty
            @($facts.problems | ForEach-Object { $_.fact } | Sort-Object) | Should -Be @('appPool', 'requestLimits', 'sites')
            $facts.ndes.httpSys.maxFieldLength | Should -Be 65534
        }
    }

    Context 'structured sources, not prose' {
        It 'decodes the WinHTTP proxy and bypass list from WinHttpSettings' {
            $proxy = $script:Facts['many'].winhttpProxy
            $proxy.present | Should -BeTrue
            $proxy.direct | Should -BeFalse
            $proxy.proxy | Should -Be 'proxy.contoso.local:8080'
            $proxy.bypass | Should -Be '<local>'
        }
        It 'reads the documented default WinHttpSettings bytes as direct access' {
            $script:Facts['healthy'].winhttpProxy.present | Should -BeTrue
            $script:Facts['healthy'].winhttpProxy.direct | Should -BeTrue
        }
        It 'reads the connector proxy from its exe.config, disabled or set' {
            $configs = @($script:Facts['many'].connector.configs)
            $configs[0].proxyAddress | Should -Be 'http://proxyserver:8080'
            $configs[0].bypassOnLocal | Should -Be 'True'
            $configs[1].enabled | Should -Be 'false'
            $configs[1].proxyAddress | Should -BeNullOrEmpty
            $script:Facts['many'].connector.version | Should -Be '1.5.4287.0'
        }
        It 'reports execution policies set by Group Policy per scope' {
            $policies = @{}
            foreach ($entry in @($script:Facts['gpo'].executionPolicies)) { $policies[$entry.scope] = $entry.policy }
            $policies['MachinePolicy'] | Should -Be 'AllSigned'
            $policies['UserPolicy'] | Should -Be 'Restricted'
            $policies['Process'] | Should -Be 'Bypass'
            $policies['LocalMachine'] | Should -Be 'RemoteSigned'
        }
    }
}
