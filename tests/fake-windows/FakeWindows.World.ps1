# The world file, path classification and error records shared by every part of the fake.

# Nested hashtables from ConvertFrom-Json's objects (Windows PowerShell 5.1 has no
# -AsHashtable); PowerShell hashtables compare keys without case, as Windows does.
function ConvertTo-FakeHashtable {
    param($Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [System.Management.Automation.PSCustomObject]) {
        $table = @{}
        foreach ($property in $Value.PSObject.Properties) { $table[$property.Name] = ConvertTo-FakeHashtable -Value $property.Value }
        return $table
    }
    if ($Value -is [System.Array]) { return , @(foreach ($item in $Value) { ConvertTo-FakeHashtable -Value $item }) }
    return $Value
}

function Get-FakeWorld {
    if ($null -eq $script:FakeWorld) {
        $file = Get-Variable -Name FakeWindowsStateFile -Scope Global -ValueOnly -ErrorAction SilentlyContinue
        if (-not $file) { throw 'FakeWindows: no world file (the host passes --state).' }
        $json = [System.IO.File]::ReadAllText($file)
        $script:FakeWorld = ConvertTo-FakeHashtable -Value (ConvertFrom-Json -InputObject $json)
    }
    return $script:FakeWorld
}
$script:FakeWorld = $null
$script:DotNetSystemDirectory = [Environment]::SystemDirectory

function Get-FakeSection {
    param([Parameter(Mandatory = $true)][string]$Name)
    $world = Get-FakeWorld
    if ($world.ContainsKey($Name)) { return $world[$Name] }
    return $null
}

# Which fake world a path belongs to: registry, certificate store or a drive letter. Returns
# $null for a path the real cmdlets should handle.
function Get-FakePathKind {
    param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Path)
    $normal = $Path -replace '/', '\'
    # What .NET reports as the system folder (empty off Windows) is the world's system32.
    if ($script:DotNetSystemDirectory -and $normal.StartsWith("$script:DotNetSystemDirectory\", [System.StringComparison]::OrdinalIgnoreCase)) { $normal = 'C:\Windows\system32' + $normal.Substring($script:DotNetSystemDirectory.Length) }
    elseif (-not $script:DotNetSystemDirectory -and $normal.StartsWith('\') -and -not $normal.StartsWith('\\')) { $normal = 'C:\Windows\system32' + $normal }
    if ($normal -match '^(?:Microsoft\.PowerShell\.Core\\)?Registry::(HKEY_LOCAL_MACHINE|HKLM|HKEY_CURRENT_USER|HKCU)(?:\\(.*))?$' -or
        $normal -match '^(HKLM|HKCU):\\?(.*)$') {
        $hive = $(if ($Matches[1] -match 'USER|HKCU') { 'HKCU' } else { 'HKLM' })
        $rest = $(if ($Matches.Count -gt 2 -and $Matches[2]) { $Matches[2].Trim('\') } else { '' })
        $rest = $rest -replace '\\{2,}', '\'
        return @{ world = 'registry'; path = $(if ($rest) { "$hive\$rest" } else { $hive }) }
    }
    if ($normal -match '^(?:Microsoft\.PowerShell\.Security\\Certificate::|Cert:\\?)(.*)$') {
        return @{ world = 'cert'; path = $Matches[1].Trim('\') }
    }
    if ($normal -match '^([A-Za-z]):\\(.*)$') {
        $rest = ($Matches[2] -replace '\\{2,}', '\').TrimEnd('\')
        return @{ world = 'file'; path = $(if ($rest) { "$($Matches[1].ToUpperInvariant()):\$rest" } else { "$($Matches[1].ToUpperInvariant()):" }) }
    }
    return $null
}

function Test-FakePath {
    param([string[]]$Path)
    foreach ($one in @($Path)) { if ($null -ne $one -and $null -ne (Get-FakePathKind -Path $one)) { return $true } }
    return $false
}

# Writes the error record a real cmdlet would write (non-terminating: -ErrorAction decides).
function Write-FakeError {
    param(
        [Parameter(Mandatory = $true)]$Cmdlet,
        [Parameter(Mandatory = $true)][string]$Message,
        [Parameter(Mandatory = $true)][string]$ErrorId,
        [Parameter(Mandatory = $true)][System.Management.Automation.ErrorCategory]$Category,
        $Target,
        [string]$ExceptionType = 'System.InvalidOperationException'
    )
    $exception = New-Object -TypeName $ExceptionType -ArgumentList $Message
    $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $exception, $ErrorId, $Category, $Target
    $Cmdlet.WriteError($record)
}
