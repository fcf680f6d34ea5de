<#
.SYNOPSIS
    Reports when a process started, so the companion can tell a process from a later one that
    Windows gave the same id.

.DESCRIPTION
    Prints one JSON document: the process id, and its start time in UTC (ISO 8601), or null when
    no process has that id or its start time cannot be read. Reads only; changes nothing.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Get-ProcessStart.ps1 -ProcessId 4242
#>
[CmdletBinding()]
param([Parameter(Mandatory = $true)][ValidateRange(1, 2147483647)][int]$ProcessId)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput

try {
    $started = $null
    $process = Get-Process -Id $ProcessId -ErrorAction SilentlyContinue
    # StartTime throws for a process this session may not open (another user's protected one).
    if ($process) { try { $started = $process.StartTime.ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture) } catch { $started = $null } }
    Write-CompanionResult -Result ([ordered]@{ processId = $ProcessId; started = $started })
    exit 0
}
catch {
    Write-CompanionFailure -Code 'PROCESS_START_FAILED' -ErrorRecord $_
    exit 1
}
