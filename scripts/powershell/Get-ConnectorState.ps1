<#
.SYNOPSIS
    Reads the private network connector on this server: generation, version, services, proxy
    settings, trust certificate and its newest errors, and the server's DNS name.

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
    # The name Microsoft Graph lists a connector by (machineName).
    Add-Fact -Facts $facts -Name 'machineName' -Read { Get-ComputerDnsName }
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
