<#
.SYNOPSIS
    Gathers every host and NDES/IIS fact the companion's readiness checks need, in one run.

.DESCRIPTION
    Reads only; changes nothing. Prints one JSON document of facts (no verdicts: the
    companion judges them). Progress lines start with "::progress::" and are not part of
    the result. Each fact that cannot be read is null, so one unreadable fact never hides
    the others.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Get-HostReadiness.ps1
#>
[CmdletBinding()]
param()

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Write-CompanionProgress {
    param([Parameter(Mandatory)][string]$Message)
    [Console]::Out.WriteLine("::progress:: $Message")
}

# Runs a block and returns $null instead of failing the whole run.
function Invoke-Fact {
    param([Parameter(Mandatory)][scriptblock]$Block)
    try { & $Block } catch { $null }
}

function Get-RegistryValue {
    param([Parameter(Mandatory)][string]$Path, [Parameter(Mandatory)][string]$Name)
    $item = Get-ItemProperty -Path $Path -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $item) { return $null }
    return $item.$Name
}

function ConvertTo-IsoDate {
    param($Value)
    if ($null -eq $Value) { return $null }
    return ([datetime]$Value).ToUniversalTime().ToString('o')
}

function Get-DefaultProxy {
    param([Parameter(Mandatory)][string]$ConfigPath)
    if (-not (Test-Path -LiteralPath $ConfigPath)) { return $null }
    [xml]$config = Get-Content -LiteralPath $ConfigPath -Raw
    $node = $config.SelectSingleNode('/configuration/system.net/defaultProxy')
    if ($null -eq $node) { return [ordered]@{ file = $ConfigPath; present = $false } }
    $proxy = $node.SelectSingleNode('proxy')
    return [ordered]@{
        file             = $ConfigPath
        present          = $true
        enabled          = $node.GetAttribute('enabled')
        proxyAddress     = if ($proxy) { $proxy.GetAttribute('proxyaddress') } else { $null }
        bypassOnLocal    = if ($proxy) { $proxy.GetAttribute('bypassonlocal') } else { $null }
        useSystemDefault = if ($proxy) { $proxy.GetAttribute('usesystemdefault') } else { $null }
    }
}

try {
    Write-CompanionProgress -Message 'Reading the operating system'
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $installationType = Get-RegistryValue -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name 'InstallationType'
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())

    Write-CompanionProgress -Message 'Reading .NET, TLS 1.2 and security settings'
    $schannel = 'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2'
    $tls = [ordered]@{
        clientEnabled                  = Get-RegistryValue -Path "$schannel\Client" -Name 'Enabled'
        clientDisabledByDefault        = Get-RegistryValue -Path "$schannel\Client" -Name 'DisabledByDefault'
        serverEnabled                  = Get-RegistryValue -Path "$schannel\Server" -Name 'Enabled'
        serverDisabledByDefault        = Get-RegistryValue -Path "$schannel\Server" -Name 'DisabledByDefault'
        schUseStrongCrypto             = Get-RegistryValue -Path 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319' -Name 'SchUseStrongCrypto'
        schUseStrongCryptoWow64        = Get-RegistryValue -Path 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319' -Name 'SchUseStrongCrypto'
        systemDefaultTlsVersions       = Get-RegistryValue -Path 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319' -Name 'SystemDefaultTlsVersions'
    }
    $esc = 'HKLM:\SOFTWARE\Microsoft\Active Setup\Installed Components'
    $ieEsc = [ordered]@{
        admins = Get-RegistryValue -Path "$esc\{A509B1A7-37EF-4b3f-8CFC-4F3A74704073}" -Name 'IsInstalled'
        users  = Get-RegistryValue -Path "$esc\{A509B1A7-37EF-4b3f-8CFC-4F3A74704083}" -Name 'IsInstalled'
    }
    $policies = Invoke-Fact { Get-ExecutionPolicy -List | ForEach-Object { [ordered]@{ scope = [string]$_.Scope; policy = [string]$_.ExecutionPolicy } } }

    Write-CompanionProgress -Message 'Reading the time source and the WinHTTP proxy'
    $w32tm = Invoke-Fact { (& w32tm.exe /query /source 2>$null | Select-Object -First 1) }
    $winhttp = Get-RegistryValue -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' -Name 'WinHttpSettings'
    $winhttpText = Invoke-Fact { (& netsh.exe winhttp show proxy 2>$null) -join "`n" }

    Write-CompanionProgress -Message 'Looking for the private network connector'
    $connectorDirs = @(
        'C:\Program Files\Microsoft Entra private network connector',
        'C:\Program Files\Microsoft AAD App Proxy Connector',
        'C:\Program Files\Microsoft Azure AD App Proxy Connector'
    )
    $connectorDir = $connectorDirs | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
    $connectorServices = @(Get-Service -Name 'WAPCSvc', 'WAPCUpdaterSvc' -ErrorAction SilentlyContinue | ForEach-Object {
            [ordered]@{ name = $_.Name; status = [string]$_.Status; startType = [string]$_.StartType }
        })
    $connectorConfigs = @()
    $connectorVersion = $null
    if ($connectorDir) {
        $serviceExe = Get-ChildItem -LiteralPath $connectorDir -Filter '*ConnectorService.exe' -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($serviceExe) { $connectorVersion = $serviceExe.VersionInfo.FileVersion }
        $updaterDir = "$connectorDir Updater"
        foreach ($candidate in @(
                (Join-Path -Path $connectorDir -ChildPath 'MicrosoftEntraPrivateNetworkConnectorService.exe.config'),
                (Join-Path -Path $connectorDir -ChildPath 'ApplicationProxyConnectorService.exe.config'),
                (Join-Path -Path $updaterDir -ChildPath 'MicrosoftEntraPrivateNetworkConnectorUpdaterService.exe.config'),
                (Join-Path -Path $updaterDir -ChildPath 'ApplicationProxyConnectorUpdaterService.exe.config'))) {
            $proxy = Invoke-Fact { Get-DefaultProxy -ConfigPath $candidate }
            if ($proxy) { $connectorConfigs += $proxy }
        }
    }
    $passwordProtection = @(Get-Service -Name 'AzureADPasswordProtectionProxy' -ErrorAction SilentlyContinue).Count -gt 0

    $uninstall = @(
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
        'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
    )
    $installed = @(Get-ItemProperty -Path $uninstall -ErrorAction SilentlyContinue | Where-Object { $_.PSObject.Properties['DisplayName'] })

    Write-CompanionProgress -Message 'Reading NDES and IIS'
    $ndes = $null
    $ndesInstalled = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Cryptography\MSCEP'
    if ($ndesInstalled) {
        $appcmd = Join-Path -Path $env:windir -ChildPath 'System32\inetsrv\appcmd.exe'
        $appPool = Invoke-Fact {
            [xml]$pool = (& $appcmd list apppool 'SCEP' /config:* /xml) -join "`n"
            $node = $pool.appcmd.APPPOOL
            [ordered]@{
                name     = $node.'APPPOOL.NAME'
                state    = $node.state
                identity = $node.add.processModel.identityType
                userName = $node.add.processModel.userName
            }
        }
        $limits = Invoke-Fact {
            [xml]$filtering = (& $appcmd list config 'Default Web Site' /section:system.webServer/security/requestFiltering /xml) -join "`n"
            $requestLimits = $filtering.SelectSingleNode('//requestLimits')
            [ordered]@{
                maxUrl         = if ($requestLimits -and $requestLimits.GetAttribute('maxUrl')) { [int64]$requestLimits.GetAttribute('maxUrl') } else { 4096 }
                maxQueryString = if ($requestLimits -and $requestLimits.GetAttribute('maxQueryString')) { [int64]$requestLimits.GetAttribute('maxQueryString') } else { 2048 }
            }
        }
        $sites = Invoke-Fact { @(& $appcmd list site /text:name) }
        $httpParameters = 'HKLM:\SYSTEM\CurrentControlSet\Services\HTTP\Parameters'
        $raCertificates = @(Get-ChildItem -Path 'Cert:\LocalMachine\My' | ForEach-Object {
                $template = $_.Extensions | Where-Object { $_.Oid.Value -eq '1.3.6.1.4.1.311.20.2' } | Select-Object -First 1
                $templateName = if ($template) { $template.Format($false) } else { $null }
                if ($templateName -in @('EnrollmentAgentOffline', 'CEPEncryption')) {
                    [ordered]@{
                        subject       = $_.Subject
                        template      = $templateName
                        thumbprint    = $_.Thumbprint
                        notAfter      = ConvertTo-IsoDate -Value $_.NotAfter
                        hasPrivateKey = $_.HasPrivateKey
                    }
                }
            })
        $mscep = 'HKLM:\SOFTWARE\Microsoft\Cryptography\MSCEP'
        $intune = $installed | Where-Object { $_.DisplayName -in @('Certificate Connector for Microsoft Intune', 'Microsoft Intune Connector') } | Select-Object -First 1
        $intuneService = Get-Service -Name 'PFXCertificateConnectorSvc', 'PkiCreateConnectorSvc', 'NDESConnectorSvc' -ErrorAction SilentlyContinue | Select-Object -First 1
        $rebootPending = (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') -or
            (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') -or
            ($null -ne (Get-RegistryValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name 'PendingFileRenameOperations'))
        $ndes = [ordered]@{
            roleInstalled      = $true
            appPool            = $appPool
            requestLimits      = $limits
            httpSys            = [ordered]@{
                maxFieldLength  = Get-RegistryValue -Path $httpParameters -Name 'MaxFieldLength'
                maxRequestBytes = Get-RegistryValue -Path $httpParameters -Name 'MaxRequestBytes'
            }
            rebootPending      = [bool]$rebootPending
            raCertificates     = $raCertificates
            mscepTemplates     = [ordered]@{
                signature      = Get-RegistryValue -Path $mscep -Name 'SignatureTemplate'
                encryption     = Get-RegistryValue -Path $mscep -Name 'EncryptionTemplate'
                generalPurpose = Get-RegistryValue -Path $mscep -Name 'GeneralPurposeTemplate'
            }
            intuneConnector    = [ordered]@{
                installed     = $null -ne $intune
                version       = if ($intune -and $intune.PSObject.Properties['DisplayVersion']) { $intune.DisplayVersion } else { $null }
                serviceName   = if ($intuneService) { $intuneService.Name } else { $null }
                serviceStatus = if ($intuneService) { [string]$intuneService.Status } else { $null }
            }
            sites              = $sites
        }
    }

    $result = [ordered]@{
        os                      = [ordered]@{
            caption    = [string]$os.Caption
            build      = [int]$os.BuildNumber
            serverCore = ($installationType -eq 'Server Core')
            productType = [int]$os.ProductType
            lastBoot   = ConvertTo-IsoDate -Value $os.LastBootUpTime
        }
        elevated                = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
        dotnetRelease           = Get-RegistryValue -Path 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -Name 'Release'
        tls12                   = $tls
        ieEsc                   = $ieEsc
        executionPolicies       = $policies
        timeSource              = $w32tm
        winhttpProxy            = [ordered]@{ configured = ($null -ne $winhttp -and $winhttpText -notmatch 'Direct access'); text = $winhttpText }
        connector               = [ordered]@{
            installed = $null -ne $connectorDir
            directory = $connectorDir
            version   = $connectorVersion
            services  = $connectorServices
            configs   = $connectorConfigs
        }
        passwordProtectionProxy = $passwordProtection
        ndes                    = $ndes
        collectedAt             = (Get-Date).ToUniversalTime().ToString('o')
    }
    [Console]::Out.WriteLine(($result | ConvertTo-Json -Depth 8 -Compress))
    exit 0
}
catch {
    $failure = @{ error = @{ code = 'HOST_READINESS_FAILED'; message = $_.Exception.Message } }
    [Console]::Out.WriteLine(($failure | ConvertTo-Json -Compress))
    exit 1
}
