# The outbound proxy as Windows keeps it: the connector's own ConfigureOutBoundProxy.ps1, netsh
# winhttp, and registry values written with Set-ItemProperty / Remove-ItemProperty.
#
# ConfigureOutBoundProxy.ps1 (reference docs/reference/domain.md section 3; docs/reference/windows-outputs/connector.md CONN-03, CONN-04):
# -ProxyAddress protocol://host[:port] (http or https; "proxy.domain.com", "test:8080",
# "1.1.1.1:8080" are refused), -BypassOnLocal, -UseSystemDefault. It writes
# <system.net><defaultProxy><proxy proxyaddress=... bypassonlocal="True" usesystemdefault="True"/>
# into the connector's and the updater's .exe.config, the block laid out as CONN-03 shows it,
# and restarts both services. The script's own text and messages were never captured: a refused
# address and an unwritable file end in an error, with .NET's own access-denied message for the
# latter. A config file the world marks "readOnly" cannot be written.
#
# netsh winhttp (netsh-winhttp.md): "set proxy proxy-server=<p> bypass-list=<b>" (or the two
# positional values), "reset proxy", "show proxy". It keeps its setting where WinHTTP reads it,
# HKLM\...\Internet Settings\Connections\WinHttpSettings, laid out as a public reimplementation of
# the command writes it (stephannn/WinHttpProxySettings: DWORD version, DWORD counter, DWORD
# flags 1 = direct, 3 = named proxy, then length-prefixed ASCII proxy and bypass list), and prints
# the NETSH-01 / NETSH-03 block.

$script:WinHttpKey = 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'

function Get-FakeInstalledConnectorFolder {
    foreach ($pair in @(
            @('C:\Program Files\Microsoft Entra private network connector', 'MicrosoftEntraPrivateNetworkConnectorService', 'MicrosoftEntraPrivateNetworkConnectorUpdaterService'),
            @('C:\Program Files\Microsoft AAD App Proxy Connector', 'ApplicationProxyConnectorService', 'ApplicationProxyConnectorUpdaterService'),
            @('C:\Program Files\Microsoft Azure AD App Proxy Connector', 'ApplicationProxyConnectorService', 'ApplicationProxyConnectorUpdaterService'))) {
        if (Test-FakeFile -Path "$($pair[0])\ConfigureOutBoundProxy.ps1" -PathType Leaf) {
            return @{ configs = @("$($pair[0])\$($pair[1]).exe.config", "$($pair[0]) Updater\$($pair[2]).exe.config") }
        }
    }
    throw 'FakeWindows: ConfigureOutBoundProxy.ps1 runs only from an installed connector folder.'
}

# The config with <defaultProxy><proxy .../> set: CONN-03's block when the file has no
# <system.net>, else the existing <defaultProxy> gets the proxy element (other children kept).
function Set-FakeConfigProxy {
    param([Parameter(Mandatory = $true)][string]$Text, [Parameter(Mandatory = $true)][string]$Address)
    $escaped = [System.Security.SecurityElement]::Escape($Address)
    if ($Text -notmatch '<system\.net>') {
        $block = "  <system.net>  `n    <defaultProxy>   `n      <proxy proxyaddress=`"$escaped`" bypassonlocal=`"True`" usesystemdefault=`"True`"/>   `n    </defaultProxy>  `n  </system.net>`n"
        return [regex]::Replace($Text, '(<configuration>\r?\n)', { param($match) $match.Groups[1].Value + $block }, 'None')
    }
    $document = New-Object -TypeName System.Xml.XmlDocument
    $document.PreserveWhitespace = $true
    $document.LoadXml($Text)
    $systemNet = $document.DocumentElement.SelectSingleNode('system.net')
    $defaultProxy = $systemNet.SelectSingleNode('defaultProxy')
    if ($null -eq $defaultProxy) { $defaultProxy = $systemNet.AppendChild($document.CreateElement('defaultProxy')) }
    $defaultProxy.RemoveAttribute('enabled')
    $proxy = $defaultProxy.SelectSingleNode('proxy')
    if ($null -eq $proxy) { $proxy = $defaultProxy.PrependChild($document.CreateElement('proxy')) }
    $proxy.SetAttribute('proxyaddress', $Address)
    $proxy.SetAttribute('bypassonlocal', 'True')
    $proxy.SetAttribute('usesystemdefault', 'True')
    return $document.OuterXml
}

function Invoke-FakeConfigureOutBoundProxy {
    [CmdletBinding()]
    param([string]$ProxyAddress, [object]$BypassOnLocal, [object]$UseSystemDefault)
    if ($ProxyAddress -notmatch '^(?i:https?)://[^/:\s]+(:[0-9]+)?/?$') { throw "ConfigureOutBoundProxy.ps1: '$ProxyAddress' is not a proxy address of the form protocol://host:port (http or https)." }
    $installed = Get-FakeInstalledConnectorFolder
    foreach ($config in $installed.configs) {
        $entry = Get-FakeFileEntry -Path $config
        if ($null -eq $entry) { throw "Could not find file '$config'." }
        if ($entry.ContainsKey('readOnly') -and $entry['readOnly']) { throw "Access to the path '$config' is denied." }
        $copy = @{}
        foreach ($key in $entry.Keys) { $copy[$key] = $entry[$key] }
        $copy['text'] = Set-FakeConfigProxy -Text ([string]$entry['text']) -Address $ProxyAddress
        Set-FakeFileEntry -Path $config -Entry $copy
    }
    # The real script's own words are not on record (docs/reference/windows-outputs/connector.md CONN-04); that it talks is: it
    # restarts both services (the cmdlets warn while a service takes its time) and reports on the
    # host. These lines stand for that, so the companion is shown never to read them as its result.
    Write-Host "Updating the proxy settings in $(@($installed.configs).Count) configuration file(s)."
    Write-FakeServiceWait -Cmdlet $PSCmdlet -Name @('WAPCSvc', 'WAPCUpdaterSvc') -Verb stop
    Write-Warning 'The connector services were restarted to apply the proxy settings.'
    $services = Get-FakeSection -Name 'services'
    foreach ($name in @('WAPCSvc', 'WAPCUpdaterSvc')) {
        if ($services -and $services.ContainsKey($name) -and -not ($services[$name].ContainsKey('failsToStart') -and $services[$name]['failsToStart'])) {
            Update-FakeWorld -Change { param($world) $world['services'][$name]['Status'] = 'Running' }
        }
    }
}

function ConvertTo-FakeWinHttpHex {
    param([int]$Counter, [string]$Proxy, [string]$Bypass)
    $dword = { param([int]$value) -join @(0..3 | ForEach-Object { (($value -shr (8 * $_)) -band 0xFF).ToString('x2') }) }
    $text = { param([string]$value) -join @($value.ToCharArray() | ForEach-Object { ([int]$_).ToString('x2') }) }
    $flags = $(if ($Proxy) { 3 } else { 1 })
    return (& $dword 0x18) + (& $dword $Counter) + (& $dword $flags) + (& $dword $Proxy.Length) + (& $text $Proxy) + (& $dword $Bypass.Length) + (& $text $Bypass)
}

function Get-FakeWinHttpCounter {
    $registry = Get-FakeSection -Name 'registry'
    if (-not $registry -or -not $registry.ContainsKey($script:WinHttpKey)) { return 0 }
    $value = $registry[$script:WinHttpKey]['WinHttpSettings']
    if ($value -isnot [hashtable]) { return 0 }
    $hex = [string]$value['hex']
    if ($hex.Length -lt 16) { return 0 }
    return [Convert]::ToInt32($hex.Substring(14, 2) + $hex.Substring(12, 2) + $hex.Substring(10, 2) + $hex.Substring(8, 2), 16)
}

function Set-FakeRegistryValue {
    param([Parameter(Mandatory = $true)][string]$Key, [Parameter(Mandatory = $true)][string]$Name, [AllowNull()]$Value)
    Update-FakeWorld -Change {
        param($world)
        if (-not $world.ContainsKey('registry') -or $null -eq $world['registry']) { $world['registry'] = @{} }
        if (-not $world['registry'].ContainsKey($Key) -or $null -eq $world['registry'][$Key]) { $world['registry'][$Key] = @{} }
        if ($null -eq $Value) { $world['registry'][$Key].Remove($Name) }
        else { $world['registry'][$Key][$Name] = $Value }
    }
}

function Invoke-FakeNetsh {
    $words = @($args | ForEach-Object { [string]$_ })
    $verb = (@(if ($words.Count -gt 0) { $words[0..([Math]::Min(2, $words.Count - 1))] }) -join ' ').ToLowerInvariant()
    switch ($verb) {
        'winhttp set proxy' {
            $named = @{}
            $positional = @()
            foreach ($word in @(if ($words.Count -gt 3) { $words[3..($words.Count - 1)] })) {
                if ($word -match '^(proxy-server|bypass-list)=(.*)$') { $named[$Matches[1].ToLowerInvariant()] = $Matches[2].Trim('"') }
                else { $positional += , $word.Trim('"') }
            }
            $proxy = $(if ($named.ContainsKey('proxy-server')) { $named['proxy-server'] } elseif ($positional.Count -gt 0) { $positional[0] } else { '' })
            $bypass = $(if ($named.ContainsKey('bypass-list')) { $named['bypass-list'] } elseif ($positional.Count -gt 1) { $positional[1] } else { '' })
            if (-not $proxy) { 'The syntax supplied for this command is not valid. Check help for the correct syntax.'; Set-FakeExitCode 1; return }
            Set-FakeRegistryValue -Key $script:WinHttpKey -Name 'WinHttpSettings' -Value @{ type = 'binary'; hex = (ConvertTo-FakeWinHttpHex -Counter ((Get-FakeWinHttpCounter) + 1) -Proxy $proxy -Bypass $bypass) }
            ''
            'Current WinHTTP proxy settings:'
            ''
            "    Proxy Server(s) :  $proxy"
            "    Bypass List     :  $(if ($bypass) { $bypass } else { '(none)' })"
            ''
            Set-FakeExitCode 0
        }
        'winhttp reset proxy' {
            Set-FakeRegistryValue -Key $script:WinHttpKey -Name 'WinHttpSettings' -Value @{ type = 'binary'; hex = (ConvertTo-FakeWinHttpHex -Counter ((Get-FakeWinHttpCounter) + 1) -Proxy '' -Bypass '') }
            ''
            'Current WinHTTP proxy settings:'
            ''
            '    Direct access (no proxy server).'
            ''
            Set-FakeExitCode 0
        }
        default { "The following command was not found: $($words -join ' ')."; Set-FakeExitCode 1 }
    }
}

# Set-ItemProperty / Remove-ItemProperty on registry paths: typed as the registry stores them;
# a key the token may not write writes Windows' "Requested registry access is not allowed."
function Set-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string]$Name, [Parameter(Position = 2)][object]$Value, [string]$Type, [switch]$Force)
    $targets = @(if ($LiteralPath) { $LiteralPath } else { $Path })
    if (-not (Test-FakePath -Path $targets)) { return Microsoft.PowerShell.Management\Set-ItemProperty @PSBoundParameters }
    foreach ($target in $targets) {
        $kind = Get-FakePathKind -Path $target
        if ($kind.world -ne 'registry') { throw "FakeWindows: Set-ItemProperty is faked for registry paths only; got $target." }
        if (-not (Test-FakeRegistryKey -Key $kind.path)) { Write-FakeRegistryMissing -Cmdlet $PSCmdlet -DisplayPath $target; continue }
        if (Test-FakeRegistryDenied -Key $kind.path) { Write-FakeRegistryDenied -Cmdlet $PSCmdlet -Key $kind.path; continue }
        $stored = switch ($Type) {
            'Binary' { @{ type = 'binary'; hex = (-join @(@($Value) | ForEach-Object { ([int]$_).ToString('x2') })) } }
            'DWord' { [int]$Value }
            default { [string]$Value }
        }
        Set-FakeRegistryValue -Key $kind.path -Name $Name -Value $stored
    }
}

function Remove-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string[]]$Name, [switch]$Force)
    $targets = @(if ($LiteralPath) { $LiteralPath } else { $Path })
    if (-not (Test-FakePath -Path $targets)) { return Microsoft.PowerShell.Management\Remove-ItemProperty @PSBoundParameters }
    foreach ($target in $targets) {
        $kind = Get-FakePathKind -Path $target
        if ($kind.world -ne 'registry') { throw "FakeWindows: Remove-ItemProperty is faked for registry paths only; got $target." }
        if (Test-FakeRegistryDenied -Key $kind.path) { Write-FakeRegistryDenied -Cmdlet $PSCmdlet -Key $kind.path; continue }
        foreach ($one in $Name) {
            $values = (Get-FakeRegistryIndex)[$kind.path]
            if ($null -eq $values -or -not $values.ContainsKey($one)) {
                Write-FakeError -Cmdlet $PSCmdlet -Message "Property $one does not exist at path $((Get-FakeRegistryProviderPath -Key $kind.path).Substring(36))." -ErrorId 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.RemoveItemPropertyCommand' -Category InvalidArgument -Target $one -ExceptionType 'System.Management.Automation.PSArgumentException'
                continue
            }
            Set-FakeRegistryValue -Key $kind.path -Name $one -Value $null
        }
    }
}

foreach ($folder in @('C:\Program Files\Microsoft Entra private network connector', 'C:\Program Files\Microsoft AAD App Proxy Connector', 'C:\Program Files\Microsoft Azure AD App Proxy Connector')) {
    Set-Alias -Name "$folder\ConfigureOutBoundProxy.ps1" -Value 'Invoke-FakeConfigureOutBoundProxy'
}
foreach ($folder in @('C:\Windows\system32', [Environment]::SystemDirectory) | Select-Object -Unique) {
    Set-Alias -Name "$folder\netsh.exe" -Value 'Invoke-FakeNetsh'
}
