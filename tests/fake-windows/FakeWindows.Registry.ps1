# The registry of the world: "registry" maps a key ("HKLM\SOFTWARE\...") to its values, and
# "registryDenied" lists keys a non-elevated token may not read. A key exists when it is listed
# or when a listed key lies under it. Values: a JSON number is a REG_DWORD (Int32), a string a
# REG_SZ, an array of strings a REG_MULTI_SZ, {"type":"binary","hex":"..."} a REG_BINARY.

function Get-FakeRegistryIndex {
    $null = Get-FakeWorld
    if ($null -eq $script:FakeRegistryIndex) {
        $keys = @{}
        $section = Get-FakeSection -Name 'registry'
        if ($section) {
            foreach ($key in $section.Keys) {
                $normal = ($key -replace '/', '\').Trim('\')
                $keys[$normal] = $section[$key]
                $parent = $normal
                while ($parent.Contains('\')) {
                    $parent = $parent.Substring(0, $parent.LastIndexOf('\'))
                    if (-not $keys.ContainsKey($parent)) { $keys[$parent] = $null }
                }
            }
        }
        $script:FakeRegistryIndex = $keys
    }
    return $script:FakeRegistryIndex
}
$script:FakeRegistryIndex = $null

function Test-FakeRegistryKey {
    param([Parameter(Mandatory = $true)][string]$Key)
    if ($Key -eq 'HKLM' -or $Key -eq 'HKCU') { return $true }
    return (Get-FakeRegistryIndex).ContainsKey($Key)
}

function Test-FakeRegistryDenied {
    param([Parameter(Mandatory = $true)][string]$Key)
    $denied = Get-FakeSection -Name 'registryDenied'
    foreach ($entry in @($denied)) {
        if ($null -eq $entry) { continue }
        $normal = ($entry -replace '/', '\').Trim('\')
        if ($Key -eq $normal -or $Key.StartsWith("$normal\", [System.StringComparison]::OrdinalIgnoreCase)) { return $true }
    }
    return $false
}

function Get-FakeRegistrySubkey {
    param([Parameter(Mandatory = $true)][string]$Key)
    $prefix = "$Key\"
    $children = foreach ($candidate in (Get-FakeRegistryIndex).Keys) {
        if ($candidate.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase) -and -not $candidate.Substring($prefix.Length).Contains('\')) { $candidate }
    }
    return @($children | Sort-Object)
}

function ConvertTo-FakeRegistryValue {
    param($Value)
    if ($Value -is [hashtable]) {
        switch ($Value['type']) {
            'binary' {
                $hex = [string]$Value['hex'] -replace '[^0-9A-Fa-f]', ''
                $bytes = New-Object -TypeName 'byte[]' -ArgumentList ($hex.Length / 2)
                for ($i = 0; $i -lt $bytes.Length; $i++) { $bytes[$i] = [Convert]::ToByte($hex.Substring(2 * $i, 2), 16) }
                return , $bytes
            }
            'qword' { return [long]$Value['value'] }
            'expand' { return [string]$Value['value'] }
            default { throw "FakeWindows: unknown registry value type '$($Value['type'])'." }
        }
    }
    if ($Value -is [System.Array]) { return , [string[]]@($Value) }
    # A DWORD comes back as Int32, so values above 0x7FFFFFFF read as negative numbers.
    if ($Value -is [long] -or $Value -is [int]) {
        $number = [long]$Value
        if ($number -gt [int]::MaxValue) { $number -= 4294967296 }
        return [int]$number
    }
    return $Value
}

function Get-FakeRegistryProviderPath {
    param([Parameter(Mandatory = $true)][string]$Key)
    $hive = $(if ($Key.StartsWith('HKCU')) { 'HKEY_CURRENT_USER' } else { 'HKEY_LOCAL_MACHINE' })
    return 'Microsoft.PowerShell.Core\Registry::' + $hive + $Key.Substring(4)
}

function Write-FakeRegistryMissing {
    param($Cmdlet, [string]$DisplayPath)
    Write-FakeError -Cmdlet $Cmdlet -Message "Cannot find path '$DisplayPath' because it does not exist." -ErrorId 'PathNotFound' -Category ObjectNotFound -Target $DisplayPath -ExceptionType 'System.Management.Automation.ItemNotFoundException'
}

function Write-FakeRegistryDenied {
    param($Cmdlet, [string]$Key)
    Write-FakeError -Cmdlet $Cmdlet -Message 'Requested registry access is not allowed.' -ErrorId 'System.Security.SecurityException' -Category PermissionDenied -Target (Get-FakeRegistryProviderPath -Key $Key) -ExceptionType 'System.Security.SecurityException'
}

# As Get-ItemProperty prints a key: its values plus the PS* properties; nothing for a key
# with no values.
function Get-FakeRegistryItemProperty {
    param($Cmdlet, [string]$Key, [string]$DisplayPath, [string[]]$Name)
    if (-not (Test-FakeRegistryKey -Key $Key)) { Write-FakeRegistryMissing -Cmdlet $Cmdlet -DisplayPath $DisplayPath; return }
    if (Test-FakeRegistryDenied -Key $Key) { Write-FakeRegistryDenied -Cmdlet $Cmdlet -Key $Key; return }
    $values = (Get-FakeRegistryIndex)[$Key]
    if ($null -eq $values -or $values.Count -eq 0) { return }
    $item = [ordered]@{}
    foreach ($valueName in @($values.Keys | Sort-Object)) {
        if ($Name -and -not ($Name | Where-Object { $valueName -like $_ })) { continue }
        $item[$valueName] = ConvertTo-FakeRegistryValue -Value $values[$valueName]
    }
    foreach ($wanted in @($Name)) {
        if ($wanted -and -not $wanted.Contains('*') -and -not $item.Contains($wanted)) {
            Write-FakeError -Cmdlet $Cmdlet -Message "Property $wanted does not exist at path $((Get-FakeRegistryProviderPath -Key $Key).Substring(36))." -ErrorId 'System.Management.Automation.PSArgumentException' -Category InvalidArgument -Target $wanted -ExceptionType 'System.Management.Automation.PSArgumentException'
        }
    }
    if ($item.Count -eq 0) { return }
    $parent = $Key.Substring(0, [Math]::Max($Key.LastIndexOf('\'), 0))
    $item['PSPath'] = Get-FakeRegistryProviderPath -Key $Key
    $item['PSParentPath'] = $(if ($parent) { Get-FakeRegistryProviderPath -Key $parent } else { '' })
    $item['PSChildName'] = $Key.Substring($Key.LastIndexOf('\') + 1)
    $item['PSDrive'] = $Key.Substring(0, 4)
    $item['PSProvider'] = 'Microsoft.PowerShell.Core\Registry'
    [pscustomobject]$item
}

function New-FakeRegistryKeyObject {
    param([string]$Key)
    $values = (Get-FakeRegistryIndex)[$Key]
    $names = @(if ($values) { $values.Keys | Sort-Object })
    [pscustomobject]@{
        Name         = $(if ($Key.StartsWith('HKCU')) { 'HKEY_CURRENT_USER' } else { 'HKEY_LOCAL_MACHINE' }) + $Key.Substring(4)
        PSChildName  = $Key.Substring($Key.LastIndexOf('\') + 1)
        PSPath       = Get-FakeRegistryProviderPath -Key $Key
        Property     = $names
        SubKeyCount  = @(Get-FakeRegistrySubkey -Key $Key).Count
        ValueCount   = $names.Count
        PSIsContainer = $true
    }
}

function Get-FakeRegistryKeyItem {
    param($Cmdlet, [string]$Key, [string]$DisplayPath)
    if (-not (Test-FakeRegistryKey -Key $Key)) { Write-FakeRegistryMissing -Cmdlet $Cmdlet -DisplayPath $DisplayPath; return }
    if (Test-FakeRegistryDenied -Key $Key) { Write-FakeRegistryDenied -Cmdlet $Cmdlet -Key $Key; return }
    New-FakeRegistryKeyObject -Key $Key
}

function Get-FakeRegistryChildItem {
    param($Cmdlet, [string]$Key, [string]$DisplayPath)
    if (-not (Test-FakeRegistryKey -Key $Key)) { Write-FakeRegistryMissing -Cmdlet $Cmdlet -DisplayPath $DisplayPath; return }
    if (Test-FakeRegistryDenied -Key $Key) { Write-FakeRegistryDenied -Cmdlet $Cmdlet -Key $Key; return }
    foreach ($child in Get-FakeRegistrySubkey -Key $Key) { New-FakeRegistryKeyObject -Key $child }
}
