<#
.SYNOPSIS
    Helpers shared by the companion's scripts; dot-sourced, never run on its own.

.DESCRIPTION
    Everything here works in Windows PowerShell 5.1 and in ConstrainedLanguage mode (AppLocker
    or WDAC script rules run our unsigned scripts constrained): no New-Object, no .NET method
    calls except on core types, no [Console] calls. Results are returned in hashtables rather
    than through the pipeline wherever a collection could hold one element, because the
    pipeline unwraps a one-element array into a scalar.
#>

# Windows PowerShell 5.1 writes stdout in the OEM code page. Everything we print is escaped to
# ASCII (ConvertTo-AsciiText), which reads the same in UTF-8 and in every code page, so the
# console code page is left alone: native tools' output is then decoded the same way whether
# ConstrainedLanguage (which forbids changing it) applies or not.
function Initialize-CompanionOutput {
    # 5.1's type data gives arrays a Count property that ConvertTo-Json writes as
    # {"value":[...],"Count":n} for arrays wrapped in a PSObject; without it arrays stay arrays.
    try { Remove-TypeData -TypeName System.Array -ErrorAction Stop -WhatIf:$false } catch { Write-Verbose 'No array type data to remove.' }
}

# Progress lines go to the host, never into a function's output, so they cannot mix with a value.
# Write-Host, because ConstrainedLanguage forbids [Console]::Out; with -File it writes to stdout.
# With -Percent the line starts "NN% ", which the companion shows as a progress bar.
function Write-CompanionProgress {
    param([Parameter(Mandatory = $true)][string]$Message, [ValidateRange(0, 100)][int]$Percent = -1)
    $prefix = $(if ($Percent -ge 0) { "$Percent% " } else { '' })
    # One line, always: a message from another program must not start a line of its own that the
    # companion would read as ::phase:: or ::result::.
    Write-Host ('::progress:: ' + $prefix + (ConvertTo-AsciiText -Text ($Message -replace '[\r\n]+', ' ')))
}

function ConvertTo-AsciiText {
    param([AllowEmptyString()][string]$Text)
    if ($Text -notmatch '[^\x00-\x7E]') { return $Text }
    $parts = foreach ($character in $Text.ToCharArray()) {
        $code = [int]$character
        if ($code -gt 126) { '\u{0:x4}' -f $code } else { [string]$character }
    }
    return (-join $parts)
}

# The one JSON document a script prints: on one line of its own behind "::result:: ", compact,
# and ASCII-only so no code page can garble it. Windows PowerShell's console host writes warnings
# (Restart-Service's "Waiting for service ... to stop..." every 2 s), Write-Host and information
# lines to stdout too, from our cmdlets and from Microsoft's scripts: the companion takes the
# result from this line and keeps every other line as a message.
function Write-CompanionResult {
    param([Parameter(Mandatory = $true)]$Result)
    Write-Host ('::result:: ' + (ConvertTo-AsciiText -Text (ConvertTo-Json -InputObject $Result -Depth 10 -Compress)))
}

function Write-CompanionFailure {
    param([Parameter(Mandatory = $true)][string]$Code, [Parameter(Mandatory = $true)]$ErrorRecord)
    Write-CompanionResult -Result ([ordered]@{
            error = [ordered]@{
                code     = $Code
                message  = [string]$ErrorRecord.Exception.Message
                errorId  = [string]$ErrorRecord.FullyQualifiedErrorId
                category = [string]$ErrorRecord.CategoryInfo.Category
            }
        })
}

# An action's answer when it will not act: the reason (one word the companion explains) and its
# detail, in the action's own report, and the script ends there, having changed nothing.
function Stop-WithRefusal {
    param([Parameter(Mandatory = $true)]$Report, [Parameter(Mandatory = $true)][string]$Reason, [AllowEmptyString()][string]$Detail = '')
    $Report['result'] = 'refused'
    $Report['refusal'] = [ordered]@{ reason = $Reason; detail = $Detail }
    Write-CompanionResult -Result $Report
    exit 0
}

# Reads one fact into $Facts[$Name]. A fact that cannot be read is null and its reason is kept
# in $script:CompanionProblems, so one unreadable fact never hides the others.
function Add-Fact {
    param(
        [Parameter(Mandatory = $true)][System.Collections.IDictionary]$Facts,
        [Parameter(Mandatory = $true)][string]$Name,
        [Parameter(Mandatory = $true)][scriptblock]$Read,
        [switch]$Collection
    )
    try {
        if ($Collection) { $Facts[$Name] = @(& $Read) } else { $Facts[$Name] = & $Read }
    }
    catch {
        $Facts[$Name] = $null
        $script:CompanionProblems += , ([ordered]@{
                fact     = $Name
                message  = [string]$_.Exception.Message
                errorId  = [string]$_.FullyQualifiedErrorId
                category = [string]$_.CategoryInfo.Category
            })
    }
}

function Test-RegistryKey {
    param([Parameter(Mandatory = $true)][string]$Key)
    return [bool](Test-Path -LiteralPath $Key)
}

# A registry value, or $null when the key or the value is absent. Access denied is an error, not
# an absence. The leading comma keeps REG_BINARY and one-line REG_MULTI_SZ values whole.
function Get-RegistryValue {
    param([Parameter(Mandatory = $true)][string]$Key, [Parameter(Mandatory = $true)][string]$Name)
    if (-not (Test-Path -LiteralPath $Key)) { return $null }
    $item = Get-ItemProperty -LiteralPath $Key -ErrorAction Stop
    if ($null -eq $item) { return $null }
    $property = $item.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return , $property.Value
}

# The Windows system folder as the OS reports it (never %windir%, which a user can set).
function Get-SystemDirectory {
    return [Environment]::SystemDirectory
}

# Runs a Windows tool by absolute path; returns its output lines and exit code together. A tool
# that is not there is an error, never an empty answer with a stale exit code.
function Invoke-WindowsTool {
    param([Parameter(Mandatory = $true)][string]$Path, [string[]]$Arguments = @())
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { throw "$Path is not on this server." }
    # Windows PowerShell 5.1 turns a native tool's stderr into a terminating error under 'Stop'.
    $ErrorActionPreference = 'Continue'
    $lines = @(& $Path @Arguments 2>$null | ForEach-Object { [string]$_ })
    return @{ exitCode = [int]$LASTEXITCODE; lines = $lines }
}

function ConvertTo-IsoDate {
    param($Value)
    if ($null -eq $Value) { return $null }
    return ([datetime]$Value).ToUniversalTime().ToString('o')
}

# Elevation from the token's mandatory label (whoami), by SID: language-neutral, and it works
# in ConstrainedLanguage, where [Security.Principal.WindowsIdentity] methods cannot be called.
# High (S-1-16-12288) or System (S-1-16-16384) is elevated; Medium or lower is not.
function Get-ProcessElevation {
    $run = Invoke-WindowsTool -Path ((Get-SystemDirectory) + '\whoami.exe') -Arguments @('/groups', '/fo', 'csv', '/nh')
    if ($run.exitCode -ne 0) { throw "whoami /groups failed with exit code $($run.exitCode)." }
    $labels = @(foreach ($line in $run.lines) {
            if ($line -match '"S-1-16-(\d+)"') { [int64]$Matches[1] }
        })
    if ($labels.Count -ne 1) { throw "whoami /groups listed $($labels.Count) mandatory labels; expected one." }
    return ($labels[0] -ge 12288)
}

# The children of an XML element with a given name, by property reads only (no XPath methods,
# which ConstrainedLanguage refuses).
function Get-XmlChild {
    param($Node, [Parameter(Mandatory = $true)][string]$Name)
    if ($null -eq $Node) { return }
    foreach ($child in $Node.ChildNodes) {
        if ($child.LocalName -eq $Name) { $child }
    }
}

function Get-XmlAttribute {
    param($Node, [Parameter(Mandatory = $true)][string]$Name)
    if ($null -eq $Node -or $null -eq $Node.Attributes) { return $null }
    foreach ($attribute in $Node.Attributes) {
        if ($attribute.Name -eq $Name) { return [string]$attribute.Value }
    }
    return $null
}

# The <defaultProxy> of a connector service's .exe.config (docs/reference/windows-outputs/connector.md CONN-01..03): absent,
# disabled, or an explicit proxy with its bypass settings.
function Get-DefaultProxy {
    param([Parameter(Mandatory = $true)][string]$ConfigPath)
    [xml]$config = Get-Content -LiteralPath $ConfigPath -Raw
    $systemNet = @(Get-XmlChild -Node $config.DocumentElement -Name 'system.net')
    $defaultProxy = @(foreach ($node in $systemNet) { Get-XmlChild -Node $node -Name 'defaultProxy' })
    if ($defaultProxy.Count -eq 0) { return [ordered]@{ file = $ConfigPath; present = $false; enabled = $null; proxyAddress = $null; bypassOnLocal = $null; useSystemDefault = $null; bypassList = @() } }
    $proxy = @(Get-XmlChild -Node $defaultProxy[0] -Name 'proxy')
    $proxyNode = $(if ($proxy.Count -gt 0) { $proxy[0] } else { $null })
    # <bypasslist><add address="regex"/></bypasslist>: .NET reads each address as a regular expression.
    $bypass = @(foreach ($list in @(Get-XmlChild -Node $defaultProxy[0] -Name 'bypasslist')) {
            foreach ($add in @(Get-XmlChild -Node $list -Name 'add')) { Get-XmlAttribute -Node $add -Name 'address' }
        })
    return [ordered]@{
        file             = $ConfigPath
        present          = $true
        enabled          = Get-XmlAttribute -Node $defaultProxy[0] -Name 'enabled'
        proxyAddress     = Get-XmlAttribute -Node $proxyNode -Name 'proxyaddress'
        bypassOnLocal    = Get-XmlAttribute -Node $proxyNode -Name 'bypassonlocal'
        useSystemDefault = Get-XmlAttribute -Node $proxyNode -Name 'usesystemdefault'
        bypassList       = @($bypass | Where-Object { $null -ne $_ })
    }
}

# The connector's two generations (renamed in 1.5.3829.0, reference docs/reference/domain.md section 1.1), newest first.
# Older docs also spell the old folder "Microsoft Azure AD App Proxy Connector".
$script:ConnectorGenerations = @(
    @{ generation = 'entra'; folder = 'Microsoft Entra private network connector'; service = 'MicrosoftEntraPrivateNetworkConnectorService'; updater = 'MicrosoftEntraPrivateNetworkConnectorUpdaterService'; moduleName = 'MicrosoftEntraPrivateNetworkConnectorPSModule'; registryName = 'Microsoft Entra private network connector'; dataFolder = 'Microsoft Entra private network connector'; adminLog = 'Microsoft-Microsoft Entra private network-Connector/Admin'; eventSource = 'Microsoft Entra private network connector' },
    @{ generation = 'aad'; folder = 'Microsoft AAD App Proxy Connector'; service = 'ApplicationProxyConnectorService'; updater = 'ApplicationProxyConnectorUpdaterService'; moduleName = 'AppProxyPSModule'; registryName = 'Microsoft AAD App Proxy Connector'; dataFolder = 'Microsoft AAD Application Proxy Connector'; adminLog = 'Microsoft-AadApplicationProxy-Connector/Admin'; eventSource = 'Microsoft AAD Application Proxy Connector' },
    @{ generation = 'aad'; folder = 'Microsoft Azure AD App Proxy Connector'; service = 'ApplicationProxyConnectorService'; updater = 'ApplicationProxyConnectorUpdaterService'; moduleName = 'AppProxyPSModule'; registryName = 'Microsoft AAD App Proxy Connector'; dataFolder = 'Microsoft AAD Application Proxy Connector'; adminLog = 'Microsoft-AadApplicationProxy-Connector/Admin'; eventSource = 'Microsoft AAD Application Proxy Connector' }
)

# The installed connector's names and paths, or $null when no generation is installed.
function Find-Connector {
    $programFiles = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion' -Name 'ProgramFilesDir'
    if (-not $programFiles) { throw 'The Program Files folder is not recorded in the registry (ProgramFilesDir).' }
    foreach ($names in $script:ConnectorGenerations) {
        $directory = "$programFiles\$($names.folder)"
        if (-not (Test-Path -LiteralPath $directory)) { continue }
        return @{
            generation    = $names.generation
            directory     = $directory
            serviceConfig = "$directory\$($names.service).exe.config"
            updaterConfig = "$directory Updater\$($names.updater).exe.config"
            modulePath    = "$directory\Modules\"
            moduleName    = $names.moduleName
            registryKey   = "HKLM:\SOFTWARE\Microsoft\$($names.registryName)"
            dataFolder    = $names.dataFolder
            adminLog      = $names.adminLog
            eventSource   = $names.eventSource
        }
    }
    return $null
}

# This computer's DNS name: the host, plus the domain when it is domain-joined. Microsoft Graph
# lists a connector by it (machineName), and it is how a connector here reaches NDES here.
function Get-ComputerDnsName {
    $computer = Get-CimInstance -ClassName Win32_ComputerSystem -ErrorAction Stop
    $name = [string]$computer.DNSHostName
    if ($computer.PartOfDomain -and [string]$computer.Domain) { $name = "$name.$([string]$computer.Domain)" }
    return $name.ToLowerInvariant()
}

# Services by name, the ones that exist (a missing one is simply not listed).
function Get-ServiceFact {
    param([Parameter(Mandatory = $true)][string[]]$Name)
    foreach ($service in @(Get-Service -Name $Name -ErrorAction SilentlyContinue)) {
        [ordered]@{ name = [string]$service.Name; status = [string]$service.Status; startType = [string]$service.StartType }
    }
}

# The ProgramData folder as Windows records it (the companion keeps its data there).
function Get-ProgramDataFolder {
    $programData = Get-RegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList' -Name 'ProgramData'
    if (-not $programData) { throw 'The ProgramData folder is not recorded in the registry (ProfileList).' }
    return [string]$programData
}

# Access rights an SDDL access mask can hold, by the letters SDDL writes (Microsoft's "ACE
# strings" reference), and the ones that let a holder change a folder or what is in it:
# write data or add file, append or add subfolder, write extended attributes, delete child,
# write attributes, delete, write DAC, write owner, generic write, generic all.
$script:SddlRights = @{
    CC = 0x1; DC = 0x2; LC = 0x4; SW = 0x8; RP = 0x10; WP = 0x20; DT = 0x40; LO = 0x80; CR = 0x100
    SD = 0x10000; RC = 0x20000; WD = 0x40000; WO = 0x80000
    GA = 0x10000000; GX = 0x20000000; GW = 0x40000000; GR = 0x80000000
    FA = 0x1F01FF; FR = 0x120089; FW = 0x120116; FX = 0x1200A0
}
$script:WriteRights = 0x500D0156
$script:TrustedWriters = @('BA', 'SY', 'S-1-5-32-544', 'S-1-5-18')

# Who, besides Administrators and SYSTEM, may change a folder: read from its security
# descriptor (SDDL), which names accounts by SID and is the same in every language.
function Get-UntrustedWriter {
    param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Sddl)
    $found = @()
    if ($Sddl -match '(?:^|[)])O:([A-Z]{2}|S-[0-9-]+)' -and $script:TrustedWriters -notcontains $Matches[1]) { $found += , "owner $($Matches[1])" }
    $start = $Sddl.IndexOf('D:')
    if ($start -lt 0 -or $Sddl.Contains('D:NO_ACCESS_CONTROL')) { return , @('everyone (the folder has no access list)') }
    $dacl = $Sddl.Substring($start + 2)
    $end = $dacl.IndexOf(')S:')
    if ($end -ge 0) { $dacl = $dacl.Substring(0, $end + 1) }
    foreach ($ace in [regex]::Matches($dacl, '\(([^)]*)\)')) {
        $fields = ([string]$ace.Groups[1].Value).Split(';')
        if ($fields.Count -lt 6 -or $fields[0] -ne 'A') { continue }
        $rights = [string]$fields[2]
        $mask = [int64]0
        if ($rights -match '^0[xX][0-9A-Fa-f]+$') { $mask = [int64]$rights }
        else {
            for ($i = 0; $i + 1 -lt $rights.Length; $i += 2) {
                $letters = $rights.Substring($i, 2)
                if ($script:SddlRights.ContainsKey($letters)) { $mask = $mask -bor [int64]$script:SddlRights[$letters] }
            }
        }
        $sid = [string]$fields[5]
        if (($mask -band $script:WriteRights) -ne 0 -and $script:TrustedWriters -notcontains $sid) { $found += , $sid }
    }
    return , $found
}

# The file the companion writes into each folder it makes, once that folder is its own: a random
# token only Administrators and SYSTEM can read (the folder's ACL). The token's SHA-256 is kept in
# HKLM, which only they can write. A marker anyone could have planted (before an earlier version
# took a folder over with icacls /T, say) has no hash there; one copied from the registry is a
# hash, not the token; one planted after the companion's folder was deleted cannot know the token.
$script:FolderMarker = '.ndes-proxy-companion'
$script:FolderRegistry = 'HKLM:\SOFTWARE\NDES Proxy Companion\Folders'

# Why a folder is not the companion's own, or $null when it is: a link or junction, an owner or
# a writer besides Administrators and SYSTEM, or no marker (made by someone or something else,
# or adopted by a version that took folders over). Read only: nothing is changed.
function Get-FolderDistrust {
    param([Parameter(Mandatory = $true)][string]$Path)
    # A folder whose ACL shuts Administrators out cannot be read, and is not ours either: it is
    # moved aside (renaming needs only the rights on ProgramData), not a reason to stop.
    try {
        $item = Get-Item -LiteralPath $Path -Force -ErrorAction Stop
        if (([string]$item.Attributes) -match 'ReparsePoint') { return 'it is a link or junction' }
        if (-not $item.PSIsContainer) { return 'it is a file, not a folder' }
        $sddl = [string](Get-Acl -LiteralPath $Path -ErrorAction Stop).Sddl
    }
    catch { return "it cannot be read ($($_.Exception.Message)): a link whose target is gone, or an access list that shuts Administrators out" }
    $others = Get-UntrustedWriter -Sddl $sddl
    if ($others.Count -gt 0) { return "it can be changed by $($others -join ', ')" }
    $marker = "$Path\$script:FolderMarker"
    if (-not (Test-Path -LiteralPath $marker -PathType Leaf)) { return 'the companion did not make it (no marker)' }
    $recorded = Get-RegistryValue -Key $script:FolderRegistry -Name $Path
    if ($null -eq $recorded -or [string]$recorded -cne (Get-FileHash -LiteralPath $marker -Algorithm SHA256).Hash) { return 'the companion did not make it (its marker is not the one the companion recorded)' }
    return $null
}

# Whether anything is at $Path: Test-Path follows a link, so one whose target is gone is found
# by listing its folder instead.
function Test-PathEntry {
    param([Parameter(Mandatory = $true)][string]$Path)
    if (Test-Path -LiteralPath $Path) { return $true }
    $cut = $Path.LastIndexOf('\')
    $leaf = $Path.Substring($cut + 1)
    return @(Get-ChildItem -LiteralPath $Path.Substring(0, $cut) -Force -ErrorAction SilentlyContinue | Where-Object { $_.Name -eq $leaf }).Count -gt 0
}

# Renames a folder that is not the companion's own aside, unused and untouched, and says so.
function Move-FolderAside {
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$Reason)
    $aside = (Split-Path -Leaf $Path) + '.untrusted-' + (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssfffZ')
    try { Rename-Item -LiteralPath $Path -NewName $aside -ErrorAction Stop }
    catch { throw "$Path is not the companion's own ($Reason), and it could not be moved aside ($($_.Exception.Message)). Move or delete it by hand (a link or junction: rmdir `"$Path`", which removes only the link), then run this again." }
    Write-CompanionProgress -Message "$Path was not the companion's own ($Reason); it was moved aside as $aside and is not used."
    return $Path.Substring(0, $Path.LastIndexOf('\') + 1) + $aside
}

# The companion's folder at $Path, made if needed, that only Administrators and SYSTEM can
# write. A folder already there is used only when it is the companion's own (Get-FolderDistrust);
# anything else is moved aside whole and a new one made: its contents are never taken over, so
# nothing planted in it (a backup index, an installer) is ever trusted. A new folder is created
# (never adopted: New-Item without -Force fails when someone made it meanwhile), given owner
# Administrators and only those two writers with icacls, by SID, on the folder alone; anything
# that appeared in it before the ACL held moves it aside again. Returns the folder's SDDL and
# what was moved aside.
function Protect-CompanionFolder {
    param([Parameter(Mandatory = $true)][string]$Path)
    $moved = @()
    if (Test-PathEntry -Path $Path) {
        $distrust = Get-FolderDistrust -Path $Path
        if ($null -eq $distrust) { return [ordered]@{ sddl = [string](Get-Acl -LiteralPath $Path).Sddl; created = $false; movedAside = @() } }
        $moved += , (Move-FolderAside -Path $Path -Reason $distrust)
    }
    $null = New-Item -ItemType Directory -Path $Path -ErrorAction Stop
    $icacls = (Get-SystemDirectory) + '\icacls.exe'
    foreach ($arguments in @(
            , @($Path, '/setowner', '*S-1-5-32-544', '/L', '/Q')
            , @($Path, '/inheritance:r', '/grant:r', '*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F', '/L', '/Q')
        )) {
        $run = Invoke-WindowsTool -Path $icacls -Arguments $arguments
        if ($run.exitCode -ne 0) { throw "icacls could not restrict $Path (exit code $($run.exitCode))." }
    }
    $sddl = [string](Get-Acl -LiteralPath $Path).Sddl
    $others = Get-UntrustedWriter -Sddl $sddl
    if ($others.Count -gt 0) { throw "$Path can still be changed by $($others -join ', '): only Administrators and SYSTEM may write where the companion keeps what it runs." }
    if (@(Get-ChildItem -LiteralPath $Path -Force).Count -gt 0) {
        $moved += , (Move-FolderAside -Path $Path -Reason 'something was put in it before its access list was set')
        throw "Something was put into $Path while the companion was creating it; it was moved aside. Find out what writes under ProgramData, then run this again."
    }
    $marker = "$Path\$script:FolderMarker"
    Set-Content -LiteralPath $marker -Value "Made by NDES Proxy Companion: only Administrators and SYSTEM can write here. $((New-Guid).Guid)" -Encoding ASCII -ErrorAction Stop
    if (-not (Test-Path -LiteralPath $script:FolderRegistry)) { $null = New-Item -Path $script:FolderRegistry -Force -ErrorAction Stop }
    Set-ItemProperty -LiteralPath $script:FolderRegistry -Name $Path -Value (Get-FileHash -LiteralPath $marker -Algorithm SHA256).Hash -ErrorAction Stop
    return [ordered]@{ sddl = $sddl; created = $true; movedAside = @($moved) }
}

# Whether one relative distinguished name of a certificate subject is exactly Name=Value
# ("O=Microsoft Corporation"); a value that merely contains it does not count.
function Test-SubjectPart {
    param([AllowEmptyString()][string]$Subject, [Parameter(Mandatory = $true)][string]$Part)
    foreach ($piece in [regex]::Split([string]$Subject, ',\s*(?=[A-Za-z][A-Za-z0-9.]*=)')) {
        if ($piece.Trim() -ceq $Part) { return $true }
    }
    return $false
}

# The Authenticode signature of a file: Windows' verdict (Valid means the file is unchanged
# and chains to a trusted root) and the signer; Microsoft's own when Valid and the signer's
# organisation is Microsoft Corporation.
function Get-FileSignature {
    param([Parameter(Mandatory = $true)][string]$Path)
    $signature = Get-AuthenticodeSignature -LiteralPath $Path -ErrorAction Stop
    $signer = $(if ($signature.SignerCertificate) { [string]$signature.SignerCertificate.Subject } else { $null })
    $status = [string]$signature.Status
    return [ordered]@{
        status      = $status
        signer      = $signer
        thumbprint  = $(if ($signature.SignerCertificate) { [string]$signature.SignerCertificate.Thumbprint } else { $null })
        isMicrosoft = ($status -eq 'Valid' -and (Test-SubjectPart -Subject $signer -Part 'O=Microsoft Corporation'))
    }
}

# The installed connector's version (its service's file version), or $null.
function Get-ConnectorVersion {
    param([Parameter(Mandatory = $true)][hashtable]$Connector)
    $exe = @(Get-ChildItem -LiteralPath $Connector.directory -Filter '*ConnectorService.exe')
    if ($exe.Count -eq 0) { return $null }
    return [string]$exe[0].VersionInfo.FileVersion
}

# Newest error and warning events of one log (optionally one source). No matching event, no such
# log or no such source (the connector not installed yet) is an empty answer, not a failure.
function Get-RecentEvent {
    param([Parameter(Mandatory = $true)][string]$LogName, [string]$ProviderName, [int[]]$Level = @(1, 2, 3), [datetime]$Since)
    $filter = @{ LogName = $LogName; Level = $Level }
    if ($Since) { $filter['StartTime'] = $Since }
    if ($ProviderName) { $filter['ProviderName'] = $ProviderName }
    try {
        $events = @(Get-WinEvent -FilterHashtable $filter -MaxEvents 10 -ErrorAction Stop)
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

# TrustSettings.xml names the connector's client certificate (docs/reference/windows-outputs/connector.md CONN-05): in the
# computer store, or after an automatic renewal in Network Service's own store.
function Get-TrustCertificate {
    param([Parameter(Mandatory = $true)][hashtable]$Connector)
    $file = "$(Get-ProgramDataFolder)\Microsoft\$($Connector.dataFolder)\Config\TrustSettings.xml"
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

# WinHttpSettings (REG_BINARY): DWORD size, DWORD counter, DWORD flags (1 direct, 3 proxy),
# DWORD length + proxy string, DWORD length + bypass list; absent means direct access.
function ConvertFrom-WinHttpSetting {
    param($Bytes)
    if ($null -eq $Bytes) { return [ordered]@{ present = $false; direct = $true; proxy = $null; bypass = $null } }
    $data = @($Bytes)
    $readDword = { param($at) if ($at + 4 -gt $data.Count) { throw 'WinHttpSettings is shorter than its own lengths say.' } [int64]$data[$at] + 256 * $data[$at + 1] + 65536 * $data[$at + 2] + 16777216 * $data[$at + 3] }
    $readText = { param($at, $length) if ($at + $length -gt $data.Count) { throw 'WinHttpSettings is shorter than its own lengths say.' } -join @(for ($i = $at; $i -lt $at + $length; $i++) { [char][int]$data[$i] }) }
    $flags = & $readDword 8
    $proxyLength = & $readDword 12
    $proxy = & $readText 16 $proxyLength
    $bypassLength = & $readDword (16 + $proxyLength)
    $bypass = & $readText (20 + $proxyLength) $bypassLength
    $direct = ($proxyLength -eq 0) -or (($flags -band 2) -eq 0)
    return [ordered]@{
        present = $true
        direct  = $direct
        proxy   = $(if ($proxyLength -gt 0) { $proxy } else { $null })
        bypass  = $(if ($bypassLength -gt 0) { $bypass } else { $null })
    }
}

# Runs one of Microsoft's own scripts (RegisterConnector.ps1, ConfigureOutBoundProxy.ps1) as it
# would run from a console: without our strict mode and with errors as they come, which a child
# scope would otherwise inherit and which could stop it part-way. A terminating error still
# reaches the caller; the messages of the others are returned. What it did is judged by reading
# the result back, never from its output.
function Invoke-MicrosoftScript {
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][hashtable]$Arguments)
    # *>&1: its warnings, Write-Host (information) and verbose lines are taken here, never left to
    # reach stdout on their own; they are passed on as progress, its errors returned.
    $output = & {
        param($scriptPath, $scriptArguments)
        Set-StrictMode -Off
        $ErrorActionPreference = 'Continue'
        & $scriptPath @scriptArguments *>&1
    } $Path $Arguments
    foreach ($item in @($output)) {
        if ($null -eq $item) { continue }
        $types = @($item.PSObject.TypeNames)
        if ($types -contains 'System.Management.Automation.ErrorRecord') { [string]$item.Exception.Message }
        elseif ($types -contains 'System.Management.Automation.WarningRecord') { Write-CompanionProgress -Message ("$(Split-Path -Leaf $Path): WARNING: " + [string]$item.Message) }
        elseif ([string]$item -ne '') { Write-CompanionProgress -Message ("$(Split-Path -Leaf $Path): " + [string]$item) }
    }
}
