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

function Get-FakeWorldFile {
    $file = Get-Variable -Name FakeWindowsStateFile -Scope Global -ValueOnly -ErrorAction SilentlyContinue
    if (-not $file) { throw 'FakeWindows: no world file (the host passes --state).' }
    return $file
}

# The world is shared by every process of one test or lab session (a script, and the installer
# or service it starts), so it is re-read whenever the file changed since it was last read.
function Get-FakeWorldStamp {
    param([Parameter(Mandatory = $true)][string]$File)
    $info = New-Object -TypeName System.IO.FileInfo -ArgumentList $File
    $info.Refresh()
    return "$($info.LastWriteTimeUtc.Ticks):$($info.Length)"
}

function Get-FakeWorld {
    $file = Get-FakeWorldFile
    $stamp = Get-FakeWorldStamp -File $file
    if ($null -eq $script:FakeWorld -or $stamp -ne $script:FakeWorldStamp) {
        $json = [System.IO.File]::ReadAllText($file)
        $script:FakeWorld = ConvertTo-FakeHashtable -Value (ConvertFrom-Json -InputObject $json)
        if ($null -eq $script:FakeWorld) { $script:FakeWorld = @{} }
        $script:FakeWorldStamp = $stamp
        Reset-FakeWorldCache
    }
    return $script:FakeWorld
}
$script:FakeWorld = $null
$script:FakeWorldStamp = $null

function Reset-FakeWorldCache {
    $script:FakeRegistryIndex = $null
    $script:FakeFileIndex = $null
    $script:FakeStores = @{}
}

# Changes the world as Windows would (an installer writing files, a service starting): under a
# lock file, on a fresh read, written to a temporary file and renamed over the world, so another
# process never reads half a world.
function Update-FakeWorld {
    param([Parameter(Mandatory = $true)][scriptblock]$Change)
    $file = Get-FakeWorldFile
    $lock = $null
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($null -eq $lock) {
        try { $lock = [System.IO.File]::Open("$file.lock", [System.IO.FileMode]::OpenOrCreate, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None) }
        catch [System.IO.IOException] {
            if ([DateTime]::UtcNow -gt $deadline) { throw "FakeWindows: the world file stayed locked for 30 s ($file.lock)." }
            Start-Sleep -Milliseconds 20
        }
    }
    try {
        $script:FakeWorldStamp = $null
        $world = Get-FakeWorld
        & $Change $world
        $temp = "$file.$PID.tmp"
        [System.IO.File]::WriteAllText($temp, (ConvertTo-Json -InputObject $world -Depth 30), (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
        [System.IO.File]::Replace($temp, $file, [NullString]::Value)
        $script:FakeWorldStamp = $null
    }
    finally { $lock.Dispose() }
}

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
