<#
.SYNOPSIS
    Reports which server the companion runs on.

.DESCRIPTION
    Prints one JSON document: computer name, OS caption and build, PowerShell version and
    language mode, whether the session is elevated, and whether this is Server Core. Progress
    lines start with "::progress::" and are not part of the result. Reads only; changes nothing.
    Works in Windows PowerShell 5.1 and in ConstrainedLanguage mode.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Get-HostIdentity.ps1
#>
[CmdletBinding()]
param()

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput

try {
    Write-CompanionProgress -Message 'Reading the operating system'
    $os = Get-CimInstance -ClassName Win32_OperatingSystem -OperationTimeoutSec 15
    $computer = Get-CimInstance -ClassName Win32_ComputerSystem -OperationTimeoutSec 15
    $installationType = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name 'InstallationType'

    Write-CompanionProgress -Message 'Checking elevation'
    $elevated = Get-ProcessElevation

    Write-CompanionResult -Result ([ordered]@{
            computerName = [string]$computer.Name
            dnsHostName  = [string]$computer.DNSHostName
            domain       = [string]$computer.Domain
            osCaption    = [string]$os.Caption
            osBuild      = [int]$os.BuildNumber
            psVersion    = [string]$PSVersionTable.PSVersion
            languageMode = [string]$ExecutionContext.SessionState.LanguageMode
            elevated     = [bool]$elevated
            serverCore   = ($installationType -eq 'Server Core')
        })
    exit 0
}
catch {
    Write-CompanionFailure -Code 'HOST_IDENTITY_FAILED' -ErrorRecord $_
    exit 1
}
