# What changes the world: files and folders written, hashes and signatures read, folder ACLs
# (icacls, Get-Acl), processes started (the connector installer runs as a real child process,
# Invoke-FakeInstaller.ps1, so it can be waited for, timed out and killed like the real one),
# services started and stopped, registry values set.

# Windows' default ACL for a folder created under ProgramData: SYSTEM, Administrators and the
# creator own it, Users may read and may also add files and folders (so a standard user can
# plant one there first, the reason the companion takes its folders over).
$script:FakeProgramDataChildSddl = 'O:BAG:SYD:AI(A;OICIIOID;FA;;;CO)(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;CIID;DCLCRPCR;;;BU)'

function Get-FakeFileEntry {
    param([Parameter(Mandatory = $true)][string]$Path)
    return (Get-FakeFileIndex)[$Path]
}

# Adds or replaces one file of the world (a copy of $Entry) and the folders above it.
function Set-FakeFileEntry {
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][hashtable]$Entry)
    Update-FakeWorld -Change {
        param($world)
        if (-not $world.ContainsKey('files') -or $null -eq $world['files']) { $world['files'] = @{} }
        $copy = @{}
        foreach ($key in $Entry.Keys) { $copy[$key] = $Entry[$key] }
        $world['files'][$Path] = $copy
    }
}

function Add-FakeDirectory {
    param([Parameter(Mandatory = $true)][string]$Path)
    Update-FakeWorld -Change {
        param($world)
        $list = @(if ($world.ContainsKey('directories')) { @($world['directories']) | Where-Object { $_ } })
        if ($list -notcontains $Path) { $list += , $Path }
        $world['directories'] = $list
        if (-not $world.ContainsKey('acls') -or $null -eq $world['acls']) { $world['acls'] = @{} }
        if (-not $world['acls'].ContainsKey($Path)) { $world['acls'][$Path] = $script:FakeProgramDataChildSddl }
    }
}

function New-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string]$ItemType, [string]$Name, [object]$Value, [switch]$Force)
    if (-not (Test-FakePath -Path $Path)) { return Microsoft.PowerShell.Management\New-Item @PSBoundParameters }
    foreach ($one in $Path) {
        $kind = Get-FakePathKind -Path $one
        # A registry key (HKLM:\...), as the registry provider makes one: -Force makes the keys
        # above it too and returns a key that is there; without it an existing key is an error.
        if ($kind.world -eq 'registry') {
            if (Test-FakeRegistryDenied -Key $kind.path) { Write-FakeRegistryDenied -Cmdlet $PSCmdlet -Key $kind.path; continue }
            $exists = Test-FakeRegistryKey -Key $kind.path
            $parent = $kind.path.Substring(0, [Math]::Max(0, $kind.path.LastIndexOf('\')))
            if ($exists -and -not $Force) { Write-FakeError -Cmdlet $PSCmdlet -Message 'A key at this path already exists.' -ErrorId 'System.IO.IOException,Microsoft.PowerShell.Commands.NewItemCommand' -Category ResourceExists -Target $one -ExceptionType 'System.IO.IOException'; continue }
            if (-not $exists -and -not $Force -and -not (Test-FakeRegistryKey -Key $parent)) { Write-FakeRegistryMissing -Cmdlet $PSCmdlet -DisplayPath $one; continue }
            if (-not $exists) { Update-FakeWorld -Change { param($world) if (-not $world.ContainsKey('registry') -or $null -eq $world['registry']) { $world['registry'] = @{} }; $world['registry'][$kind.path] = @{} } }
            continue
        }
        if ($kind.world -ne 'file' -or $ItemType -ne 'Directory') { throw "FakeWindows: New-Item answers only -ItemType Directory on C:\ paths and registry keys; got '$ItemType' for $one." }
        # As Windows: an existing folder is returned only with -Force; without it New-Item fails.
        if ((Test-FakeFile -Path $kind.path -PathType Leaf) -or (-not $Force -and (Test-FakeFile -Path $kind.path -PathType Container))) {
            Write-FakeError -Cmdlet $PSCmdlet -Message "An item with the specified name $one already exists." -ErrorId 'DirectoryExist' -Category ResourceExists -Target $one -ExceptionType 'System.IO.IOException'
            continue
        }
        if (-not (Test-FakeFile -Path $kind.path -PathType Container)) { Add-FakeDirectory -Path $kind.path }
        New-FakeFileObject -Path $kind.path
    }
}

function Copy-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string]$Destination, [switch]$Force)
    $sources = @(if ($LiteralPath) { $LiteralPath } else { $Path })
    if (-not (Test-FakePath -Path (@($sources) + $Destination))) { return Microsoft.PowerShell.Management\Copy-Item @PSBoundParameters }
    foreach ($source in $sources) {
        $from = (Get-FakePathKind -Path $source).path
        $to = (Get-FakePathKind -Path $Destination).path
        if (Test-FakeFile -Path $to -PathType Container) { $to = "$to\$($from.Substring($from.LastIndexOf('\') + 1))" }
        if (-not (Test-FakeFile -Path $from -PathType Leaf)) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $source; continue }
        $parent = $to.Substring(0, $to.LastIndexOf('\'))
        if (-not (Test-FakeFile -Path $parent -PathType Container)) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $parent; continue }
        $existing = Get-FakeFileEntry -Path $to
        if ($existing -and $existing.ContainsKey('readOnly') -and $existing['readOnly']) {
            Write-FakeError -Cmdlet $PSCmdlet -Message "Access to the path '$to' is denied." -ErrorId 'CopyFileInfoItemUnauthorizedAccessError' -Category PermissionDenied -Target $to -ExceptionType 'System.UnauthorizedAccessException'
            continue
        }
        Set-FakeFileEntry -Path $to -Entry (Get-FakeFileEntry -Path $from)
    }
}

function Remove-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [switch]$Recurse, [switch]$Force)
    $targets = @(if ($LiteralPath) { $LiteralPath } else { $Path })
    if (-not (Test-FakePath -Path $targets)) { return Microsoft.PowerShell.Management\Remove-Item @PSBoundParameters }
    foreach ($target in $targets) {
        $normal = (Get-FakePathKind -Path $target).path
        if (-not (Test-FakeFile -Path $normal)) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $target; continue }
        Update-FakeWorld -Change {
            param($world)
            if ($world.ContainsKey('files') -and $world['files']) {
                foreach ($key in @($world['files'].Keys)) { if ($key -eq $normal -or $key.StartsWith("$normal\", [System.StringComparison]::OrdinalIgnoreCase)) { $world['files'].Remove($key) } }
            }
            if ($world.ContainsKey('directories')) { $world['directories'] = @(@($world['directories']) | Where-Object { $_ -and $_ -ne $normal -and -not $_.StartsWith("$normal\", [System.StringComparison]::OrdinalIgnoreCase) }) }
        }
    }
}

# Set-Content writes text as Windows PowerShell 5.1 does with -Encoding UTF8 (the file keeps
# the text; the encoding is recorded so a test can see which one a script chose).
function Set-Content {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1, ValueFromPipeline = $true)][object[]]$Value, [string]$Encoding, [switch]$NoNewline, [switch]$Force)
    begin { $lines = @() }
    process { foreach ($item in @($Value)) { $lines += , [string]$item } }
    end {
        $targets = @(if ($LiteralPath) { $LiteralPath } else { $Path })
        if (-not (Test-FakePath -Path $targets)) {
            $bound = @{} + $PSBoundParameters
            $bound['Value'] = $lines
            return Microsoft.PowerShell.Management\Set-Content @bound
        }
        foreach ($target in $targets) {
            $normal = (Get-FakePathKind -Path $target).path
            $existing = Get-FakeFileEntry -Path $normal
            if ($existing -and $existing.ContainsKey('readOnly') -and $existing['readOnly']) {
                Write-FakeError -Cmdlet $PSCmdlet -Message "Access to the path '$normal' is denied." -ErrorId 'GetContentWriterUnauthorizedAccessError,Microsoft.PowerShell.Commands.SetContentCommand' -Category PermissionDenied -Target $normal -ExceptionType 'System.UnauthorizedAccessException'
                continue
            }
            $entry = @{}
            if ($existing) { foreach ($key in $existing.Keys) { $entry[$key] = $existing[$key] } }
            $entry['text'] = $(if ($NoNewline) { -join $lines } else { ($lines -join "`r`n") + "`r`n" })
            $entry['encoding'] = $(if ($Encoding) { $Encoding } else { 'Default' })
            $entry.Remove('directory')
            Set-FakeFileEntry -Path $normal -Entry $entry
        }
    }
}

function Get-FileHash {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [string]$Algorithm = 'SHA256')
    $targets = @(if ($LiteralPath) { $LiteralPath } else { $Path })
    if (-not (Test-FakePath -Path $targets)) { return Microsoft.PowerShell.Utility\Get-FileHash @PSBoundParameters }
    foreach ($target in $targets) {
        $normal = (Get-FakePathKind -Path $target).path
        if (-not (Test-FakeFile -Path $normal -PathType Leaf)) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $target; continue }
        $bytes = [System.Text.Encoding]::UTF8.GetBytes([string](Get-FakeFileEntry -Path $normal)['text'])
        $sha = [System.Security.Cryptography.SHA256]::Create()
        $hash = -join @($sha.ComputeHash($bytes) | ForEach-Object { $_.ToString('X2') })
        [pscustomobject]@{ Algorithm = 'SHA256'; Hash = $hash; Path = $normal }
    }
}

# A folder's security descriptor: what icacls last set, else the ProgramData default for a
# folder the fake created, else the world's "acls" entry.
function Get-Acl {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath)
    $targets = @(if ($LiteralPath) { $LiteralPath } else { $Path })
    if (-not (Test-FakePath -Path $targets)) { return Microsoft.PowerShell.Security\Get-Acl @PSBoundParameters }
    foreach ($target in $targets) {
        $normal = (Get-FakePathKind -Path $target).path
        if (-not (Test-FakeFile -Path $normal)) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $target; continue }
        $acls = Get-FakeSection -Name 'acls'
        $sddl = $(if ($acls -and $acls.ContainsKey($normal)) { [string]$acls[$normal] } else { $script:FakeProgramDataChildSddl })
        # Reading a security descriptor needs READ_CONTROL: the owner has it, else an ACE must give
        # it (RC, or FA/FR/GA/GR, or a mask with 0x20000). An elevated administrator without the
        # backup privilege enabled is refused, as Get-Acl reports it.
        $owner = $(if ($sddl -match '^O:([A-Z]{2}|S-[0-9-]+)') { $Matches[1] } else { '' })
        $readable = @('BA', 'SY') -contains $owner
        foreach ($ace in [regex]::Matches($sddl, '\(A;[^;]*;([^;]*);[^;]*;[^;]*;(BA|SY|S-1-5-32-544|S-1-5-18)\)')) {
            $rights = [string]$ace.Groups[1].Value
            if ($rights -match '^0[xX][0-9A-Fa-f]+$') { if (([int64]$rights -band 0x20000) -ne 0) { $readable = $true } }
            else {
                for ($i = 0; $i + 1 -lt $rights.Length; $i += 2) { if (@('RC', 'FA', 'FR', 'GA', 'GR') -contains $rights.Substring($i, 2)) { $readable = $true } }
            }
        }
        if (-not $readable) {
            Write-FakeError -Cmdlet $PSCmdlet -Message 'Attempted to perform an unauthorized operation.' -ErrorId 'System.UnauthorizedAccessException,Microsoft.PowerShell.Commands.GetAclCommand' -Category NotSpecified -Target $target -ExceptionType 'System.UnauthorizedAccessException'
            continue
        }
        [pscustomobject]@{ Path = "Microsoft.PowerShell.Core\FileSystem::$normal"; Sddl = $sddl }
    }
}

# icacls.exe <folder> /setowner *SID [/T], /reset [/T] and /inheritance:r /grant:r
# *SID:(OI)(CI)F ...: the folder's SDDL becomes what Windows writes for that ACL (a protected
# DACL, "P", with one allow-full-control ACE per SID). /T reaches everything under the folder:
# /setowner gives it that owner, /reset drops its own ACL so it inherits the folder's. The world
# can make it fail ("icaclsFails": exit code).
function Invoke-FakeIcacls {
    $words = @($args | ForEach-Object { [string]$_ })
    $failure = Get-FakeSection -Name 'icaclsFails'
    if ($failure) { 'Access is denied.'; 'Successfully processed 0 files; Failed processing 1 files'; Set-FakeExitCode ([int]$failure); return }
    $target = (Get-FakePathKind -Path $words[0]).path
    $grants = @()
    $owner = $null
    $reset = $words -contains '/reset'
    $tree = $words -contains '/T'
    for ($i = 1; $i -lt $words.Count; $i++) {
        if ($words[$i] -eq '/setowner') { $owner = $words[$i + 1].TrimStart('*') }
        if ($words[$i] -eq '/grant:r') {
            for ($j = $i + 1; $j -lt $words.Count -and $words[$j] -match '^\*(S-[0-9-]+):\(OI\)\(CI\)F$'; $j++) { $grants += , $Matches[1] }
        }
    }
    Update-FakeWorld -Change {
        param($world)
        if (-not $world.ContainsKey('acls') -or $null -eq $world['acls']) { $world['acls'] = @{} }
        $abbreviation = @{ 'S-1-5-32-544' = 'BA'; 'S-1-5-18' = 'SY' }
        $below = @(if ($tree) { @($world['acls'].Keys) | Where-Object { $_.StartsWith("$target\", [System.StringComparison]::OrdinalIgnoreCase) } })
        $current = $(if ($world['acls'].ContainsKey($target)) { [string]$world['acls'][$target] } else { $script:FakeProgramDataChildSddl })
        if ($owner) {
            $current = $current -replace '^O:[^G]+', "O:$($abbreviation[$owner])"
            foreach ($key in $below) { $world['acls'][$key] = ([string]$world['acls'][$key]) -replace '^O:[^G]+', "O:$($abbreviation[$owner])" }
        }
        if ($reset) {
            $current = ($current -replace 'D:.*$', '') + $script:FakeProgramDataChildSddl.Substring($script:FakeProgramDataChildSddl.IndexOf('D:'))
            foreach ($key in $below) { $world['acls'].Remove($key) }
        }
        if ($grants.Count -gt 0) {
            $head = $current.Substring(0, $current.IndexOf('D:'))
            $aces = -join @($grants | ForEach-Object { "(A;OICI;FA;;;$($abbreviation[$_]))" })
            $current = "${head}D:PAI$aces"
        }
        $world['acls'][$target] = $current
    }
    "processed file: $($words[0])"
    'Successfully processed 1 files; Failed processing 0 files'
    Set-FakeExitCode 0
}

# Unblock-File takes the mark of the web off a file (its Zone.Identifier stream); Copy-Item keeps
# it, as copying a file on NTFS copies its streams.
function Unblock-File {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath)
    $targets = @(if ($LiteralPath) { $LiteralPath } else { $Path })
    foreach ($target in $targets) {
        $normal = (Get-FakePathKind -Path $target).path
        $entry = Get-FakeFileEntry -Path $normal
        if ($null -eq $entry) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $target; continue }
        if (-not $entry.ContainsKey('zone')) { continue }
        $copy = @{}
        foreach ($key in $entry.Keys) { if ($key -ne 'zone') { $copy[$key] = $entry[$key] } }
        Set-FakeFileEntry -Path $normal -Entry $copy
    }
}

# Rename-Item of a folder or file of the world: everything under it moves with it.
function Rename-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Path, [string]$LiteralPath, [Parameter(Position = 1)][string]$NewName, [switch]$Force)
    $source = $(if ($LiteralPath) { $LiteralPath } else { $Path })
    if (-not (Test-FakePath -Path $source)) { return Microsoft.PowerShell.Management\Rename-Item @PSBoundParameters }
    $from = (Get-FakePathKind -Path $source).path
    if (-not (Test-FakeFile -Path $from)) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $source; return }
    $to = $from.Substring(0, $from.LastIndexOf('\')) + '\' + $NewName
    $move = { param([string]$key) if ($key -eq $from) { $to } elseif ($key.StartsWith("$from\", [System.StringComparison]::OrdinalIgnoreCase)) { $to + $key.Substring($from.Length) } else { $null } }
    Update-FakeWorld -Change {
        param($world)
        foreach ($section in @('files', 'acls')) {
            if (-not $world.ContainsKey($section) -or $null -eq $world[$section]) { continue }
            foreach ($key in @($world[$section].Keys)) {
                $moved = & $move $key
                if ($moved) { $world[$section][$moved] = $world[$section][$key]; $world[$section].Remove($key) }
            }
        }
        if ($world.ContainsKey('directories')) { $world['directories'] = @(@($world['directories']) | Where-Object { $_ } | ForEach-Object { $moved = & $move $_; if ($moved) { $moved } else { $_ } }) }
    }
}

# Get-AuthenticodeSignature over a file's "signature": { "status": "Valid", "signer": "CN=...,
# O=Microsoft Corporation, ..." }; a file without one is NotSigned, as Windows reports it.
function Get-AuthenticodeSignature {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$FilePath, [string[]]$LiteralPath)
    $targets = @(if ($LiteralPath) { $LiteralPath } else { $FilePath })
    foreach ($target in $targets) {
        $normal = (Get-FakePathKind -Path $target).path
        if (-not (Test-FakeFile -Path $normal -PathType Leaf)) { Write-FakeFileMissing -Cmdlet $PSCmdlet -Path $target; continue }
        $entry = Get-FakeFileEntry -Path $normal
        $spec = $(if ($entry.ContainsKey('signature')) { $entry['signature'] } else { $null })
        $status = $(if ($spec) { [string]$spec['status'] } else { 'NotSigned' })
        $certificate = $null
        if ($spec -and $spec['signer']) {
            $key = "signer:$($spec['signer'])"
            if (-not $script:FakeCertificateCache.ContainsKey($key)) {
                $script:FakeCertificateCache[$key] = New-FakeCertificate -Spec @{ subject = [string]$spec['signer']; issuer = $(if ($spec['issuer']) { [string]$spec['issuer'] } else { 'CN=Microsoft Code Signing PCA 2011, O=Microsoft Corporation, L=Redmond, S=Washington, C=US' }); notBefore = '2025-01-01T00:00:00Z'; notAfter = '2027-12-31T00:00:00Z'; eku = @('1.3.6.1.5.5.7.3.3'); hasPrivateKey = $false }
            }
            $certificate = $script:FakeCertificateCache[$key]
        }
        [pscustomobject]@{
            SignerCertificate = $certificate
            Status            = [System.Management.Automation.SignatureStatus]$status
            StatusMessage     = $(if ($status -eq 'Valid') { 'Signature verified.' } elseif ($status -eq 'NotSigned') { "The file $normal is not digitally signed." } else { "The signature of $normal is not valid ($status)." })
            Path              = $normal
            SignatureType     = $(if ($spec) { 'Authenticode' } else { 'None' })
        }
    }
}

# Every world on this machine shares its one Global\_MSIExecute mutex (on Linux .NET keeps named
# mutexes under a fixed /tmp folder), so a script watching for its own installer's transaction
# would see another world's, of its own suite or of another one on the machine. A script that
# starts a fake installer therefore first takes the machine's install turn, and keeps it until
# it has seen its installer end (HasExited below) or its process ends (the OS releases the lock
# however it ends): one world installs at a time, as one Windows Installer transaction runs at a
# time on a real server.
function Enter-FakeInstallSession {
    if ($null -ne $script:FakeInstallSession) { return }
    $folder = Get-Variable -Name FakeWindowsLockFolder -Scope Global -ValueOnly -ErrorAction SilentlyContinue
    if (-not $folder) { throw 'FakeWindows: no lock folder (the host passes it).' }
    $lock = Join-Path -Path $folder -ChildPath 'install-session.lock'
    while ($null -eq $script:FakeInstallSession) {
        try { $script:FakeInstallSession = [System.IO.File]::Open($lock, [System.IO.FileMode]::OpenOrCreate, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None) }
        catch [System.IO.IOException] { Start-Sleep -Milliseconds 25 }
    }
}
$script:FakeInstallSession = $null

function Exit-FakeInstallSession {
    if ($null -ne $script:FakeInstallSession) {
        $script:FakeInstallSession.Dispose()
        $script:FakeInstallSession = $null
    }
}

# The installers this session started, whose transaction waits for the script to look (below).
$script:FakeInstallerRequests = @()

# Tells an installer its transaction need not wait to be seen: the script waits for it without
# polling (Start-Process -Wait, WaitForExit), or the run is over.
function Set-FakeInstallerWatched {
    param([Parameter(Mandatory = $true)][string]$Request)
    [System.IO.File]::WriteAllText("$Request.looks", '..')
}

# The end of a run in a warm PowerShell (tests/fake-windows/host/WarmHost.cs), where the process
# goes on: what a process's end would release, released.
function Close-FakeRun {
    foreach ($request in $script:FakeInstallerRequests) { Set-FakeInstallerWatched -Request $request }
    $script:FakeInstallerRequests = @()
    Exit-FakeInstallSession
}

# Start-Process on a world file that is an installer ("installer": { ... }) starts
# Invoke-FakeInstaller.ps1 in a new fake Windows host process and returns that real process.
function Start-Process {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$FilePath, [Parameter(Position = 1)][string[]]$ArgumentList, [switch]$PassThru, [switch]$Wait, [string]$WindowStyle, [switch]$NoNewWindow)
    if (-not (Test-FakePath -Path $FilePath)) { return Microsoft.PowerShell.Management\Start-Process @PSBoundParameters }
    $normal = (Get-FakePathKind -Path $FilePath).path
    $entry = $(if (Test-FakeFile -Path $normal -PathType Leaf) { Get-FakeFileEntry -Path $normal } else { $null })
    if ($null -eq $entry) {
        Write-FakeError -Cmdlet $PSCmdlet -Message 'This command cannot be run due to the error: The system cannot find the file specified.' -ErrorId 'InvalidOperationException' -Category InvalidOperation -Target $FilePath
        return
    }
    if (-not $entry.ContainsKey('installer')) { throw "FakeWindows: $normal is not a program the fake Windows can run." }
    Enter-FakeInstallSession
    $stateFile = Get-FakeWorldFile
    $request = "$stateFile.start-$([guid]::NewGuid().ToString('N')).json"
    # Windows PowerShell starts a program through the shell (ShellExecuteEx) unless a parameter of
    # the Default set (-NoNewWindow, -Redirect*, -Credential, -LoadUserProfile, -UseNewEnvironment)
    # asks for CreateProcess; -WindowStyle alone stays with the shell (StartProcessCommand). The
    # shell honours a file's mark of the web (Zone.Identifier, zone 3 Internet and up) with a prompt.
    $throughShell = -not $NoNewWindow
    $marked = $entry.ContainsKey('zone') -and [int]$entry['zone'] -ge 3
    [System.IO.File]::WriteAllText($request, (ConvertTo-Json -InputObject @{ path = $normal; arguments = @($ArgumentList); parent = $PID; throughShell = $throughShell; securityPrompt = ($throughShell -and $marked) } -Depth 5))
    $script:FakeInstallerRequests += , $request
    if ($Wait -or -not $PassThru) { Set-FakeInstallerWatched -Request $request }
    $hostPath = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $childArgs = @('--module', (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.psm1'), '--state', $stateFile, '--child', '--', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', (Join-Path -Path $PSScriptRoot -ChildPath 'Invoke-FakeInstaller.ps1'), '-Request', $request)
    $quoted = @($childArgs | ForEach-Object { if ($_ -match '[\s"]') { '"' + ($_ -replace '"', '\"') + '"' } else { $_ } })
    $output = "$request.out"
    $process = Microsoft.PowerShell.Management\Start-Process -FilePath $hostPath -ArgumentList ($quoted -join ' ') -PassThru -RedirectStandardOutput $output -RedirectStandardError "$request.err"
    # Linux keeps only 8 bits of an exit code (1602 would read 66), so the installer also writes
    # its code beside the request; on Windows both agree.
    $sidecar = "$request.exitcode"
    $process | Add-Member -MemberType ScriptProperty -Name ExitCode -Force -Value {
        if ($this.get_HasExited() -and [System.IO.File]::Exists($sidecar)) { return [int][System.IO.File]::ReadAllText($sidecar) }
        # The .NET getter itself: the ExitCode property would be this script property again.
        return $this.get_ExitCode()
    }.GetNewClosure()
    # Once the script has seen its installer end, it no longer watches the mutex: the machine's
    # install turn passes to the next world then, not only when this process ends.
    $module = $ExecutionContext.SessionState.Module
    # A test-only accommodation, not Windows behaviour: the fake's transaction lasts a fraction of
    # a second where a real one lasts minutes, so each look at HasExited once it began is counted,
    # and the installer keeps it open until the script has looked twice (Invoke-FakeInstaller).
    # A script that waits with WaitForExit instead is not polling: its installer does not wait.
    $process | Add-Member -MemberType ScriptProperty -Name HasExited -Force -Value {
        $exited = $this.get_HasExited()
        if ($exited) { & $module { Exit-FakeInstallSession } }
        elseif ([System.IO.File]::Exists("$request.transaction")) { [System.IO.File]::AppendAllText("$request.looks", '.') }
        return $exited
    }.GetNewClosure()
    $process | Add-Member -MemberType ScriptMethod -Name WaitForExit -Force -Value {
        & $module { param($r) Set-FakeInstallerWatched -Request $r } $request
        if ($args.Count -gt 0) { return $this.psbase.WaitForExit([int]$args[0]) }
        $this.psbase.WaitForExit()
    }.GetNewClosure()
    if ($Wait) { $process.WaitForExit() }
    if ($PassThru) { return $process }
}

# Services change state in the world; a service that does not exist writes Get-Service's error.
function Set-FakeServiceStatus {
    param($Cmdlet, [string[]]$Name, [string]$State)
    $section = Get-FakeSection -Name 'services'
    foreach ($one in $Name) {
        if (-not $section -or -not $section.ContainsKey($one) -or $null -eq $section[$one]) {
            Write-FakeError -Cmdlet $Cmdlet -Message "Cannot find any service with service name '$one'." -ErrorId 'NoServiceFoundForGivenName' -Category ObjectNotFound -Target $one
            continue
        }
        if ($section[$one].ContainsKey('failsToStart') -and $section[$one]['failsToStart'] -and $State -eq 'Running') {
            Write-FakeError -Cmdlet $Cmdlet -Message "Failed to start service '$($section[$one]['DisplayName']) ($one)'." -ErrorId 'StartServiceFailed' -Category OpenError -Target $one
            continue
        }
        Update-FakeWorld -Change { param($world) $world['services'][$one]['Status'] = $State }
    }
}

# While a service takes its time, Windows PowerShell's service cmdlets wait in 2-second steps and
# write a warning after each ("Waiting for service '{1} ({0})' to stop..." / "to start...",
# ServiceResources StoppingService/StartingService; DoWaitForStatus in ServiceOperationBaseCommand),
# which the console host prints to stdout as "WARNING: ...". A world's service may say how many
# 2-second steps it takes: "stopWaits", "startWaits".
function Write-FakeServiceWait {
    param($Cmdlet, [string[]]$Name, [ValidateSet('stop', 'start')][string]$Verb)
    $section = Get-FakeSection -Name 'services'
    foreach ($one in $Name) {
        $entry = $(if ($section -and $section.ContainsKey($one)) { $section[$one] } else { $null })
        $key = "${Verb}Waits"
        if ($null -eq $entry -or -not $entry.ContainsKey($key)) { continue }
        for ($i = 0; $i -lt [int]$entry[$key]; $i++) { $Cmdlet.WriteWarning("Waiting for service '$($entry['DisplayName']) ($one)' to $Verb...") }
    }
}

function Start-Service { [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Name) Write-FakeServiceWait -Cmdlet $PSCmdlet -Name $Name -Verb start; Set-FakeServiceStatus -Cmdlet $PSCmdlet -Name $Name -State 'Running' }
function Stop-Service { [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Name, [switch]$Force) Write-FakeServiceWait -Cmdlet $PSCmdlet -Name $Name -Verb stop; Set-FakeServiceStatus -Cmdlet $PSCmdlet -Name $Name -State 'Stopped' }
function Restart-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [switch]$Force)
    Write-FakeServiceWait -Cmdlet $PSCmdlet -Name $Name -Verb stop
    Set-FakeServiceStatus -Cmdlet $PSCmdlet -Name $Name -State 'Stopped'
    Write-FakeServiceWait -Cmdlet $PSCmdlet -Name $Name -Verb start
    Set-FakeServiceStatus -Cmdlet $PSCmdlet -Name $Name -State 'Running'
}
