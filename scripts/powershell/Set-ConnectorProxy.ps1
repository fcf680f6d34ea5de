<#
.SYNOPSIS
    Points the private network connector and its updater at an outbound proxy, through the
    connector's own ConfigureOutBoundProxy.ps1, or restores what was there before.

.DESCRIPTION
    -Action Set (the default):
      1. Reads what is there: <defaultProxy> in both services' .exe.config, the WinHTTP proxy
         (WinHttpSettings), UseDefaultProxyForBackendRequests and both services. When all of it
         already matches, nothing is changed.
      2. Checks Microsoft's Authenticode signature on ConfigureOutBoundProxy.ps1 in the
         connector's install folder (reference docs/reference/domain.md section 3).
      3. Keeps a copy of both configs and of WinHttpSettings under
         ProgramData\NDES Proxy Companion\Backups (only Administrators and SYSTEM can write
         there), listed in proxy-backups.json, newest last.
      4. Runs ConfigureOutBoundProxy.ps1 -ProxyAddress <address>, which writes
         <defaultProxy><proxy proxyaddress=... bypassonlocal="True" .../> into both configs
         and restarts both services (docs/reference/windows-outputs/connector.md CONN-03).
      5. Adds the NDES server to <bypasslist> in both configs, so requests to it never go to
         the proxy (bypassonlocal covers only dotless names and loopback).
      6. With -WinHttp Set, sets the WinHTTP proxy (netsh winhttp set proxy) with the bypass
         list "<local>;<NDES host>[;-Bypass entries][;entries already there]": the connector
         checks certificate chains and CRLs through WinHTTP (docs/reference/domain.md section 9, "Failed to
         validate chain"). WinHTTP is machine-wide: the entries already there are kept.
      7. Restarts both services and reads everything back; records what it left (hashes).
      Any failure from step 4 on puts the backed-up files and WinHTTP setting back. From step 3
      on the script prints "::phase:: changing": the companion then refuses Cancel, so the
      script always finishes or rolls back itself.

    -Action Undo restores the newest backup (the state before the companion's last proxy
    change) and drops it; -Action Remove restores the oldest (the state before the companion
    first changed the proxy) and drops them all. Either refuses when the configuration was
    changed since the companion's last change (a connector upgrade, a hand edit), when that last
    change never recorded what it left (it stopped part-way), when a backup copy is not what was
    saved, or when the companion's folder or Backups is not its own (made first by another
    account, or writable by one: Protect-CompanionFolder in Companion.Common.ps1). Paths are never read from the backup index: the copies
    are <Backups>\<id>\service|updater.exe.config and the targets are the installed
    connector's. -WhatIf reports what would change and changes nothing.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Set-ConnectorProxy.ps1 -ProxyAddress http://proxy.contoso.local:8080 -NdesHost ndes01.contoso.local -WinHttp Set
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [ValidateSet('Set', 'Undo', 'Remove')][string]$Action = 'Set',
    # protocol://host[:port], http or https, as ConfigureOutBoundProxy.ps1 requires (docs/reference/windows-outputs/connector.md CONN-04).
    [ValidatePattern('^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(:[0-9]{1,5})?/?$')][string]$ProxyAddress,
    [ValidatePattern('^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$')][string]$NdesHost,
    [ValidateSet('Set', 'Keep')][string]$WinHttp = 'Keep',
    # More WinHTTP bypass entries (internal CRL hosts, say): host names or *.suffix, ';' between.
    [ValidatePattern('^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(;(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)*$')][string]$Bypass
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput

$WinHttpKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'
$Services = @('WAPCSvc', 'WAPCUpdaterSvc')
$BackupId = '^proxy-[0-9]{8}T[0-9]{9}Z$'

$report = [ordered]@{
    action          = $Action
    whatIf          = [bool]$WhatIfPreference
    result          = $null
    refusal         = $null
    proxyAddress    = $(if ($ProxyAddress) { $ProxyAddress } else { $null })
    ndesHost        = $null
    generation      = $null
    configureScript = $null
    backendProxy    = $null
    before          = $null
    desired         = $null
    changes         = @()
    backup          = $null
    error           = $null
    rollback        = $null
    after           = $null
}

function Get-WinHttpBytes {
    $value = Get-RegistryValue -Key $WinHttpKey -Name 'WinHttpSettings'
    if ($null -eq $value) { return $null }
    return , @($value)
}

function ConvertTo-Hex {
    param($Bytes)
    if ($null -eq $Bytes) { return $null }
    return (-join @(foreach ($byte in @($Bytes)) { ([int]$byte).ToString('x2') }))
}

function Get-FileSha256 {
    param([Parameter(Mandatory = $true)][string]$Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $null }
    return [string](Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash
}

# The two configs by role; the restore targets always come from here, never from a backup index.
function Get-ConfigTarget {
    param([Parameter(Mandatory = $true)][hashtable]$Connector)
    return [ordered]@{ service = $Connector.serviceConfig; updater = $Connector.updaterConfig }
}

function Get-ProxyState {
    param([Parameter(Mandatory = $true)][hashtable]$Connector)
    $bytes = Get-WinHttpBytes
    $winHttp = ConvertFrom-WinHttpSetting -Bytes $bytes
    $winHttp['hex'] = ConvertTo-Hex -Bytes $bytes
    [ordered]@{
        configs  = @(foreach ($path in @($Connector.serviceConfig, $Connector.updaterConfig)) {
                if (Test-Path -LiteralPath $path -PathType Leaf) { Get-DefaultProxy -ConfigPath $path }
                else { [ordered]@{ file = $path; present = $false; enabled = $null; proxyAddress = $null; bypassOnLocal = $null; useSystemDefault = $null; bypassList = @(); missing = $true } }
            })
        winHttp  = $winHttp
        services = @(Get-ServiceFact -Name $Services)
    }
}

# The NDES server as the connector reaches it: given, or this computer's DNS name.
function Get-NdesHost {
    if ($NdesHost) { return $NdesHost.ToLowerInvariant() }
    return Get-ComputerDnsName
}

function Get-WinHttpProxyServer {
    param([Parameter(Mandatory = $true)][string]$Address)
    $rest = ($Address -replace '^https?://', '').TrimEnd('/')
    if ($rest -notmatch ':[0-9]+$') { $rest = $rest + $(if ($Address -like 'https:*') { ':443' } else { ':80' }) }
    return $rest.ToLowerInvariant()
}

# A proxy address as a comparable key: .NET may write it back as a URI (lower case, a trailing
# "/", the default port left out), which is the same proxy.
function ConvertTo-ProxyKey {
    param([AllowNull()][string]$Address)
    if (-not $Address) { return '' }
    $scheme = $(if ($Address -match '^(?i:https)://') { 'https' } else { 'http' })
    return "${scheme}://" + (Get-WinHttpProxyServer -Address $Address.Trim())
}

function Test-ConfigDesired {
    param($Config, [string]$Address, [string]$BypassRegex)
    return ($Config.present -and [string]$Config.enabled -ne 'false' -and (ConvertTo-ProxyKey -Address $Config.proxyAddress) -eq (ConvertTo-ProxyKey -Address $Address) -and [string]$Config.bypassOnLocal -eq 'True' -and @($Config.bypassList) -contains $BypassRegex)
}

function Get-BypassEntry {
    param([AllowNull()][string]$List)
    if (-not $List) { return }
    foreach ($entry in $List.Split(';')) { if ($entry.Trim() -ne '') { $entry.Trim() } }
}

function Test-WinHttpDesired {
    param($Current, [string]$Server, [string[]]$Entries)
    if ($Current.direct -or ([string]$Current.proxy).ToLowerInvariant() -ne $Server) { return $false }
    $have = @(Get-BypassEntry -List $Current.bypass | ForEach-Object { $_.ToLowerInvariant() })
    foreach ($entry in $Entries) { if ($have -notcontains $entry.ToLowerInvariant()) { return $false } }
    return $true
}

# Adds <add address="regex"/> to <defaultProxy>'s <bypasslist> as text, keeping the file's
# layout and line ends (ConstrainedLanguage allows no XmlDocument methods), then checks that the
# result parses and lists it, so an edit that landed anywhere else is an error, not a success.
# Read as UTF-8 (Windows PowerShell 5.1 would read a file without a BOM as ANSI); written as
# UTF-8, which .NET reads a config in, with or without the BOM 5.1 writes.
function Add-ConfigBypass {
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$Regex)
    if (@((Get-DefaultProxy -ConfigPath $Path).bypassList) -contains $Regex) { return $false }
    $text = [string](Get-Content -LiteralPath $Path -Raw -Encoding UTF8)
    $uncommented = [regex]::Replace($text, '(?s)<!--.*?-->', '')
    if ([regex]::Matches($uncommented, '<defaultProxy\b').Count -ne 1) { throw "$Path does not hold exactly one <defaultProxy>; its bypass list was left alone." }
    if (($uncommented -match '<bypasslist\s*/>' -or $uncommented -match '</bypasslist>') -and [regex]::Matches($text, '<bypasslist').Count -ne 1) { throw "$Path holds a <bypasslist> the companion cannot place safely; add $Regex to it by hand." }
    $newline = $(if ($text.Contains("`r`n")) { "`r`n" } else { "`n" })
    $element = '<add address="' + $Regex + '" />'
    if ($text -match '<bypasslist\s*/>') { $text = $text -replace '<bypasslist\s*/>', ('<bypasslist>' + $element + '</bypasslist>') }
    elseif ($text -match '</bypasslist>') { $text = $text -replace '</bypasslist>', ($element + '</bypasslist>') }
    elseif ($text -match '(?m)^([ \t]*)</defaultProxy>') {
        $indent = $Matches[1]
        $block = $indent + '  <bypasslist>' + $newline + $indent + '    ' + $element + $newline + $indent + '  </bypasslist>' + $newline + $indent + '</defaultProxy>'
        $text = $text -replace '(?m)^[ \t]*</defaultProxy>', $block
    }
    elseif ($text -match '</defaultProxy>') { $text = $text -replace '</defaultProxy>', ('<bypasslist>' + $element + '</bypasslist></defaultProxy>') }
    else { throw "$Path has no <defaultProxy> element to add the bypass list to." }
    $null = [xml]$text
    Set-Content -LiteralPath $Path -Value $text -Encoding UTF8 -NoNewline -ErrorAction Stop
    if (@((Get-DefaultProxy -ConfigPath $Path).bypassList) -notcontains $Regex) { throw "$Path does not list $Regex in its bypass list after writing it." }
    return $true
}

# Emits one line per service that did not come back.
function Restart-ConnectorService {
    foreach ($name in $Services) {
        try { Restart-Service -Name $name -Force -ErrorAction Stop }
        catch { "${name}: $($_.Exception.Message)" }
    }
}

function Get-BackupRoot { return "$(Get-ProgramDataFolder)\NDES Proxy Companion\Backups" }

# The backups, oldest first. Only ids, hashes and WinHTTP bytes are taken from the index, each
# checked for its shape; an index that does not hold to it is refused, not half-trusted.
function Read-BackupIndex {
    $file = "$(Get-BackupRoot)\proxy-backups.json"
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { return , @() }
    $hash = '^[0-9A-F]{64}$'
    $hex = '^([0-9a-f]{2})*$'
    try {
        $document = Get-Content -LiteralPath $file -Raw -Encoding UTF8 | ConvertFrom-Json
        $entries = @(foreach ($entry in @($document.backups)) {
                if ($null -eq $entry) { continue }
                if ([string]$entry.id -notmatch $BackupId) { throw "an entry's id is '$([string]$entry.id)'" }
                $files = [ordered]@{}
                foreach ($saved in @($entry.files)) {
                    if (@('service', 'updater') -notcontains [string]$saved.role) { throw "entry $($entry.id) names a file role '$([string]$saved.role)'" }
                    if ($null -ne $saved.sha256 -and [string]$saved.sha256 -notmatch $hash) { throw "entry $($entry.id) holds a hash that is not SHA-256" }
                    $files[[string]$saved.role] = $(if ($null -eq $saved.sha256) { $null } else { [string]$saved.sha256 })
                }
                $after = $null
                if ($null -ne $entry.after) {
                    $after = [ordered]@{ files = [ordered]@{}; winHttpHex = $(if ($null -eq $entry.after.winHttpHex) { $null } else { [string]$entry.after.winHttpHex }) }
                    foreach ($saved in @($entry.after.files)) {
                        if (@('service', 'updater') -notcontains [string]$saved.role -or ($null -ne $saved.sha256 -and [string]$saved.sha256 -notmatch $hash)) { throw "entry $($entry.id) has an unreadable after-state" }
                        $after.files[[string]$saved.role] = $(if ($null -eq $saved.sha256) { $null } else { [string]$saved.sha256 })
                    }
                    if ($after.winHttpHex -and $after.winHttpHex -notmatch $hex) { throw "entry $($entry.id) holds WinHTTP bytes that are not hex" }
                }
                $winHttpHex = $(if ($null -eq $entry.winHttpHex) { $null } else { [string]$entry.winHttpHex })
                if ($winHttpHex -and $winHttpHex -notmatch $hex) { throw "entry $($entry.id) holds WinHTTP bytes that are not hex" }
                [ordered]@{ id = [string]$entry.id; created = (ConvertTo-IsoDate -Value $entry.created); files = $files; winHttpHex = $winHttpHex; after = $after }
            })
    }
    catch { Stop-WithRefusal -Report $report -Reason 'backup-unreadable' -Detail "$file`: $($_.Exception.Message)" }
    return , $entries
}

function Write-BackupIndex {
    param([Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Backups)
    $list = @(foreach ($backup in $Backups) {
            [ordered]@{
                id         = $backup.id
                created    = $backup.created
                files      = @(foreach ($role in @('service', 'updater')) { [ordered]@{ role = $role; sha256 = $backup.files[$role] } })
                winHttpHex = $backup.winHttpHex
                after      = $(if ($backup.after) { [ordered]@{ files = @(foreach ($role in @('service', 'updater')) { [ordered]@{ role = $role; sha256 = $backup.after.files[$role] } }); winHttpHex = $backup.after.winHttpHex } } else { $null })
            }
        })
    Set-Content -LiteralPath "$(Get-BackupRoot)\proxy-backups.json" -Value (ConvertTo-Json -InputObject ([ordered]@{ backups = @($list) }) -Depth 6) -Encoding ASCII -ErrorAction Stop
}

function Get-CurrentFingerprint {
    param([Parameter(Mandatory = $true)][hashtable]$Connector)
    $targets = Get-ConfigTarget -Connector $Connector
    $files = [ordered]@{}
    foreach ($role in @('service', 'updater')) { $files[$role] = Get-FileSha256 -Path $targets[$role] }
    return [ordered]@{ files = $files; winHttpHex = (ConvertTo-Hex -Bytes (Get-WinHttpBytes)) }
}

function New-ProxyBackup {
    param([Parameter(Mandatory = $true)][hashtable]$Connector)
    $root = Get-BackupRoot
    $null = Protect-CompanionFolder -Path "$(Get-ProgramDataFolder)\NDES Proxy Companion"
    $null = Protect-CompanionFolder -Path $root
    $index = Read-BackupIndex
    $id = 'proxy-' + (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssfffZ')
    $folder = "$root\$id"
    $null = New-Item -ItemType Directory -Path $folder -Force -ErrorAction Stop
    $targets = Get-ConfigTarget -Connector $Connector
    $now = Get-CurrentFingerprint -Connector $Connector
    foreach ($role in @('service', 'updater')) {
        if ($now.files[$role]) {
            Copy-Item -LiteralPath $targets[$role] -Destination "$folder\$role.exe.config" -Force -ErrorAction Stop
            if ((Get-FileSha256 -Path "$folder\$role.exe.config") -ne $now.files[$role]) { throw "The copy of $($targets[$role]) in $folder is not what was read." }
        }
    }
    $entry = [ordered]@{ id = $id; created = (Get-Date).ToUniversalTime().ToString('o'); files = $now.files; winHttpHex = $now.winHttpHex; after = $null }
    Write-BackupIndex -Backups (@($index) + , $entry)
    return $entry
}

# Puts one backup back: the config files that differ from it, byte for byte, and the
# WinHttpSettings value as it was (absent again when it was absent). Emits what it could not.
function Restore-ProxyBackup {
    param([Parameter(Mandatory = $true)]$Backup, [Parameter(Mandatory = $true)][hashtable]$Connector)
    $targets = Get-ConfigTarget -Connector $Connector
    $folder = "$(Get-BackupRoot)\$($Backup.id)"
    foreach ($role in @('service', 'updater')) {
        $saved = $Backup.files[$role]
        if ($null -eq $saved -or (Get-FileSha256 -Path $targets[$role]) -eq $saved) { continue }
        try { Copy-Item -LiteralPath "$folder\$role.exe.config" -Destination $targets[$role] -Force -ErrorAction Stop }
        catch { "$($targets[$role]): $($_.Exception.Message)" }
    }
    try {
        $hex = $Backup.winHttpHex
        if ((ConvertTo-Hex -Bytes (Get-WinHttpBytes)) -ne $hex) {
            if ($hex) {
                $bytes = [byte[]]@(for ($i = 0; $i -lt $hex.Length; $i += 2) { [int]('0x' + $hex.Substring($i, 2)) })
                Set-ItemProperty -LiteralPath $WinHttpKey -Name 'WinHttpSettings' -Value $bytes -Type Binary -ErrorAction Stop
            }
            else { Remove-ItemProperty -LiteralPath $WinHttpKey -Name 'WinHttpSettings' -ErrorAction Stop }
        }
    }
    catch { "WinHttpSettings: $($_.Exception.Message)" }
}

function Remove-BackupFolder {
    param([Parameter(Mandatory = $true)][string]$Id)
    $folder = "$(Get-BackupRoot)\$Id"
    if ($Id -match $BackupId -and (Test-Path -LiteralPath $folder)) { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }
}

function Get-BackupFact {
    param([Parameter(Mandatory = $true)]$Backup, [int]$Kept)
    return [ordered]@{ id = $Backup.id; created = $Backup.created; folder = "$(Get-BackupRoot)\$($Backup.id)"; count = $Kept }
}

try {
    Write-CompanionProgress -Message 'Looking for the installed connector' -Percent 5
    $connector = Find-Connector
    if (-not $connector) { Stop-WithRefusal -Report $report -Reason 'not-installed' }
    $report['generation'] = $connector.generation
    $backend = Get-RegistryValue -Key $connector.registryKey -Name 'UseDefaultProxyForBackendRequests'
    $report['backendProxy'] = $(if ($null -eq $backend) { $null } else { [int]$backend })
    $report['before'] = Get-ProxyState -Connector $connector

    if ($Action -ne 'Set') {
        # Restore only from folders the companion made and nobody else could write: a folder
        # planted before the companion's first run (with an index of its own) is never read.
        foreach ($folder in @("$(Get-ProgramDataFolder)\NDES Proxy Companion", (Get-BackupRoot))) {
            if (-not (Test-PathEntry -Path $folder)) { continue }
            $distrust = Get-FolderDistrust -Path $folder
            if ($distrust) { Stop-WithRefusal -Report $report -Reason 'backup-untrusted' -Detail "$folder`: $distrust" }
        }
        $backups = Read-BackupIndex
        if ($backups.Count -eq 0) {
            # Backups in a folder moved aside (one the companion did not make, or an earlier
            # version's) are never used, but the admin is told where they are.
            $aside = @(Get-ChildItem -LiteralPath (Get-ProgramDataFolder) -Directory -Force -Filter 'NDES Proxy Companion.untrusted-*' -ErrorAction SilentlyContinue | Where-Object { Test-Path -LiteralPath "$($_.FullName)\Backups\proxy-backups.json" -PathType Leaf } | ForEach-Object { "$($_.FullName)\Backups" })
            Stop-WithRefusal -Report $report -Reason 'no-backup' -Detail ($aside -join '; ')
        }
        $target = $(if ($Action -eq 'Undo') { $backups[$backups.Count - 1] } else { $backups[0] })
        $report['backup'] = Get-BackupFact -Backup $target -Kept $(if ($Action -eq 'Undo') { $backups.Count - 1 } else { 0 })
        # What the companion left last time must still be there: a connector upgrade or a hand
        # edit since then would otherwise be overwritten with an older file.
        # Unknown when that change never finished (stopped mid-way, or its rollback fell short):
        # what is there now may be nobody's, so it is not overwritten blindly.
        $last = $backups[$backups.Count - 1].after
        if (-not $last) { Stop-WithRefusal -Report $report -Reason 'after-unknown' -Detail $backups[$backups.Count - 1].id }
        $now = Get-CurrentFingerprint -Connector $connector
        $changed = @(foreach ($role in @('service', 'updater')) { if ($now.files[$role] -ne $last.files[$role]) { (Get-ConfigTarget -Connector $connector)[$role] } })
        if ($now.winHttpHex -ne $last.winHttpHex) { $changed += , 'the WinHTTP proxy (WinHttpSettings)' }
        if ($changed.Count -gt 0) { Stop-WithRefusal -Report $report -Reason 'changed-since' -Detail ($changed -join '; ') }
        foreach ($role in @('service', 'updater')) {
            $saved = $target.files[$role]
            if ($null -ne $saved -and (Get-FileSha256 -Path "$(Get-BackupRoot)\$($target.id)\$role.exe.config") -ne $saved) { Stop-WithRefusal -Report $report -Reason 'backup-damaged' -Detail "$(Get-BackupRoot)\$($target.id)\$role.exe.config" }
        }
        if ($WhatIfPreference) {
            $report['result'] = 'what-if'
            Write-CompanionResult -Result $report
            exit 0
        }
        Write-Host '::phase:: changing'
        Write-CompanionProgress -Message "Restoring the proxy configuration saved at $($target.created)" -Percent 40
        $problems = @(Restore-ProxyBackup -Backup $target -Connector $connector)
        Write-CompanionProgress -Message 'Restarting both connector services' -Percent 70
        $problems = @($problems) + @(Restart-ConnectorService)
        if ($problems.Count -eq 0) {
            $keep = @(if ($Action -eq 'Undo') { $backups | Select-Object -First ($backups.Count - 1) })
            # The state now is what the kept newest backup led to; Undo checks it next time.
            if ($keep.Count -gt 0) { $keep[$keep.Count - 1]['after'] = Get-CurrentFingerprint -Connector $connector }
            $kept = @($keep | ForEach-Object { [string]$_.id })
            Write-BackupIndex -Backups $keep
            foreach ($gone in @($backups | Where-Object { $kept -notcontains [string]$_.id })) { Remove-BackupFolder -Id $gone.id }
        }
        $report['rollback'] = [ordered]@{ problems = @($problems) }
        $report['result'] = 'restored'
        $report['after'] = Get-ProxyState -Connector $connector
        Write-CompanionResult -Result $report
        exit 0
    }

    if (-not $ProxyAddress) { Stop-WithRefusal -Report $report -Reason 'no-address' }
    $address = $ProxyAddress.TrimEnd('/')
    $report['proxyAddress'] = $address
    $ndes = Get-NdesHost
    $report['ndesHost'] = $ndes
    $regex = [regex]::Escape($ndes)
    $server = Get-WinHttpProxyServer -Address $address
    $before = $report['before']
    # WinHTTP's bypass list is the whole server's: what is there stays, after ours.
    $entries = @()
    foreach ($entry in @(@('<local>', $ndes) + @(Get-BypassEntry -List $Bypass) + @(if (-not $before.winHttp.direct) { Get-BypassEntry -List $before.winHttp.bypass }))) {
        if (@($entries | ForEach-Object { $_.ToLowerInvariant() }) -notcontains $entry.ToLowerInvariant()) { $entries += , $entry }
    }
    $report['desired'] = [ordered]@{
        proxyAddress  = $address
        configBypass  = $regex
        winHttp       = $WinHttp
        winHttpProxy  = $(if ($WinHttp -eq 'Set') { $server } else { $null })
        winHttpBypass = $(if ($WinHttp -eq 'Set') { $entries -join ';' } else { $null })
    }

    $configsDone = @($before.configs | Where-Object { Test-ConfigDesired -Config $_ -Address $address -BypassRegex $regex }).Count -eq 2
    $winHttpDone = ($WinHttp -eq 'Keep') -or (Test-WinHttpDesired -Current $before.winHttp -Server $server -Entries $entries)
    $running = @($before.services | Where-Object { $_.status -eq 'Running' }).Count -eq 2
    if (-not $configsDone) { $report['changes'] += , "ConfigureOutBoundProxy.ps1 -ProxyAddress $address (both services' .exe.config, both services restarted)"; $report['changes'] += , "<bypasslist> $regex in both .exe.config" }
    if (-not $winHttpDone) { $report['changes'] += , "netsh winhttp set proxy proxy-server=$server bypass-list=$($entries -join ';')" }
    if ($configsDone -and $winHttpDone -and $running) {
        $report['result'] = 'already-configured'
        Write-CompanionResult -Result $report
        exit 0
    }
    $missing = @($before.configs | Where-Object { $_['missing'] } | ForEach-Object { [string]$_.file })
    if ($missing.Count -gt 0) { Stop-WithRefusal -Report $report -Reason 'config-missing' -Detail ($missing -join ', ') }

    Write-CompanionProgress -Message "Checking Microsoft's signature on ConfigureOutBoundProxy.ps1" -Percent 15
    $configureScript = "$($connector.directory)\ConfigureOutBoundProxy.ps1"
    if (-not (Test-Path -LiteralPath $configureScript -PathType Leaf)) { Stop-WithRefusal -Report $report -Reason 'script-missing' -Detail $configureScript }
    $signature = Get-FileSignature -Path $configureScript
    $report['configureScript'] = [ordered]@{ path = $configureScript; signature = $signature }
    if (-not $signature.isMicrosoft) { Stop-WithRefusal -Report $report -Reason 'script-not-microsoft' -Detail "$($signature.status) $($signature.signer)" }

    if ($WhatIfPreference) {
        $report['result'] = 'what-if'
        Write-CompanionResult -Result $report
        exit 0
    }

    Write-CompanionProgress -Message 'Keeping a copy of both configs and the WinHTTP proxy' -Percent 25
    $backup = New-ProxyBackup -Connector $connector
    $report['backup'] = Get-BackupFact -Backup $backup -Kept ((Read-BackupIndex).Count)
    Write-Host '::phase:: changing'

    $failure = $null
    try {
        if (-not $configsDone) {
            Write-CompanionProgress -Message "Running ConfigureOutBoundProxy.ps1 -ProxyAddress $address" -Percent 40
            $messages = @(Invoke-MicrosoftScript -Path $configureScript -Arguments @{ ProxyAddress = $address })
            foreach ($config in @($connector.serviceConfig, $connector.updaterConfig)) {
                $written = Get-DefaultProxy -ConfigPath $config
                if ((ConvertTo-ProxyKey -Address $written.proxyAddress) -ne (ConvertTo-ProxyKey -Address $address)) {
                    throw "ConfigureOutBoundProxy.ps1 did not set the proxy in $config (it reads $([string]$written.proxyAddress))$(if ($messages.Count -gt 0) { ': ' + ($messages -join ' ') } else { '.' })"
                }
            }
            Write-CompanionProgress -Message "Keeping $ndes off the proxy in both configs" -Percent 55
            foreach ($config in @($connector.serviceConfig, $connector.updaterConfig)) { $null = Add-ConfigBypass -Path $config -Regex $regex }
        }
        if (-not $winHttpDone) {
            Write-CompanionProgress -Message "Setting the WinHTTP proxy to $server" -Percent 65
            $netsh = Invoke-WindowsTool -Path ((Get-SystemDirectory) + '\netsh.exe') -Arguments @('winhttp', 'set', 'proxy', "proxy-server=$server", "bypass-list=$($entries -join ';')")
            if ($netsh.exitCode -ne 0) { throw "netsh winhttp set proxy failed with exit code $($netsh.exitCode)." }
            if (-not (Test-WinHttpDesired -Current (ConvertFrom-WinHttpSetting -Bytes (Get-WinHttpBytes)) -Server $server -Entries $entries)) { throw 'netsh winhttp set proxy returned 0, but WinHttpSettings does not hold the proxy afterwards.' }
        }
        Write-CompanionProgress -Message 'Restarting both connector services' -Percent 80
        $restart = @(Restart-ConnectorService)
        if ($restart.Count -gt 0) { $report['error'] = [ordered]@{ message = ($restart -join ' '); errorId = 'ServiceRestart' } }
    }
    catch { $failure = $_ }

    if ($failure) {
        $report['error'] = [ordered]@{ message = [string]$failure.Exception.Message; errorId = [string]$failure.FullyQualifiedErrorId }
        Write-CompanionProgress -Message 'Putting the previous configuration back' -Percent 85
        $problems = @(Restore-ProxyBackup -Backup $backup -Connector $connector)
        $problems = @($problems) + @(Restart-ConnectorService)
        if ($problems.Count -eq 0) {
            $remaining = Read-BackupIndex
            Write-BackupIndex -Backups @($remaining | Where-Object { [string]$_.id -ne [string]$backup.id })
            Remove-BackupFolder -Id $backup.id
        }
        $report['rollback'] = [ordered]@{ problems = @($problems) }
        $report['result'] = 'rolled-back'
    }
    else {
        # What the companion left, so Undo can tell whether anyone changed it since.
        $index = Read-BackupIndex
        foreach ($entry in $index) { if ($entry.id -eq $backup.id) { $entry['after'] = Get-CurrentFingerprint -Connector $connector } }
        Write-BackupIndex -Backups $index
        $report['result'] = 'changed'
    }

    Write-CompanionProgress -Message 'Reading both configs, WinHTTP and the services back' -Percent 95
    $report['after'] = Get-ProxyState -Connector $connector
    Write-CompanionResult -Result $report
    exit 0
}
catch {
    Write-CompanionFailure -Code 'CONNECTOR_PROXY_FAILED' -ErrorRecord $_
    exit 1
}
