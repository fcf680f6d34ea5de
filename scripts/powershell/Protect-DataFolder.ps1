<#
.SYNOPSIS
    Makes the companion's data folder its own before it keeps anything there.

.DESCRIPTION
    A folder already at -Path is used only when it is the companion's own: owned by
    Administrators or SYSTEM, writable by those two only, and holding the marker the companion
    wrote when it made it. Anything else (a folder a standard user made first under ProgramData,
    one an earlier version took over, a link or junction) is renamed aside whole, untouched, and
    a new folder is made: owner Administrators, full control for Administrators and SYSTEM only,
    on the folder alone (never /T over a tree someone else filled). Prints one JSON document:
    the path, whether it was made now, what was moved aside, and the folder's SDDL.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Protect-DataFolder.ps1 -Path "C:\ProgramData\NDES Proxy Companion"
#>
[CmdletBinding()]
param(
    # A local folder (drive letter, then the path): never a share, a device or a relative path.
    [Parameter(Mandatory = $true)][ValidatePattern('^[A-Za-z]:\\[^<>"|?*]+$')][string]$Path
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput

try {
    Write-CompanionProgress -Message "Checking that $Path is the companion's own"
    $folder = Protect-CompanionFolder -Path $Path.TrimEnd('\')
    Write-CompanionResult -Result ([ordered]@{ path = $Path; created = [bool]$folder.created; movedAside = @($folder.movedAside); sddl = [string]$folder.sddl })
    exit 0
}
catch {
    Write-CompanionFailure -Code 'DATA_FOLDER_FAILED' -ErrorRecord $_
    exit 1
}
