<#
.SYNOPSIS
    Gathers what support asks for first, for the companion's support bundle: the connector's and
    the Intune Certificate Connector's event logs, the Application log's errors from the
    connector and NDES, the IIS log lines for mscep.dll with their status and substatus, and the
    tail of the connector installer's logs.

.DESCRIPTION
    Reads only; changes nothing. Prints one JSON document; progress lines start with
    "::progress::". A source that is absent (the connector not installed, no IIS log yet) is
    said as absent; one that cannot be read is said with its error, and the rest is still read.
    Event messages are kept as Windows wrote them (translated on localized servers): they are
    for a person to read, never parsed. IIS log lines are read by the columns their own
    "#Fields:" header names (IIS lets an admin choose them); the SCEP message in the query
    string is left out (it is large, and it carries the device's request), only the operation
    is kept. Works in Windows PowerShell 5.1 and in ConstrainedLanguage mode.

.PARAMETER Days
    How far back to read the event logs (1 to 30 days; 7 by default).

.PARAMETER MaxEvents
    At most this many events per log, newest first (1 to 1000; 200 by default).

.PARAMETER MaxIisLines
    At most this many mscep.dll lines per IIS log file, the newest kept (1 to 5000; 500 by default).

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Get-SupportExcerpts.ps1 -Days 2
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 30)][int]$Days = 7,
    [ValidateRange(1, 1000)][int]$MaxEvents = 200,
    [ValidateRange(1, 5000)][int]$MaxIisLines = 500
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput

# docs/reference/domain.md section 1.1 (both connector generations) and section 8.3 (Intune Certificate Connector).
$script:EventLogs = @(
    'Microsoft-Microsoft Entra private network-Connector/Admin',
    'Microsoft-Microsoft Entra private network-Updater/Admin',
    'Microsoft-AadApplicationProxy-Connector/Admin',
    'Microsoft-AadApplicationProxy-Updater/Admin',
    'Microsoft-Intune-CertificateConnectors/Admin',
    'Microsoft-Intune-CertificateConnectors/Operational'
)
# Registration failures land in the Application log under the connector's source (docs/reference/windows-outputs/connector.md
# CONN-07); NDES and the legacy Intune connector write there too (docs/reference/domain.md section 8.4 step 21).
$script:ApplicationSources = @(
    'Microsoft Entra private network connector',
    'Microsoft AAD Application Proxy Connector',
    'Microsoft-Windows-NetworkDeviceEnrollmentService',
    'NDESConnector'
)

function Read-EventExcerpt {
    param([Parameter(Mandatory = $true)][string]$LogName, [string]$ProviderName, [int[]]$Level, [Parameter(Mandatory = $true)][datetime]$Since)
    $excerpt = [ordered]@{ log = $LogName; source = $(if ($ProviderName) { $ProviderName } else { $null }); state = 'read'; detail = ''; events = @() }
    $filter = @{ LogName = $LogName; StartTime = $Since }
    if ($Level) { $filter['Level'] = $Level }
    if ($ProviderName) { $filter['ProviderName'] = $ProviderName }
    # Collected, not stopped on: one event that cannot be read or formatted (a message file gone
    # after an upgrade) must not cost the others. Error ids are the same in every language.
    $problems = @()
    try {
        $found = @(Get-WinEvent -FilterHashtable $filter -MaxEvents $MaxEvents -ErrorAction SilentlyContinue -ErrorVariable problems)
    }
    catch {
        $excerpt['state'] = 'failed'
        $excerpt['detail'] = [string]$_.Exception.Message
        return $excerpt
    }
    $other = @($problems | Where-Object { [string]$_.FullyQualifiedErrorId -notmatch '^NoMatchingEventsFound' })
    if ($other.Count -gt 0) {
        $first = $other[0]
        if ($found.Count -eq 0 -and [string]$first.FullyQualifiedErrorId -match '^(NoMatchingLogsFound|NoMatchingProvidersFound|LogsAndProvidersDontOverlap)') { $excerpt['state'] = 'absent' }
        elseif ($found.Count -eq 0) { $excerpt['state'] = 'failed' }
        $excerpt['detail'] = $(if ($found.Count -gt 0) { "$($other.Count) event(s) could not be read: " } else { '' }) + [string]$first.Exception.Message
    }
    $excerpt['events'] = @(foreach ($event in $found) {
            [ordered]@{
                time    = ConvertTo-IsoDate -Value $event.TimeCreated
                id      = [int]$event.Id
                level   = [int]$event.Level
                source  = [string]$event.ProviderName
                message = [string]$event.Message
            }
        })
    return $excerpt
}

# Where IIS writes its W3C logs: applicationHost.config's siteDefaults, else IIS's default. IIS
# itself expands %SystemDrive% in that setting.
function Get-IisLogRoot {
    $directory = '%SystemDrive%\inetpub\logs\LogFiles'
    $configPath = (Get-SystemDirectory) + '\inetsrv\config\applicationHost.config'
    if (Test-Path -LiteralPath $configPath -PathType Leaf) {
        [xml]$config = Get-Content -LiteralPath $configPath -Raw
        foreach ($applicationHost in @(Get-XmlChild -Node $config.DocumentElement -Name 'system.applicationHost')) {
            foreach ($sites in @(Get-XmlChild -Node $applicationHost -Name 'sites')) {
                foreach ($defaults in @(Get-XmlChild -Node $sites -Name 'siteDefaults')) {
                    foreach ($logFile in @(Get-XmlChild -Node $defaults -Name 'logFile')) {
                        $named = Get-XmlAttribute -Node $logFile -Name 'directory'
                        if ($named) { $directory = $named }
                    }
                }
            }
        }
    }
    # The drive of the system folder as Windows reports it; %SystemDrive% only where that is
    # empty (never on Windows), and C: as IIS's own default.
    $system = Get-SystemDirectory
    $drive = $(if ($system -match '^[A-Za-z]:') { $system.Substring(0, 2) } elseif ([string]$env:SystemDrive -match '^[A-Za-z]:$') { [string]$env:SystemDrive } else { 'C:' })
    return ($directory -replace '(?i)%SystemDrive%', $drive).TrimEnd('\')
}

# The operation of a SCEP request, and nothing else of its query string.
function Get-ScepOperation {
    param([AllowEmptyString()][string]$Query)
    if ($Query -match '(?i)(?:^|&)operation=([A-Za-z]+)') { return $Matches[1] }
    return $null
}

# One IIS log file's mscep lines, by the columns its "#Fields:" lines name (a file can change its
# fields part-way when an admin changes them). Read in blocks of 1000 lines, each block filtered
# with one -match, never whole: a busy server's log runs to hundreds of megabytes and millions of
# lines. The newest MaxIisLines raw lines are kept in a ring with their header; only those are
# parsed. IIS writes UTF-8 without a BOM, which Windows PowerShell 5.1 would read as ANSI.
function Read-IisLogFile {
    param([Parameter(Mandatory = $true)]$File)
    $script:IisHeaders = @('')
    $script:IisRingLines = @($null) * $MaxIisLines
    $script:IisRingHeaders = @(0) * $MaxIisLines
    $script:IisMatched = 0
    Get-Content -LiteralPath $File.FullName -ReadCount 1000 -Encoding UTF8 | ForEach-Object {
        $block = @($_)
        # " /certsrv/mscep": the URI stem, a column of its own; W3C logs write no raw space inside a
        # field (a user agent's spaces are "+"), so a referer or query naming NDES does not match.
        $lines = $(if (@($block -like '#Fields:*').Count -gt 0) { $block } else { @($block -match '(?i) /certsrv/mscep') })
        foreach ($line in $lines) {
            if ($line.StartsWith('#Fields:')) { $script:IisHeaders += , $line.Substring(8).Trim(); continue }
            if ($line.StartsWith('#') -or $line -notmatch '(?i) /certsrv/mscep') { continue }
            $slot = $script:IisMatched % $MaxIisLines
            $script:IisRingLines[$slot] = $line
            $script:IisRingHeaders[$slot] = $script:IisHeaders.Count - 1
            $script:IisMatched++
        }
    }
    $matched = $script:IisMatched
    $first = $(if ($matched -gt $MaxIisLines) { $matched % $MaxIisLines } else { 0 })
    $kept = $(if ($matched -lt $MaxIisLines) { $matched } else { $MaxIisLines })
    $parsed = @(for ($i = 0; $i -lt $kept; $i++) {
            $slot = ($first + $i) % $MaxIisLines
            ConvertFrom-IisLine -Line $script:IisRingLines[$slot] -Fields @($script:IisHeaders[$script:IisRingHeaders[$slot]] -split ' ')
        })
    return [ordered]@{ name = [string]$File.Name; modified = ConvertTo-IsoDate -Value $File.LastWriteTime; matched = $matched; lines = @($parsed | Where-Object { $null -ne $_ }) }
}

# One W3C line by its header's columns; $null when its cs-uri-stem is not NDES's (the match was
# another column that starts with the same path).
function ConvertFrom-IisLine {
    param([Parameter(Mandatory = $true)][string]$Line, [AllowEmptyString()][string[]]$Fields)
    $values = @($Line -split ' ')
    $row = @{}
    $count = $(if ($Fields.Count -lt $values.Count) { $Fields.Count } else { $values.Count })
    for ($i = 0; $i -lt $count; $i++) { if ($Fields[$i] -and $values[$i] -ne '-') { $row[$Fields[$i]] = $values[$i] } }
    if (-not $row.ContainsKey('cs-uri-stem') -or [string]$row['cs-uri-stem'] -notmatch '(?i)^/certsrv/mscep') { return $null }
    return [ordered]@{
        time        = $(if ($row.ContainsKey('date') -and $row.ContainsKey('time')) { [string]$row['date'] + 'T' + [string]$row['time'] + 'Z' } else { $null })
        method      = Get-IisValue -Row $row -Name 'cs-method'
        uriStem     = Get-IisValue -Row $row -Name 'cs-uri-stem'
        operation   = Get-ScepOperation -Query ([string](Get-IisValue -Row $row -Name 'cs-uri-query'))
        status      = Get-IisNumber -Row $row -Name 'sc-status'
        substatus   = Get-IisNumber -Row $row -Name 'sc-substatus'
        win32Status = Get-IisNumber -Row $row -Name 'sc-win32-status'
        timeTakenMs = Get-IisNumber -Row $row -Name 'time-taken'
        clientIp    = Get-IisValue -Row $row -Name 'c-ip'
        userAgent   = Get-IisValue -Row $row -Name 'cs(User-Agent)'
    }
}

function Get-IisValue {
    param([Parameter(Mandatory = $true)][hashtable]$Row, [Parameter(Mandatory = $true)][string]$Name)
    if ($Row.ContainsKey($Name)) { return [string]$Row[$Name] }
    return $null
}

function Get-IisNumber {
    param([Parameter(Mandatory = $true)][hashtable]$Row, [Parameter(Mandatory = $true)][string]$Name)
    if ($Row.ContainsKey($Name) -and [string]$Row[$Name] -match '^\d+$') { return [long]$Row[$Name] }
    return $null
}

# A symbolic link or junction (the file system's ReparsePoint attribute).
function Test-ReparsePoint {
    param([Parameter(Mandatory = $true)]$Item)
    return ([string]$Item.Attributes -match 'ReparsePoint')
}

function Read-IisExcerpt {
    $excerpt = [ordered]@{ folder = $null; state = 'read'; detail = ''; files = @() }
    try {
        $root = Get-IisLogRoot
        $excerpt['folder'] = $root
        if (-not (Test-Path -LiteralPath $root -PathType Container)) {
            $excerpt['state'] = 'absent'
            $excerpt['detail'] = "No IIS log folder at $root."
            return $excerpt
        }
        # The two newest files of each site, as Microsoft's NDES validator reads them (docs/reference/domain.md section 8.4).
        $read = @(foreach ($site in @(Get-ChildItem -LiteralPath $root -Directory | Where-Object { $_.Name -match '^W3SVC\d+$' })) {
                foreach ($file in @(Get-ChildItem -LiteralPath $site.FullName -Filter '*.log' -File | Where-Object { -not (Test-ReparsePoint -Item $_) } | Sort-Object -Property LastWriteTime -Descending | Select-Object -First 2)) {
                    try {
                        $one = Read-IisLogFile -File $file
                    }
                    catch {
                        $one = [ordered]@{ name = [string]$file.Name; modified = ConvertTo-IsoDate -Value $file.LastWriteTime; matched = 0; lines = @(); error = [string]$_.Exception.Message }
                    }
                    $one['site'] = [string]$site.Name
                    $one
                }
            })
        if ($read.Count -eq 0) {
            $excerpt['state'] = 'absent'
            $excerpt['detail'] = "No W3SVC log file under $root."
            return $excerpt
        }
        $excerpt['files'] = $read
    }
    catch {
        $excerpt['state'] = 'failed'
        $excerpt['detail'] = [string]$_.Exception.Message
    }
    return $excerpt
}

# The newest connector installer logs in TEMP (where Install-Connector's installer writes them),
# their last lines only.
function Read-InstallerExcerpt {
    $excerpt = [ordered]@{ folder = $null; state = 'read'; detail = ''; files = @() }
    try {
        $temp = [string]$env:TEMP
        $excerpt['folder'] = $temp
        if (-not $temp -or -not (Test-Path -LiteralPath $temp -PathType Container)) {
            $excerpt['state'] = 'absent'
            $excerpt['detail'] = 'No TEMP folder.'
            return $excerpt
        }
        # A link in TEMP could point the elevated companion at a file only administrators may read: skipped.
        $logs = @(Get-ChildItem -LiteralPath $temp -Filter '*.log' -File | Where-Object { $_.Name -match 'Connector|AppProxy|PrivateNetwork|Intune' -and -not (Test-ReparsePoint -Item $_) } | Sort-Object -Property LastWriteTime -Descending | Select-Object -First 3)
        if ($logs.Count -eq 0) {
            $excerpt['state'] = 'absent'
            $excerpt['detail'] = "No connector installer log in $temp."
            return $excerpt
        }
        # The last lines only, read from the end (-Tail), each cut to 2000 characters: a log of any
        # size costs the same. Windows Installer's own logs are UTF-16, which Get-Content reads by their BOM.
        $excerpt['files'] = @(foreach ($log in $logs) {
                try {
                    $tail = @(Get-Content -LiteralPath $log.FullName -Tail 200 | ForEach-Object { $text = [string]$_; if ($text.Length -gt 2000) { $text.Substring(0, 2000) + ' [cut]' } else { $text } })
                    [ordered]@{ name = [string]$log.Name; modified = ConvertTo-IsoDate -Value $log.LastWriteTime; bytes = [long]$log.Length; tail = $tail; error = $null }
                }
                catch {
                    [ordered]@{ name = [string]$log.Name; modified = ConvertTo-IsoDate -Value $log.LastWriteTime; bytes = [long]$log.Length; tail = @(); error = [string]$_.Exception.Message }
                }
            })
    }
    catch {
        $excerpt['state'] = 'failed'
        $excerpt['detail'] = [string]$_.Exception.Message
    }
    return $excerpt
}

try {
    $since = (Get-Date).AddDays(-$Days)
    $result = [ordered]@{ since = ConvertTo-IsoDate -Value $since; days = $Days; eventLogs = @(); iisLogs = $null; installerLogs = $null }
    Write-CompanionProgress -Message 'Reading the connector and Intune connector event logs' -Percent 10
    $logs = @(foreach ($name in $script:EventLogs) { Read-EventExcerpt -LogName $name -Since $since })
    Write-CompanionProgress -Message 'Reading the Application log for the connector and NDES' -Percent 40
    $logs += @(foreach ($source in $script:ApplicationSources) { Read-EventExcerpt -LogName 'Application' -ProviderName $source -Level @(1, 2, 3) -Since $since })
    $result['eventLogs'] = $logs
    Write-CompanionProgress -Message 'Reading the IIS logs for mscep.dll' -Percent 60
    $result['iisLogs'] = Read-IisExcerpt
    Write-CompanionProgress -Message 'Reading the connector installer logs' -Percent 90
    $result['installerLogs'] = Read-InstallerExcerpt
    Write-CompanionResult -Result $result
}
catch {
    Write-CompanionFailure -Code 'EXCERPTS_FAILED' -ErrorRecord $_
    exit 1
}
