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
    try { Remove-TypeData -TypeName System.Array -ErrorAction Stop } catch { Write-Verbose 'No array type data to remove.' }
}

# Progress lines go to the host, never into a function's output, so they cannot mix with a value.
# Write-Host, because ConstrainedLanguage forbids [Console]::Out; with -File it writes to stdout.
function Write-CompanionProgress {
    param([Parameter(Mandatory = $true)][string]$Message)
    Write-Host ('::progress:: ' + (ConvertTo-AsciiText -Text $Message))
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

# The one JSON document a script prints: compact, and ASCII-only so no code page can garble it.
function Write-CompanionResult {
    param([Parameter(Mandatory = $true)]$Result)
    Write-Host (ConvertTo-AsciiText -Text (ConvertTo-Json -InputObject $Result -Depth 10 -Compress))
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

# The <defaultProxy> of a connector service's .exe.config (connector.md CONN-01..03): absent,
# disabled, or an explicit proxy with its bypass settings.
function Get-DefaultProxy {
    param([Parameter(Mandatory = $true)][string]$ConfigPath)
    [xml]$config = Get-Content -LiteralPath $ConfigPath -Raw
    $systemNet = @(Get-XmlChild -Node $config.DocumentElement -Name 'system.net')
    $defaultProxy = @(foreach ($node in $systemNet) { Get-XmlChild -Node $node -Name 'defaultProxy' })
    if ($defaultProxy.Count -eq 0) { return [ordered]@{ file = $ConfigPath; present = $false; enabled = $null; proxyAddress = $null; bypassOnLocal = $null; useSystemDefault = $null } }
    $proxy = @(Get-XmlChild -Node $defaultProxy[0] -Name 'proxy')
    $proxyNode = $(if ($proxy.Count -gt 0) { $proxy[0] } else { $null })
    return [ordered]@{
        file             = $ConfigPath
        present          = $true
        enabled          = Get-XmlAttribute -Node $defaultProxy[0] -Name 'enabled'
        proxyAddress     = Get-XmlAttribute -Node $proxyNode -Name 'proxyaddress'
        bypassOnLocal    = Get-XmlAttribute -Node $proxyNode -Name 'bypassonlocal'
        useSystemDefault = Get-XmlAttribute -Node $proxyNode -Name 'usesystemdefault'
    }
}

# The connector's two generations (renamed in 1.5.3829.0, reference domain.md section 1.1), newest first.
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

# Services by name, the ones that exist (a missing one is simply not listed).
function Get-ServiceFact {
    param([Parameter(Mandatory = $true)][string[]]$Name)
    foreach ($service in @(Get-Service -Name $Name -ErrorAction SilentlyContinue)) {
        [ordered]@{ name = [string]$service.Name; status = [string]$service.Status; startType = [string]$service.StartType }
    }
}
