<#
.SYNOPSIS
    Reports which server the companion runs on.

.DESCRIPTION
    Prints one JSON document: computer name, OS caption and build, PowerShell version,
    whether the session is elevated, and whether this is Server Core. Progress lines start
    with "::progress::" and are not part of the result. Reads only; changes nothing.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Get-HostIdentity.ps1
#>
[CmdletBinding()]
param()

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Write-CompanionProgress {
    param([Parameter(Mandatory)][string]$Message)
    [Console]::Out.WriteLine("::progress:: $Message")
}

try {
    Write-CompanionProgress -Message 'Reading the operating system'
    $os = Get-CimInstance -ClassName Win32_OperatingSystem

    Write-CompanionProgress -Message 'Checking elevation'
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal($identity)
    $elevated = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)

    $installationType = (Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name InstallationType -ErrorAction SilentlyContinue).InstallationType

    $result = [ordered]@{
        computerName = $env:COMPUTERNAME
        osCaption    = [string]$os.Caption
        osBuild      = [int]$os.BuildNumber
        psVersion    = $PSVersionTable.PSVersion.ToString()
        elevated     = [bool]$elevated
        serverCore   = ($installationType -eq 'Server Core')
    }
    [Console]::Out.WriteLine(($result | ConvertTo-Json -Compress))
    exit 0
}
catch {
    $failure = @{ error = @{ code = 'HOST_IDENTITY_FAILED'; message = $_.Exception.Message } }
    [Console]::Out.WriteLine(($failure | ConvertTo-Json -Compress))
    exit 1
}
