# Files of the world: "files" maps a Windows path to { "text": "...", "version": "1.2.3.4" } (or
# just the text); "directories" lists empty folders. Folders above a file exist. The system
# tools the fake answers exist under C:\Windows\system32 (appcmd only when "iis" is present).

function Get-FakeFileIndex {
    $null = Get-FakeWorld
    if ($null -eq $script:FakeFileIndex) {
        $entries = @{}
        $add = {
            param($path, $entry)
            $normal = (Get-FakePathKind -Path $path).path
            $entries[$normal] = $entry
            $parent = $normal
            while ($parent.Contains('\')) {
                $parent = $parent.Substring(0, $parent.LastIndexOf('\'))
                if (-not $entries.ContainsKey($parent)) { $entries[$parent] = @{ directory = $true } }
            }
        }
        $tools = @('C:\Windows\system32\whoami.exe', 'C:\Windows\system32\w32tm.exe', 'C:\Windows\system32\icacls.exe', 'C:\Windows\system32\netsh.exe', 'C:\Windows\system32\shutdown.exe')
        $iis = Get-FakeSection -Name 'iis'
        if ($null -ne $iis) {
            $tools += 'C:\Windows\system32\inetsrv\appcmd.exe'
            & $add 'C:\Windows\system32\inetsrv\config\applicationHost.config' @{ text = (New-FakeApplicationHostConfig -Iis $iis) }
        }
        foreach ($tool in $tools) { & $add $tool @{ text = ''; version = '10.0.20348.1' } }
        $files = Get-FakeSection -Name 'files'
        if ($files) {
            foreach ($path in $files.Keys) {
                $entry = $files[$path]
                if ($entry -isnot [hashtable]) { $entry = @{ text = [string]$entry } }
                & $add $path $entry
            }
        }
        foreach ($directory in @(Get-FakeSection -Name 'directories')) { if ($directory) { & $add $directory @{ directory = $true } } }
        $script:FakeFileIndex = $entries
    }
    return $script:FakeFileIndex
}
$script:FakeFileIndex = $null

# The applicationPools part of applicationHost.config, as IIS keeps it: one <add> per pool with
# its processModel, the password only ever stored encrypted.
function New-FakeApplicationHostConfig {
    param([Parameter(Mandatory = $true)][hashtable]$Iis)
    $lines = @('<?xml version="1.0" encoding="UTF-8"?>', '<configuration>', '    <system.applicationHost>', '        <applicationPools>')
    foreach ($pool in @($Iis['appPools'])) {
        if ($null -eq $pool) { continue }
        $name = [System.Security.SecurityElement]::Escape([string]$pool['name'])
        $lines += ('            <add name="{0}" managedRuntimeVersion="{1}">' -f $name, $pool['runtimeVersion'])
        if ($pool['identityType'] -and $pool['identityType'] -ne 'ApplicationPoolIdentity') {
            $password = $(if ($pool['identityType'] -eq 'SpecificUser') { ' password="[enc:IISWASOnlyCngProvider:bm90IGEgcmVhbCBzZWNyZXQ=:enc]"' } else { '' })
            $lines += ('                <processModel identityType="{0}" userName="{1}"{2} />' -f $pool['identityType'], [System.Security.SecurityElement]::Escape([string]$pool['userName']), $password)
        }
        $lines += '            </add>'
    }
    $lines += @('            <applicationPoolDefaults managedRuntimeVersion="v4.0">', '                <processModel identityType="ApplicationPoolIdentity" loadUserProfile="true" setProfileEnvironment="false" />', '            </applicationPoolDefaults>', '        </applicationPools>', '    </system.applicationHost>', '</configuration>')
    return ($lines -join "`r`n")
}

function Test-FakeFile {
    param([string]$Path, $PathType = 'Any')
    $entry = (Get-FakeFileIndex)[$Path]
    if ($null -eq $entry) { return $false }
    $isDirectory = [bool]$entry['directory']
    switch ([string]$PathType) {
        'Leaf' { return -not $isDirectory }
        'Container' { return $isDirectory }
        default { return $true }
    }
}

function New-FakeFileObject {
    param([string]$Path)
    $entry = (Get-FakeFileIndex)[$Path]
    $name = $Path.Substring($Path.LastIndexOf('\') + 1)
    $isDirectory = [bool]$entry['directory']
    $text = $(if ($isDirectory) { $null } else { [string]$entry['text'] })
    $version = $(if ($entry.ContainsKey('version')) { [string]$entry['version'] } else { $null })
    [pscustomobject]@{
        Name          = $name
        FullName      = $Path
        Extension     = $(if (-not $isDirectory -and $name.Contains('.')) { $name.Substring($name.LastIndexOf('.')) } else { '' })
        PSIsContainer = $isDirectory
        # A world entry marked "reparsePoint" is a symbolic link or junction, as Windows flags one.
        # A junction or directory symbolic link reads "Directory, ReparsePoint" ([IO.FileAttributes]).
        Attributes    = $(if ($entry.ContainsKey('reparsePoint') -and $entry['reparsePoint']) { $(if ($isDirectory) { 'Directory, ReparsePoint' } else { 'Archive, ReparsePoint' }) } elseif ($isDirectory) { 'Directory' } else { 'Archive' })
        Length        = $(if ($isDirectory) { $null } else { $text.Length })
        VersionInfo   = [pscustomobject]@{ FileVersion = $version; ProductVersion = $version; FileName = $Path }
        LastWriteTime = $(if ($entry.ContainsKey('modified')) { [datetime]::Parse([string]$entry['modified'], [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind).ToLocalTime() } else { [datetime]'2025-01-01' })
    }
}

function Write-FakeFileMissing {
    param($Cmdlet, [string]$Path)
    Write-FakeError -Cmdlet $Cmdlet -Message "Cannot find path '$Path' because it does not exist." -ErrorId 'PathNotFound' -Category ObjectNotFound -Target $Path -ExceptionType 'System.Management.Automation.ItemNotFoundException'
}

# A link or junction whose target is gone: listed in its folder, but Test-Path and Get-Item,
# which follow it in Windows PowerShell 5.1, find nothing there.
function Test-FakeDangling {
    param([string]$Path)
    $entry = (Get-FakeFileIndex)[$Path]
    return ($null -ne $entry -and $entry.ContainsKey('dangling') -and [bool]$entry['dangling'])
}

function Get-FakeFileItem {
    param($Cmdlet, [string]$Path)
    if (-not (Test-FakeFile -Path $Path) -or (Test-FakeDangling -Path $Path)) { Write-FakeFileMissing -Cmdlet $Cmdlet -Path $Path; return }
    New-FakeFileObject -Path $Path
}

# A file's alternate data stream: only Zone.Identifier, which a world file has when it carries
# "zone" (Windows writes [ZoneTransfer] ZoneId=3 for a file from the Internet). A missing stream
# is an error, as Get-Item -Stream reports it.
function Get-FakeFileStream {
    param($Cmdlet, [string]$Path, [string[]]$Stream)
    $entry = (Get-FakeFileIndex)[$Path]
    if ($null -eq $entry) { Write-FakeFileMissing -Cmdlet $Cmdlet -Path $Path; return }
    foreach ($name in $Stream) {
        if ($name -eq 'Zone.Identifier' -and $entry.ContainsKey('zone')) {
            [pscustomobject]@{ FileName = $Path; Stream = 'Zone.Identifier'; Length = 26 }
        }
        else { Write-FakeError -Cmdlet $Cmdlet -Message "Could not open the alternate data stream '$name' of the file '$Path'." -ErrorId 'AlternateDataStreamNotFound,Microsoft.PowerShell.Commands.GetItemCommand' -Category ObjectNotFound -Target $Path -ExceptionType 'System.Management.Automation.ItemNotFoundException' }
    }
}

function Get-FakeChildFile {
    param($Cmdlet, [string]$Path, [string]$Filter, [switch]$File, [switch]$Directory)
    if (-not (Test-FakeFile -Path $Path -PathType Container)) { Write-FakeFileMissing -Cmdlet $Cmdlet -Path $Path; return }
    $prefix = "$Path\"
    $children = foreach ($candidate in (Get-FakeFileIndex).Keys) {
        if ($candidate.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase) -and -not $candidate.Substring($prefix.Length).Contains('\')) { $candidate }
    }
    foreach ($child in @($children | Sort-Object)) {
        $object = New-FakeFileObject -Path $child
        if ($Filter -and $object.Name -notlike $Filter) { continue }
        if ($File -and $object.PSIsContainer) { continue }
        if ($Directory -and -not $object.PSIsContainer) { continue }
        $object
    }
}

function Get-FakeFileContent {
    param($Cmdlet, [string]$Path, [switch]$Raw)
    if (-not (Test-FakeFile -Path $Path -PathType Leaf)) { Write-FakeFileMissing -Cmdlet $Cmdlet -Path $Path; return }
    $text = [string](Get-FakeFileIndex)[$Path]['text']
    $text = [regex]::Replace($text, '\{\{thumbprint:([^}]+)\}\}', { param($match) Get-FakeCertificateThumbprint -Id $match.Groups[1].Value })
    if ($Raw) { return $text }
    # Get-Content emits one string per line; the newline that ends the last line starts no empty one.
    $lines = @($text -split "`r?`n")
    if ($lines.Count -gt 1 -and $lines[-1] -eq '') { $lines = @($lines[0..($lines.Count - 2)]) }
    foreach ($line in $lines) { $line }
}
