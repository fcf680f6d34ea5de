<#
.SYNOPSIS
    Installs the private network connector quietly, without registering it, from Microsoft's
    signed installer.

.DESCRIPTION
    The installer the admin picked is copied into a folder only Administrators and SYSTEM can
    write (under ProgramData\NDES Proxy Companion\Installers) and checked there: one of the two
    installer names, a valid Authenticode signature by Microsoft Corporation, its version. The
    copy is what runs, with REGISTERCONNECTOR="false" /q (reference docs/reference/domain.md section 1.3).

    The installer's exit codes are not documented, so this script only reports what happened:
    the exit code, whether Windows Installer's transaction had begun (the _MSIExecute mutex),
    the installer log's telling lines, and what is installed afterwards (module folder, both
    services, polled until a deadline because the bootstrapper can return before they exist).
    The companion judges the outcome from those facts.

    A connector already installed at the installer's version is reported and left alone; another
    version is reported and only replaced with -Upgrade. -WhatIf checks the picked file where it
    is and changes nothing.

    Prints "::progress::" lines, one "::phase:: transaction" line when the transaction begins
    (from then on stopping the installer could leave a half-installed connector), and one JSON
    document. Windows PowerShell 5.1; works in ConstrainedLanguage (where the transaction
    cannot be observed, and is assumed to begin when the installer starts).

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Install-Connector.ps1 -InstallerPath C:\Install\MicrosoftEntraPrivateNetworkConnectorInstaller.exe
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][string]$InstallerPath,
    [ValidateSet('AzureCloud', 'AzureUSGovernment')][string]$Environment = 'AzureCloud',
    [switch]$Upgrade,
    [ValidateRange(10, 7200)][int]$InstallerTimeoutSeconds = 1800,
    [ValidateRange(1, 3600)][int]$ServicesTimeoutSeconds = 300
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
Initialize-CompanionOutput

$InstallerNames = @{ 'MicrosoftEntraPrivateNetworkConnectorInstaller.exe' = 'entra'; 'AADApplicationProxyConnectorInstaller.exe' = 'aad' }
$PollMilliseconds = 250

function New-Report {
    [ordered]@{
        whatIf             = [bool]$WhatIfPreference
        result             = $null
        refusal            = $null
        installer          = $null
        existing           = $null
        staged             = $null
        arguments          = $null
        launched           = $false
        transactionStarted = $null
        exitCode           = $null
        timedOut           = $false
        stopped            = $false
        durationSeconds    = $null
        log                = $null
        after              = $null
    }
}

# Whether Windows Installer is processing an installation's execute sequence: it holds the
# _MSIExecute mutex exactly then (Microsoft: "_MSIExecute Mutex"). ConstrainedLanguage cannot
# look, so there the answer is $null ("unknown").
function Test-InstallerTransaction {
    if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') { return $null }
    $mutex = $null
    $open = [System.Threading.Mutex]::TryOpenExisting('Global\_MSIExecute', [ref]$mutex)
    if ($open) { $mutex.Dispose() }
    return $open
}

# The installer log's telling lines: Windows Installer marks a failed action "Return value 3"
# and errors "Error <number>" (Microsoft: "Windows Installer logging"); the bootstrapper writes
# "Error 0x..." lines. The newest connector log in TEMP written since the install began.
function Get-InstallerLog {
    param([Parameter(Mandatory = $true)][datetime]$Since)
    $temp = $env:TEMP
    if (-not $temp -or -not (Test-Path -LiteralPath $temp -PathType Container)) { return $null }
    # A symbolic link or junction planted in TEMP (ReparsePoint) is never read: this script runs elevated.
    $logs = @(Get-ChildItem -LiteralPath $temp -Filter '*.log' -File | Where-Object { $_.Name -match 'Connector|AppProxy|PrivateNetwork' -and $_.LastWriteTime -ge $Since.AddSeconds(-5) -and -not ([string]$_.Attributes -match 'ReparsePoint') } | Sort-Object LastWriteTime -Descending)
    if ($logs.Count -eq 0) { return $null }
    $lines = @(Get-Content -LiteralPath $logs[0].FullName)
    $telling = @()
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($lines[$i] -match 'Return value 3|\bError \d{4}\b|\bError 0x[0-9a-fA-F]{8}\b|\berror code \d+|\bfailed\b') { $telling += , [string]$lines[$i] }
    }
    return [ordered]@{ file = [string]$logs[0].FullName; lines = @($telling | Select-Object -Last 20) }
}

# What is installed now: the module folder and both services, with their state.
function Get-InstalledState {
    $connector = Find-Connector
    $services = @(Get-ServiceFact -Name @('WAPCSvc', 'WAPCUpdaterSvc'))
    [ordered]@{
        generation  = $(if ($connector) { $connector.generation } else { $null })
        version     = $(if ($connector) { Get-ConnectorVersion -Connector $connector } else { $null })
        moduleFound = [bool]($connector -and (Test-Path -LiteralPath "$($connector.modulePath)$($connector.moduleName)"))
        services    = $services
    }
}

function Test-Installed {
    param($State)
    return ($State.moduleFound -and @($State.services).Count -eq 2)
}

try {
    $report = New-Report
    Write-CompanionProgress -Message 'Checking the installer you picked' -Percent 5
    if (-not (Test-Path -LiteralPath $InstallerPath -PathType Leaf)) { Stop-WithRefusal -Report $report -Reason 'not-found' -Detail $InstallerPath }
    $name = Split-Path -Leaf $InstallerPath
    $product = $null
    foreach ($known in $InstallerNames.Keys) { if ($known -eq $name) { $product = $InstallerNames[$known] } }
    if (-not $product) { Stop-WithRefusal -Report $report -Reason 'wrong-name' -Detail $name }

    $existingConnector = Find-Connector
    if ($existingConnector) { $report['existing'] = [ordered]@{ generation = $existingConnector.generation; version = (Get-ConnectorVersion -Connector $existingConnector) } }

    $source = $InstallerPath
    if (-not $WhatIfPreference) {
        Write-CompanionProgress -Message 'Copying it where only administrators can write' -Percent 15
        $folder = "$(Get-ProgramDataFolder)\NDES Proxy Companion\Installers"
        $null = Protect-CompanionFolder -Path "$(Get-ProgramDataFolder)\NDES Proxy Companion"
        $null = Protect-CompanionFolder -Path $folder
        $staged = "$folder\$name"
        # A new file, not an old one overwritten: nobody can hold a handle open on it.
        if (Test-Path -LiteralPath $staged) { Remove-Item -LiteralPath $staged -Force -ErrorAction Stop }
        Copy-Item -LiteralPath $InstallerPath -Destination $staged -Force
        $report['staged'] = $staged
        if ((Get-FileHash -LiteralPath $InstallerPath -Algorithm SHA256).Hash -ne (Get-FileHash -LiteralPath $staged -Algorithm SHA256).Hash) {
            Stop-WithRefusal -Report $report -Reason 'copy-changed' -Detail $staged
        }
        $source = $staged
    }

    Write-CompanionProgress -Message 'Checking its Authenticode signature' -Percent 25
    $signature = Get-FileSignature -Path $source
    $version = [string](Get-Item -LiteralPath $source).VersionInfo.FileVersion
    $report['installer'] = [ordered]@{
        name      = $name
        product   = $product
        version   = $(if ($version) { $version } else { $null })
        sha256    = [string](Get-FileHash -LiteralPath $source -Algorithm SHA256).Hash
        signature = $signature
    }
    if ($signature.status -ne 'Valid') { Stop-WithRefusal -Report $report -Reason 'not-signed' -Detail $signature.status }
    if (-not $signature.isMicrosoft) { Stop-WithRefusal -Report $report -Reason 'not-microsoft' -Detail ([string]$signature.signer) }

    $arguments = @('REGISTERCONNECTOR="false"', '/q')
    if ($Environment -ne 'AzureCloud') { $arguments += , "ENVIRONMENTNAME=`"$Environment`"" }
    $report['arguments'] = $arguments

    if ($report['existing']) {
        if ($version -and $report['existing'].version -eq $version) {
            $report['result'] = 'already-installed'
            $report['after'] = Get-InstalledState
            Write-CompanionResult -Result $report
            exit 0
        }
        if (-not $Upgrade) {
            $report['result'] = 'other-version-installed'
            $report['after'] = Get-InstalledState
            Write-CompanionResult -Result $report
            exit 0
        }
    }
    if ($WhatIfPreference) {
        $report['result'] = 'what-if'
        Write-CompanionResult -Result $report
        exit 0
    }

    # The copy keeps the browser's mark of the web (copying keeps a file's streams), and
    # Start-Process without a Default-set parameter goes through the shell, which would stop at
    # "Open File - Security Warning" where nobody sees it (the CLI, a remote session). Microsoft's
    # signature was checked above: the mark goes, and is checked gone (5.1's Unblock-File says
    # nothing when it cannot remove it). The shell stays: -NoNewWindow would hand this script's
    # stdout pipe to the installer, and the companion would wait for the installer to close it.
    Unblock-File -LiteralPath $source -ErrorAction Stop
    if (@(Get-Item -LiteralPath $source -Stream 'Zone.Identifier' -ErrorAction SilentlyContinue).Count -gt 0) { Stop-WithRefusal -Report $report -Reason 'still-marked' -Detail $source }
    Write-CompanionProgress -Message "Starting the installer $version quietly (REGISTERCONNECTOR=false)" -Percent 35
    $started = Get-Date
    $process = Start-Process -FilePath $source -ArgumentList $arguments -PassThru -WindowStyle Hidden
    # Windows PowerShell only keeps a started process's exit code if its handle was read.
    $null = $process.Handle
    $report['launched'] = $true
    $inTransaction = Test-InstallerTransaction
    if ($null -eq $inTransaction) { Write-Host '::phase:: transaction' }
    $deadline = $started.AddSeconds($InstallerTimeoutSeconds)
    $lastNote = $started
    while (-not $process.HasExited) {
        if ($inTransaction -eq $false -and (Test-InstallerTransaction)) {
            $inTransaction = $true
            Write-Host '::phase:: transaction'
            Write-CompanionProgress -Message 'Windows Installer is installing the connector' -Percent 50
        }
        if ((Get-Date) -gt $deadline) { break }
        if (((Get-Date) - $lastNote).TotalSeconds -ge 30) {
            $lastNote = Get-Date
            Write-CompanionProgress -Message "Still installing ($([int]((Get-Date) - $started).TotalSeconds) s)" -Percent 60
        }
        Start-Sleep -Milliseconds $PollMilliseconds
    }
    $report['transactionStarted'] = $inTransaction
    if (-not $process.HasExited) {
        $report['timedOut'] = $true
        # Before the transaction the bootstrapper can be stopped safely; inside it, Windows
        # Installer would be left mid-way, so it is left to finish.
        if ($inTransaction -eq $false) {
            Stop-Process -Id $process.Id -Force
            $report['stopped'] = $true
        }
    }
    else {
        $report['exitCode'] = [int]$process.ExitCode
    }

    $code = $report['exitCode']
    if ($code -eq 0 -or $code -eq 3010 -or $code -eq 1641) {
        Write-CompanionProgress -Message 'Waiting for the connector module and services' -Percent 85
        $servicesDeadline = (Get-Date).AddSeconds($ServicesTimeoutSeconds)
        $state = Get-InstalledState
        while (-not (Test-Installed -State $state) -and (Get-Date) -lt $servicesDeadline) {
            Start-Sleep -Milliseconds $PollMilliseconds
            $state = Get-InstalledState
        }
    }
    else {
        $state = Get-InstalledState
        if ($null -ne $code) { $report['log'] = Get-InstallerLog -Since $started }
    }
    $report['after'] = $state
    $report['durationSeconds'] = [int]((Get-Date) - $started).TotalSeconds
    $report['result'] = 'ran'
    Write-CompanionResult -Result $report
    exit 0
}
catch {
    Write-CompanionFailure -Code 'CONNECTOR_INSTALL_FAILED' -ErrorRecord $_
    exit 1
}
