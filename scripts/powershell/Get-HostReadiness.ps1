<#
.SYNOPSIS
    Gathers every host and NDES/IIS fact the companion's readiness checks need, in one run.

.DESCRIPTION
    Reads only; changes nothing. Prints one JSON document of facts (no verdicts: the companion
    judges them). Progress lines start with "::progress::" and are not part of the result.
    A fact that cannot be read is null and the reason is listed under "problems", so one
    unreadable fact never hides the others. Facts come from structured sources (CIM, registry
    values, certificate objects, appcmd XML, exit codes), never from a tool's localized prose.
    Works in Windows PowerShell 5.1 and in ConstrainedLanguage mode.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Get-HostReadiness.ps1
#>
[CmdletBinding()]
param()

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput
$script:CompanionProblems = @()

$CertificateRequestAgent = '1.3.6.1.4.1.311.20.2.1'
$TemplateNameExtension = '1.3.6.1.4.1.311.20.2'
$RaTemplates = @('EnrollmentAgentOffline', 'CEPEncryption')
# A hung WMI provider costs this fact, not the whole run.
$CimTimeoutSeconds = 15
# ReferenceId of a clock that runs on itself: "LOCL" (w32tm.md W32TM-15).
$LocalClockReferenceId = '0x4C4F434C'

# The certificate template name (version 1 templates carry it as a BMPString extension).
function Get-CertificateTemplateName {
    param($Certificate)
    foreach ($extension in $Certificate.Extensions) {
        if ($extension.Oid.Value -ne $TemplateNameExtension) { continue }
        $raw = @($extension.RawData)
        if ($raw.Count -lt 2 -or $raw[0] -ne 0x1E) { return $null }
        $start = 2
        if ($raw[1] -eq 0x81) { $start = 3 } elseif ($raw[1] -eq 0x82) { $start = 4 }
        return (-join @(for ($i = $start; $i + 1 -lt $raw.Count; $i += 2) { [char](256 * $raw[$i] + $raw[$i + 1]) }))
    }
    return $null
}

function Get-CertificateProfile {
    param($Certificate)
    $ekus = @()
    $keyUsage = ''
    foreach ($extension in $Certificate.Extensions) {
        if ($extension.Oid.Value -eq '2.5.29.37') { $ekus = @(foreach ($oid in $extension.EnhancedKeyUsages) { [string]$oid.Value }) }
        if ($extension.Oid.Value -eq '2.5.29.15') { $keyUsage = [string]$extension.KeyUsages }
    }
    return @{ ekus = $ekus; keyUsage = $keyUsage; template = Get-CertificateTemplateName -Certificate $Certificate }
}

function Get-RaCertificate {
    foreach ($certificate in @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\My')) {
        $certificateProfile = Get-CertificateProfile -Certificate $certificate
        $template = $certificateProfile.template
        $isRa = ($RaTemplates -contains $template) -or ($certificateProfile.ekus -contains $CertificateRequestAgent)
        if (-not $isRa) { continue }
        $role = 'signing'
        if ($template -eq 'CEPEncryption' -or ($template -ne 'EnrollmentAgentOffline' -and $certificateProfile.keyUsage -match 'KeyEncipherment' -and $certificateProfile.keyUsage -notmatch 'DigitalSignature')) { $role = 'encryption' }
        [ordered]@{
            subject       = [string]$certificate.Subject
            issuer        = [string]$certificate.Issuer
            template      = $template
            role          = $role
            thumbprint    = [string]$certificate.Thumbprint
            notBefore     = ConvertTo-IsoDate -Value $certificate.NotBefore
            notAfter      = ConvertTo-IsoDate -Value $certificate.NotAfter
            hasPrivateKey = [bool]$certificate.HasPrivateKey
        }
    }
}

# The identity of an application pool as applicationHost.config sets it (the pool's own
# processModel, else applicationPoolDefaults, else IIS's default ApplicationPoolIdentity).
function Get-AppPoolIdentity {
    param([Parameter(Mandatory = $true)][string]$Name)
    [xml]$config = Get-Content -LiteralPath ((Get-SystemDirectory) + '\inetsrv\config\applicationHost.config') -Raw
    $pools = @(foreach ($applicationHost in @(Get-XmlChild -Node $config.DocumentElement -Name 'system.applicationHost')) { Get-XmlChild -Node $applicationHost -Name 'applicationPools' })
    $identityType = $null
    $userName = $null
    foreach ($section in $pools) {
        foreach ($defaults in @(Get-XmlChild -Node $section -Name 'applicationPoolDefaults')) {
            foreach ($model in @(Get-XmlChild -Node $defaults -Name 'processModel')) {
                $identityType = Get-XmlAttribute -Node $model -Name 'identityType'
                $userName = Get-XmlAttribute -Node $model -Name 'userName'
            }
        }
        foreach ($add in @(Get-XmlChild -Node $section -Name 'add')) {
            if ((Get-XmlAttribute -Node $add -Name 'name') -ne $Name) { continue }
            foreach ($model in @(Get-XmlChild -Node $add -Name 'processModel')) {
                $own = Get-XmlAttribute -Node $model -Name 'identityType'
                if ($own) { $identityType = $own }
                $ownUser = Get-XmlAttribute -Node $model -Name 'userName'
                if ($ownUser) { $userName = $ownUser }
            }
        }
    }
    if (-not $identityType) { $identityType = 'ApplicationPoolIdentity' }
    return @{ identityType = $identityType; userName = $(if ($userName) { $userName } else { $null }) }
}

function Get-AppcmdXml {
    param([Parameter(Mandatory = $true)][string]$Appcmd, [Parameter(Mandatory = $true)][string[]]$Arguments, [string]$What)
    $run = Invoke-WindowsTool -Path $Appcmd -Arguments $Arguments
    # 1168 (ERROR_NOT_FOUND): the object does not exist, which is an answer, not a failure.
    if ($run.exitCode -eq 1168) { return $null }
    # Only appcmd's own ERROR line is repeated: its other output is never copied into a message.
    if ($run.exitCode -ne 0) {
        $errorLine = @($run.lines | Where-Object { $_ -like 'ERROR (*' } | Select-Object -First 1)
        throw "appcmd $What failed with exit code $($run.exitCode)$(if ($errorLine.Count -gt 0) { ': ' + $errorLine[0].Substring(0, [Math]::Min(200, $errorLine[0].Length)) })"
    }
    return [xml]($run.lines -join "`n")
}

try {
    $facts = [ordered]@{}

    Write-CompanionProgress -Message 'Reading the operating system'
    Add-Fact -Facts $facts -Name 'os' -Read {
        $os = Get-CimInstance -ClassName Win32_OperatingSystem -OperationTimeoutSec $CimTimeoutSeconds
        $installationType = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name 'InstallationType'
        [ordered]@{
            caption     = [string]$os.Caption
            build       = [int]$os.BuildNumber
            productType = [int]$os.ProductType
            serverCore  = ($installationType -eq 'Server Core')
            lastBoot    = ConvertTo-IsoDate -Value $os.LastBootUpTime
        }
    }
    Add-Fact -Facts $facts -Name 'computer' -Read {
        $computer = Get-CimInstance -ClassName Win32_ComputerSystem -OperationTimeoutSec $CimTimeoutSeconds
        [ordered]@{
            name         = [string]$computer.Name
            dnsHostName  = [string]$computer.DNSHostName
            domain       = [string]$computer.Domain
            partOfDomain = [bool]$computer.PartOfDomain
        }
    }
    Add-Fact -Facts $facts -Name 'elevated' -Read { Get-ProcessElevation }
    $facts['languageMode'] = [string]$ExecutionContext.SessionState.LanguageMode
    $facts['psVersion'] = [string]$PSVersionTable.PSVersion

    Write-CompanionProgress -Message 'Reading .NET, TLS 1.2 and security settings'
    Add-Fact -Facts $facts -Name 'dotnetRelease' -Read { Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -Name 'Release' }
    Add-Fact -Facts $facts -Name 'tls12' -Read {
        $schannel = 'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2'
        [ordered]@{
            clientEnabled            = Get-RegistryValue -Key "$schannel\Client" -Name 'Enabled'
            clientDisabledByDefault  = Get-RegistryValue -Key "$schannel\Client" -Name 'DisabledByDefault'
            serverEnabled            = Get-RegistryValue -Key "$schannel\Server" -Name 'Enabled'
            serverDisabledByDefault  = Get-RegistryValue -Key "$schannel\Server" -Name 'DisabledByDefault'
            schUseStrongCrypto       = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319' -Name 'SchUseStrongCrypto'
            schUseStrongCryptoWow64  = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319' -Name 'SchUseStrongCrypto'
            systemDefaultTlsVersions = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319' -Name 'SystemDefaultTlsVersions'
        }
    }
    Add-Fact -Facts $facts -Name 'ieEsc' -Read {
        $components = 'HKLM:\SOFTWARE\Microsoft\Active Setup\Installed Components'
        [ordered]@{
            admins = Get-RegistryValue -Key "$components\{A509B1A7-37EF-4b3f-8CFC-4F3A74704073}" -Name 'IsInstalled'
            users  = Get-RegistryValue -Key "$components\{A509B1A8-37EF-4b3f-8CFC-4F3A74704073}" -Name 'IsInstalled'
        }
    }
    Add-Fact -Facts $facts -Name 'executionPolicies' -Collection -Read {
        foreach ($entry in @(Get-ExecutionPolicy -List)) { [ordered]@{ scope = [string]$entry.Scope; policy = [string]$entry.ExecutionPolicy } }
    }

    Write-CompanionProgress -Message 'Reading the time source and the WinHTTP proxy'
    Add-Fact -Facts $facts -Name 'time' -Read {
        $parameters = 'HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters'
        $service = @(Get-ServiceFact -Name 'W32Time')
        # w32tm /query /status prints translated labels in a fixed order; only numbers are read:
        # the leap indicator on the first line (3: not synchronised) and the ReferenceId (hex).
        $status = Invoke-WindowsTool -Path ((Get-SystemDirectory) + '\w32tm.exe') -Arguments @('/query', '/status')
        $source = Invoke-WindowsTool -Path ((Get-SystemDirectory) + '\w32tm.exe') -Arguments @('/query', '/source')
        $leap = $null
        $referenceId = $null
        if ($status.exitCode -eq 0 -and $status.lines.Count -gt 0) {
            if ($status.lines[0] -match ':\s*(\d+)') { $leap = [int]$Matches[1] }
            foreach ($line in $status.lines) { if ($null -eq $referenceId -and $line -match '\b(0x[0-9A-Fa-f]{8})\b') { $referenceId = $Matches[1].ToUpperInvariant() -replace '^0X', '0x' } }
        }
        $sourceText = ($source.lines -join ' ').Trim()
        [ordered]@{
            type           = Get-RegistryValue -Key $parameters -Name 'Type'
            ntpServer      = Get-RegistryValue -Key $parameters -Name 'NtpServer'
            serviceStatus  = $(if ($service.Count -gt 0) { $service[0].status } else { $null })
            statusExitCode = $status.exitCode
            leapIndicator  = $leap
            referenceId    = $referenceId
            localClock     = ($referenceId -eq $LocalClockReferenceId)
            source         = $(if ($source.exitCode -eq 0 -and $sourceText -ne '') { $sourceText } else { $null })
        }
    }
    Add-Fact -Facts $facts -Name 'winhttpProxy' -Read {
        ConvertFrom-WinHttpSetting -Bytes (Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' -Name 'WinHttpSettings')
    }

    Write-CompanionProgress -Message 'Looking for the private network connector'
    Add-Fact -Facts $facts -Name 'connector' -Read {
        $found = Find-Connector
        $services = @(Get-ServiceFact -Name @('WAPCSvc', 'WAPCUpdaterSvc'))
        $configs = @()
        $version = $null
        if ($found) {
            $serviceExe = @(Get-ChildItem -LiteralPath $found.directory -Filter '*ConnectorService.exe')
            if ($serviceExe.Count -gt 0) { $version = [string]$serviceExe[0].VersionInfo.FileVersion }
            foreach ($config in @($found.serviceConfig, $found.updaterConfig)) {
                if (Test-Path -LiteralPath $config) { $configs += , (Get-DefaultProxy -ConfigPath $config) }
            }
        }
        [ordered]@{ installed = ($null -ne $found); directory = $(if ($found) { $found.directory } else { $null }); version = $version; services = $services; configs = $configs }
    }
    Add-Fact -Facts $facts -Name 'passwordProtectionProxy' -Read { @(Get-ServiceFact -Name 'AzureADPasswordProtectionProxy').Count -gt 0 }

    Write-CompanionProgress -Message 'Reading NDES and IIS'
    $facts['ndes'] = $null
    if (Test-RegistryKey -Key 'HKLM:\SOFTWARE\Microsoft\Cryptography\MSCEP') {
        $ndes = [ordered]@{ roleInstalled = $true }
        $appcmd = (Get-SystemDirectory) + '\inetsrv\appcmd.exe'
        Add-Fact -Facts $ndes -Name 'appPool' -Read {
            # State from appcmd without /config: with /config appcmd prints the pool account's
            # password in clear text. The identity comes from applicationHost.config, which
            # holds the password only encrypted.
            $xml = Get-AppcmdXml -Appcmd $appcmd -Arguments @('list', 'apppool', 'SCEP', '/xml') -What 'list apppool SCEP'
            if ($null -eq $xml) { return $null }
            $pool = @(Get-XmlChild -Node $xml.DocumentElement -Name 'APPPOOL')
            if ($pool.Count -eq 0) { return $null }
            $identity = Get-AppPoolIdentity -Name 'SCEP'
            [ordered]@{
                name     = Get-XmlAttribute -Node $pool[0] -Name 'APPPOOL.NAME'
                state    = Get-XmlAttribute -Node $pool[0] -Name 'state'
                identity = $identity.identityType
                userName = $identity.userName
            }
        }
        Add-Fact -Facts $ndes -Name 'sites' -Collection -Read {
            $xml = Get-AppcmdXml -Appcmd $appcmd -Arguments @('list', 'site', '/xml') -What 'list site'
            if ($null -eq $xml) { return }
            foreach ($site in @(Get-XmlChild -Node $xml.DocumentElement -Name 'SITE')) { Get-XmlAttribute -Node $site -Name 'SITE.NAME' }
        }
        Add-Fact -Facts $ndes -Name 'requestLimits' -Read {
            # The limits that apply to mscep.dll itself: the config path of the NDES application,
            # which inherits from its site and may tighten or loosen what the site sets.
            $site = 'Default Web Site'
            if ($null -ne $ndes['sites'] -and $ndes['sites'] -notcontains $site -and @($ndes['sites']).Count -gt 0) { $site = @($ndes['sites'])[0] }
            $xml = Get-AppcmdXml -Appcmd $appcmd -Arguments @('list', 'config', "$site/CertSrv/mscep", '/section:system.webServer/security/requestFiltering') -What 'list config requestFiltering'
            if ($null -eq $xml) { throw "appcmd found no NDES application at '$site/CertSrv/mscep' to read request filtering from." }
            $limits = @(foreach ($security in @(Get-XmlChild -Node $xml.DocumentElement -Name 'security')) {
                    foreach ($filtering in @(Get-XmlChild -Node $security -Name 'requestFiltering')) { Get-XmlChild -Node $filtering -Name 'requestLimits' }
                })
            $node = $(if ($limits.Count -gt 0) { $limits[0] } else { $null })
            $maxUrl = Get-XmlAttribute -Node $node -Name 'maxUrl'
            $maxQueryString = Get-XmlAttribute -Node $node -Name 'maxQueryString'
            # Unset attributes take IIS's schema defaults (maxUrl 4096, maxQueryString 2048).
            [ordered]@{
                maxUrl                = $(if ($maxUrl) { [int64]$maxUrl } else { 4096 })
                maxQueryString        = $(if ($maxQueryString) { [int64]$maxQueryString } else { 2048 })
                maxUrlSet             = [bool]$maxUrl
                maxQueryStringSet     = [bool]$maxQueryString
            }
        }
        Add-Fact -Facts $ndes -Name 'httpSys' -Read {
            $parameters = 'HKLM:\SYSTEM\CurrentControlSet\Services\HTTP\Parameters'
            [ordered]@{
                maxFieldLength  = Get-RegistryValue -Key $parameters -Name 'MaxFieldLength'
                maxRequestBytes = Get-RegistryValue -Key $parameters -Name 'MaxRequestBytes'
            }
        }
        Add-Fact -Facts $ndes -Name 'rebootPending' -Read {
            (Test-RegistryKey -Key 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') -or
            (Test-RegistryKey -Key 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') -or
            ($null -ne (Get-RegistryValue -Key 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name 'PendingFileRenameOperations'))
        }
        Add-Fact -Facts $ndes -Name 'raCertificates' -Collection -Read { Get-RaCertificate }
        Add-Fact -Facts $ndes -Name 'mscepTemplates' -Read {
            $mscep = 'HKLM:\SOFTWARE\Microsoft\Cryptography\MSCEP'
            [ordered]@{
                signature      = Get-RegistryValue -Key $mscep -Name 'SignatureTemplate'
                encryption     = Get-RegistryValue -Key $mscep -Name 'EncryptionTemplate'
                generalPurpose = Get-RegistryValue -Key $mscep -Name 'GeneralPurposeTemplate'
            }
        }
        Add-Fact -Facts $ndes -Name 'intuneConnector' -Read {
            $uninstall = @('HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*', 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*')
            $entry = $null
            foreach ($item in @(Get-ItemProperty -Path $uninstall -ErrorAction SilentlyContinue)) {
                $displayName = $item.PSObject.Properties['DisplayName']
                if ($displayName -and @('Certificate Connector for Microsoft Intune', 'Microsoft Intune Connector') -contains [string]$displayName.Value) { $entry = $item; break }
            }
            $service = @(Get-ServiceFact -Name @('PFXCertificateConnectorSvc', 'NDESConnectorSvc'))
            $version = $null
            # The display name in Add/Remove Programs is not captured anywhere we can cite, so the
            # connector's service (SVC-03) counts as an installation too.
            if ($entry -and $entry.PSObject.Properties['DisplayVersion']) { $version = [string]$entry.DisplayVersion }
            [ordered]@{
                installed     = ($null -ne $entry) -or ($service.Count -gt 0)
                version       = $version
                serviceName   = $(if ($service.Count -gt 0) { $service[0].name } else { $null })
                serviceStatus = $(if ($service.Count -gt 0) { $service[0].status } else { $null })
            }
        }
        $facts['ndes'] = $ndes
    }

    $facts['problems'] = @($script:CompanionProblems)
    $facts['collectedAt'] = (Get-Date).ToUniversalTime().ToString('o')
    Write-CompanionResult -Result $facts
    exit 0
}
catch {
    Write-CompanionFailure -Code 'HOST_READINESS_FAILED' -ErrorRecord $_
    exit 1
}
