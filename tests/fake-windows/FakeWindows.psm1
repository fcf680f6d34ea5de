<#
    The fake Windows: answers the Windows commands the companion's scripts call, from one world
    file (JSON) that describes an imagined server. Loaded by FakeWindowsHost before the script
    runs; Pester and the lab use the same host and this same module.

    What it answers, and what each answer is grounded in (captures in
    docs/reference/windows-outputs/, cited by their sample ids):
      registry   HKLM:/HKCU: and Registry:: paths: Test-Path, Get-ItemProperty (incl. a trailing
                 \* over subkeys), Get-ChildItem, Get-Item; values typed as Windows types them
                 (DWORD -> Int32, REG_SZ -> String, REG_MULTI_SZ -> String[], REG_BINARY ->
                 Byte[]); keys with no values print nothing; missing keys and denied keys write
                 the errors Windows writes (REG-01..05).
      Cert:      Cert:\LocalMachine\My: real X509Certificate2 objects (made here from the world's
                 description, or a real DER), HasPrivateKey as the world says (CERT-01..04).
      files      C:\ paths: Test-Path, Get-ChildItem (-Filter), Get-Item, Get-Content (-Raw),
                 file versions (CONN-01..05 for connector configs).
      services   Get-Service (SVC-01..03; a missing name writes NoServiceFoundForGivenName).
      CIM        Get-CimInstance Win32_OperatingSystem / Win32_ComputerSystem (OS-01..02).
      events     Get-WinEvent -FilterHashtable (LogName, Level, ProviderName), -MaxEvents, newest
                 first, with docs/reference/windows-outputs/connector.md's event texts in the worlds (CONN-06..08).
      policy     Get-ExecutionPolicy [-List], derived from the registry values Group Policy and
                 Set-ExecutionPolicy write, as about_Execution_Policies documents (EP-01..03).
      tools      appcmd.exe (APPCMD-01..22, /xml and config fragments, exit 1168), w32tm.exe
                 (W32TM-01..15), whoami.exe /groups /fo csv /nh (mandatory label SIDs), all by
                 their absolute path under the system folder; applicationHost.config's
                 applicationPools (passwords only encrypted, as IIS stores them); netsh.exe
                 winhttp set/reset proxy (NETSH-01/03, WinHttpSettings written).
      tasks      ScheduledTasks cmdlets and shutdown.exe /r (FakeWindows.Tasks.ps1: the real error
                 records for a missing task; 1190 for a restart already scheduled).
      connector  RegisterConnector.ps1 and ConfigureOutBoundProxy.ps1 by their path in the
                 connector's folder (FakeWindows.Connector.ps1, FakeWindows.Proxy.ps1).
    Paths outside these worlds go to the real cmdlets untouched.
#>
Set-StrictMode -Version Latest

. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.World.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.Registry.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.Certificates.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.FileSystem.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.System.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.Tools.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.Changes.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.Connector.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.Proxy.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.Tasks.ps1')

# Windows PowerShell 5.1's type data would write the world's arrays back as {"value":[...]}.
try { Remove-TypeData -TypeName System.Array -ErrorAction Stop } catch { Write-Verbose 'No array type data to remove.' }
# The world's environment variables (TEMP, where installers write their logs).
$environment = Get-FakeSection -Name 'environment'
if ($environment) { foreach ($name in $environment.Keys) { Set-Item -LiteralPath "env:$name" -Value ([string]$environment[$name]) } }

# ----- the provider cmdlets: fake paths answered here, every other path by the real cmdlet -----

function Test-Path {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ParameterSetName = 'Path', Position = 0, ValueFromPipeline = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath')][Alias('PSPath')][string[]]$LiteralPath,
        [Microsoft.PowerShell.Commands.TestPathType]$PathType = 'Any',
        [switch]$IsValid
    )
    process {
        $paths = @(if ($PSCmdlet.ParameterSetName -eq 'Path') { $Path } else { $LiteralPath })
        if (-not (Test-FakePath -Path $paths)) { return Microsoft.PowerShell.Management\Test-Path @PSBoundParameters }
        foreach ($one in $paths) {
            $kind = Get-FakePathKind -Path $one
            switch ($kind.world) {
                'registry' { (Test-FakeRegistryKey -Key $kind.path) -and $PathType -ne 'Leaf' }
                'cert' { Test-FakeCertificatePath -Store $kind.path }
                # Windows PowerShell 5.1 follows a link: one whose target is gone ("dangling") is not there.
                'file' { (Test-FakeFile -Path $kind.path -PathType $PathType) -and -not (Test-FakeDangling -Path $kind.path) }
            }
        }
    }
}

function Get-ItemProperty {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ParameterSetName = 'Path', Position = 0, Mandatory = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true)][Alias('PSPath')][string[]]$LiteralPath,
        [Parameter(Position = 1)][string[]]$Name
    )
    $paths = @(if ($PSCmdlet.ParameterSetName -eq 'Path') { $Path } else { $LiteralPath })
    if (-not (Test-FakePath -Path $paths)) { return Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters }
    foreach ($one in $paths) {
        $kind = Get-FakePathKind -Path $one
        if ($kind.world -ne 'registry') { Write-FakeError -Cmdlet $PSCmdlet -Message "Get-ItemProperty is not faked for '$one'." -ErrorId 'NotFaked' -Category NotImplemented -Target $one; continue }
        $wildcard = ($PSCmdlet.ParameterSetName -eq 'Path') -and $kind.path.EndsWith('\*')
        $keys = @(if ($wildcard) { Get-FakeRegistrySubkey -Key $kind.path.Substring(0, $kind.path.Length - 2) } else { $kind.path })
        foreach ($key in $keys) { Get-FakeRegistryItemProperty -Cmdlet $PSCmdlet -Key $key -DisplayPath $one -Name $Name }
    }
}

function Get-ChildItem {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ParameterSetName = 'Path', Position = 0)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true)][Alias('PSPath')][string[]]$LiteralPath,
        [Parameter(Position = 1)][string]$Filter,
        [switch]$Recurse,
        [switch]$Force,
        [switch]$File,
        [switch]$Directory
    )
    $paths = @(if ($PSCmdlet.ParameterSetName -eq 'Path') { $Path } else { $LiteralPath })
    if ($paths.Count -eq 0 -or -not (Test-FakePath -Path $paths)) { return Microsoft.PowerShell.Management\Get-ChildItem @PSBoundParameters }
    foreach ($one in $paths) {
        $kind = Get-FakePathKind -Path $one
        switch ($kind.world) {
            'cert' { Get-FakeCertificate -Cmdlet $PSCmdlet -Store $kind.path -DisplayPath $one }
            'registry' { Get-FakeRegistryChildItem -Cmdlet $PSCmdlet -Key $kind.path -DisplayPath $one }
            'file' { Get-FakeChildFile -Cmdlet $PSCmdlet -Path $kind.path -Filter $Filter -File:$File -Directory:$Directory }
        }
    }
}

function Get-Item {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ParameterSetName = 'Path', Position = 0, Mandatory = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true)][Alias('PSPath')][string[]]$LiteralPath,
        [switch]$Force,
        [string[]]$Stream
    )
    $paths = @(if ($PSCmdlet.ParameterSetName -eq 'Path') { $Path } else { $LiteralPath })
    if (-not (Test-FakePath -Path $paths)) { return Microsoft.PowerShell.Management\Get-Item @PSBoundParameters }
    foreach ($one in $paths) {
        $kind = Get-FakePathKind -Path $one
        # -Stream Zone.Identifier: the mark of the web, as an alternate data stream ("zone" in the world).
        if ($Stream) { Get-FakeFileStream -Cmdlet $PSCmdlet -Path $kind.path -Stream $Stream; continue }
        switch ($kind.world) {
            'file' { Get-FakeFileItem -Cmdlet $PSCmdlet -Path $kind.path }
            'registry' { Get-FakeRegistryKeyItem -Cmdlet $PSCmdlet -Key $kind.path -DisplayPath $one }
            default { Write-FakeError -Cmdlet $PSCmdlet -Message "Get-Item is not faked for '$one'." -ErrorId 'NotFaked' -Category NotImplemented -Target $one }
        }
    }
}

function Get-Content {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ParameterSetName = 'Path', Position = 0, Mandatory = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true)][Alias('PSPath')][string[]]$LiteralPath,
        [switch]$Raw,
        [string]$Encoding,
        [long]$TotalCount = -1,
        [long]$ReadCount = 1,
        [int]$Tail = -1
    )
    $paths = @(if ($PSCmdlet.ParameterSetName -eq 'Path') { $Path } else { $LiteralPath })
    if (-not (Test-FakePath -Path $paths)) { return Microsoft.PowerShell.Management\Get-Content @PSBoundParameters }
    foreach ($one in $paths) {
        $kind = Get-FakePathKind -Path $one
        # about Get-Content: -Tail N, the last N lines.
        if ($Tail -ge 0) { @(Get-FakeFileContent -Cmdlet $PSCmdlet -Path $kind.path) | Select-Object -Last $Tail; continue }
        if ($Raw -or $ReadCount -eq 1) { Get-FakeFileContent -Cmdlet $PSCmdlet -Path $kind.path -Raw:$Raw; continue }
        # about Get-Content: -ReadCount N sends N lines at a time as one array (0: all at once).
        $lines = @(Get-FakeFileContent -Cmdlet $PSCmdlet -Path $kind.path)
        $size = $(if ($ReadCount -le 0) { [Math]::Max($lines.Count, 1) } else { $ReadCount })
        for ($start = 0; $start -lt $lines.Count; $start += $size) {
            , [string[]]@($lines[$start..([Math]::Min($start + $size, $lines.Count) - 1)])
        }
    }
}

Export-ModuleMember -Function @(
    'Test-Path', 'Get-ItemProperty', 'Get-ChildItem', 'Get-Item', 'Get-Content',
    'Get-CimInstance', 'Get-Service', 'Get-ExecutionPolicy', 'Get-WinEvent',
    'New-Item', 'Copy-Item', 'Remove-Item', 'Set-Content', 'Get-FileHash', 'Get-Acl', 'Get-AuthenticodeSignature',
    'Start-Process', 'Start-Service', 'Stop-Service', 'Restart-Service', 'Update-FakeWorld',
    'Set-ItemProperty', 'Remove-ItemProperty', 'Rename-Item', 'Unblock-File',
    'New-ScheduledTaskAction', 'New-ScheduledTaskTrigger', 'New-ScheduledTaskPrincipal', 'New-ScheduledTaskSettingsSet', 'Register-ScheduledTask', 'Get-ScheduledTask', 'Unregister-ScheduledTask', 'Invoke-FakeShutdown',
    'Invoke-FakeAppcmd', 'Invoke-FakeW32tm', 'Invoke-FakeWhoami', 'Invoke-FakeIcacls', 'Invoke-FakeRegisterConnector', 'Invoke-FakeConfigureOutBoundProxy', 'Invoke-FakeNetsh'
) -Alias '*'
