<#
.SYNOPSIS
    Reads the private network connector on this server: generation, version, services, proxy
    settings, trust certificate and its newest errors.

.DESCRIPTION
    Reads only; changes nothing. Prints one JSON document of facts (the companion judges them);
    progress lines start with "::progress::". A fact that cannot be read is null and its reason
    is listed under "problems". Works in Windows PowerShell 5.1 and in ConstrainedLanguage mode.
    Event messages are kept as Windows wrote them (translated on localized servers): they are
    shown to the admin, never parsed.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Get-ConnectorState.ps1
#>
[CmdletBinding()]
param()

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput
$script:CompanionProblems = @()
$EventsPerLog = 10

# Newest error and warning events of one log (optionally one source). No matching event, no such
# log or no such source (the connector not installed yet) is an empty answer, not a failure.
function Get-RecentEvent {
    param([Parameter(Mandatory = $true)][string]$LogName, [string]$ProviderName, [int[]]$Level = @(1, 2, 3))
    $filter = @{ LogName = $LogName; Level = $Level }
    if ($ProviderName) { $filter['ProviderName'] = $ProviderName }
    try {
        $events = @(Get-WinEvent -FilterHashtable $filter -MaxEvents $EventsPerLog -ErrorAction Stop)
    }
    catch {
        if ([string]$_.FullyQualifiedErrorId -match '^(NoMatchingEventsFound|NoMatchingLogsFound|NoMatchingProvidersFound)') { return }
        throw
    }
    foreach ($event in $events) {
        [ordered]@{
            log     = $LogName
            id      = [int]$event.Id
            level   = [int]$event.Level
            time    = ConvertTo-IsoDate -Value $event.TimeCreated
            source  = [string]$event.ProviderName
            message = [string]$event.Message
        }
    }
}

# TrustSettings.xml names the connector's client certificate (connector.md CONN-05): in the
# computer store, or after an automatic renewal in Network Service's own store.
function Get-TrustCertificate {
    param([Parameter(Mandatory = $true)][hashtable]$Connector)
    $programData = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList' -Name 'ProgramData'
    if (-not $programData) { throw 'The ProgramData folder is not recorded in the registry (ProfileList).' }
    $file = "$programData\Microsoft\$($Connector.dataFolder)\Config\TrustSettings.xml"
    if (-not (Test-Path -LiteralPath $file)) { return [ordered]@{ settingsFile = $file; present = $false; thumbprint = $null; isInUserStore = $null; found = $false; subject = $null; issuer = $null; notAfter = $null } }
    [xml]$settings = Get-Content -LiteralPath $file -Raw
    $trust = @(Get-XmlChild -Node $settings.DocumentElement -Name 'CloudProxyTrust')
    $thumbprint = $null
    $inUserStore = $null
    if ($trust.Count -gt 0) {
        $thumbprintNode = @(Get-XmlChild -Node $trust[0] -Name 'Thumbprint')
        $userStoreNode = @(Get-XmlChild -Node $trust[0] -Name 'IsInUserStore')
        if ($thumbprintNode.Count -gt 0) { $thumbprint = ([string]$thumbprintNode[0].InnerText).Trim().ToUpperInvariant() }
        if ($userStoreNode.Count -gt 0) { $inUserStore = ([string]$userStoreNode[0].InnerText).Trim() -eq 'true' }
    }
    $certificate = $null
    # Network Service's store is not readable from here; only the computer store is looked in.
    if ($thumbprint -and -not $inUserStore) {
        $certificate = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\My' | Where-Object { ([string]$_.Thumbprint).ToUpperInvariant() -eq $thumbprint }) | Select-Object -First 1
    }
    [ordered]@{
        settingsFile  = $file
        present       = $true
        thumbprint    = $thumbprint
        isInUserStore = $inUserStore
        found         = ($null -ne $certificate)
        subject       = $(if ($certificate) { [string]$certificate.Subject } else { $null })
        issuer        = $(if ($certificate) { [string]$certificate.Issuer } else { $null })
        notAfter      = $(if ($certificate) { ConvertTo-IsoDate -Value $certificate.NotAfter } else { $null })
    }
}

try {
    $facts = [ordered]@{}
    Write-CompanionProgress -Message 'Looking for the private network connector'
    $script:FoundConnector = $null
    Add-Fact -Facts $facts -Name 'install' -Read {
        $found = Find-Connector
        $script:FoundConnector = $found
        if (-not $found) { return [ordered]@{ installed = $false; generation = $null; directory = $null; version = $null; modulePath = $null; moduleName = $null; moduleFound = $false } }
        $serviceExe = @(Get-ChildItem -LiteralPath $found.directory -Filter '*ConnectorService.exe')
        [ordered]@{
            installed   = $true
            generation  = $found.generation
            directory   = $found.directory
            version     = $(if ($serviceExe.Count -gt 0) { [string]$serviceExe[0].VersionInfo.FileVersion } else { $null })
            modulePath  = $found.modulePath
            moduleName  = $found.moduleName
            moduleFound = [bool](Test-Path -LiteralPath "$($found.modulePath)$($found.moduleName)")
        }
    }
    $connector = $script:FoundConnector
    Add-Fact -Facts $facts -Name 'services' -Collection -Read { Get-ServiceFact -Name @('WAPCSvc', 'WAPCUpdaterSvc') }

    Write-CompanionProgress -Message 'Reading its proxy settings'
    Add-Fact -Facts $facts -Name 'configs' -Collection -Read {
        if ($connector) {
            foreach ($config in @($connector.serviceConfig, $connector.updaterConfig)) {
                if (Test-Path -LiteralPath $config) { Get-DefaultProxy -ConfigPath $config }
            }
        }
    }
    Add-Fact -Facts $facts -Name 'useDefaultProxyForBackendRequests' -Read {
        if ($connector) { Get-RegistryValue -Key $connector.registryKey -Name 'UseDefaultProxyForBackendRequests' }
    }

    Write-CompanionProgress -Message 'Reading its trust certificate and recent errors'
    $facts['trust'] = $null
    $facts['recentEvents'] = @()
    if ($connector) {
        Add-Fact -Facts $facts -Name 'trust' -Read { Get-TrustCertificate -Connector $connector }
        Add-Fact -Facts $facts -Name 'recentEvents' -Collection -Read {
            Get-RecentEvent -LogName $connector.adminLog
            Get-RecentEvent -LogName 'Application' -ProviderName $connector.eventSource -Level @(1, 2)
        }
    }

    $facts['problems'] = @($script:CompanionProblems)
    $facts['collectedAt'] = (Get-Date).ToUniversalTime().ToString('o')
    Write-CompanionResult -Result $facts
    exit 0
}
catch {
    Write-CompanionFailure -Code 'CONNECTOR_STATE_FAILED' -ErrorRecord $_
    exit 1
}
