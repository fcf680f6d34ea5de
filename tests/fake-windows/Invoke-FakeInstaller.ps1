<#
    The connector installer of the fake Windows, run as its own process by the fake Start-Process
    (so a script waits for, times out and kills a real process). It behaves as the installer
    file's "installer" entry says, within what reference docs/reference/domain.md section 1.3 documents:

      { "product": "entra"|"aad", "version": "1.5.4287.0", "exitCode": 0, "beforeTransactionMs": 200,
        "transactionMs": 300, "hang": "none"|"before-transaction"|"in-transaction", "crash": false,
        "servicesAppear": true, "filesAfterExitMs": 0, "logName": "...", "log": ["..."] }

    - Quiet only with /q; without it the real bootstrapper shows its wizard and waits, so this
      one waits too. Every start is recorded in the world's "installerRuns".
    - 1602 (cancelled) and 1618 (another installation running) end before the transaction;
      everything else holds Windows Installer's _MSIExecute mutex while its transaction runs
      (Microsoft: "_MSIExecute Mutex"), as a real installation does.
    - Success (0, 3010, 1641) writes the connector as docs/reference/domain.md section 1.1 names it: folders,
      the service and updater with their .exe.config (docs/reference/windows-outputs/connector.md CONN-01), the PowerShell
      module, Microsoft's RegisterConnector.ps1 and ConfigureOutBoundProxy.ps1 (signed), the
      registry keys, both services Running, the event source and the Admin log. An upgrade keeps
      the existing configuration and registration. "filesAfterExitMs" returns first and writes
      later, as the bootstrapper can (docs/reference/domain.md: Microsoft's own sample sleeps 60 s).
    - 1603 writes the installer log named "logName" into TEMP with the "log" lines.
#>
param([Parameter(Mandatory = $true)][string]$Request, [int]$DeferredMs = 0)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ask = ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($Request))
$path = [string]$ask.path
$arguments = @($ask.arguments | ForEach-Object { [string]$_ })
$entry = $null
Update-FakeWorld -Change {
    param($world)
    $script:entry = $world['files'][$path]
    if ($DeferredMs -eq 0) {
        $runs = @(if ($world.ContainsKey('installerRuns')) { @($world['installerRuns']) | Where-Object { $_ } })
        $runs += , @{ path = $path; arguments = $arguments; throughShell = [bool]($ask.PSObject.Properties['throughShell'] -and $ask.throughShell); securityPrompt = [bool]($ask.PSObject.Properties['securityPrompt'] -and $ask.securityPrompt); at = (Get-Date).ToUniversalTime().ToString('o') }
        $world['installerRuns'] = $runs
    }
}
$spec = $entry['installer']
function Get-Spec { param([string]$Name, $Default) if ($spec.ContainsKey($Name) -and $null -ne $spec[$Name]) { return $spec[$Name] } return $Default }

$names = @{
    entra = @{ folder = 'Microsoft Entra private network connector'; service = 'MicrosoftEntraPrivateNetworkConnectorService'; updater = 'MicrosoftEntraPrivateNetworkConnectorUpdaterService'; module = 'MicrosoftEntraPrivateNetworkConnectorPSModule'; registry = 'Microsoft Entra private network connector'; data = 'Microsoft Entra private network connector'; adminLog = 'Microsoft-Microsoft Entra private network-Connector/Admin'; source = 'Microsoft Entra private network connector'; display = 'Microsoft Entra private network connector'; trace = 'MicrosoftEntraPrivateNetworkConnector' }
    aad   = @{ folder = 'Microsoft AAD App Proxy Connector'; service = 'ApplicationProxyConnectorService'; updater = 'ApplicationProxyConnectorUpdaterService'; module = 'AppProxyPSModule'; registry = 'Microsoft AAD App Proxy Connector'; data = 'Microsoft AAD Application Proxy Connector'; adminLog = 'Microsoft-AadApplicationProxy-Connector/Admin'; source = 'Microsoft AAD Application Proxy Connector'; display = 'Microsoft AAD Application Proxy Connector'; trace = 'AadAppProxyConnector' }
}
$microsoft = @{ status = 'Valid'; signer = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US' }

function Install-FakeConnector {
    $n = $names[[string](Get-Spec 'product' 'entra')]
    $version = [string](Get-Spec 'version' '1.5.4287.0')
    $appears = [bool](Get-Spec 'servicesAppear' $true)
    Update-FakeWorld -Change {
        param($world)
        foreach ($section in @('files', 'registry', 'services', 'eventLogs')) { if (-not $world.ContainsKey($section) -or $null -eq $world[$section]) { $world[$section] = @{} } }
        $programFiles = [string]$world['registry']['HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion']['ProgramFilesDir']
        $dir = "$programFiles\$($n.folder)"
        $template = "<?xml version=`"1.0`" encoding=`"utf-8`" ?>`r`n<configuration>`r`n  <runtime>`r`n    <gcServer enabled=`"true`"/>`r`n  </runtime>`r`n  <appSettings>`r`n    <add key=`"TraceFilename`" value=`"{0}.log`" />`r`n  </appSettings>`r`n</configuration>`r`n"
        $files = $world['files']
        $files["$dir\$($n.service).exe"] = @{ text = "MZ $($n.service) $version"; version = $version; signature = $microsoft }
        $files["$dir Updater\$($n.updater).exe"] = @{ text = "MZ $($n.updater) $version"; version = $version; signature = $microsoft }
        foreach ($config in @(@("$dir\$($n.service).exe.config", $n.trace), @("$dir Updater\$($n.updater).exe.config", "$($n.trace)Updater"))) {
            if (-not $files.ContainsKey($config[0])) { $files[$config[0]] = @{ text = ($template -f $config[1]) } }
        }
        $files["$dir\Modules\$($n.module)\$($n.module).psd1"] = @{ text = "@{ ModuleVersion = '$version' }"; signature = $microsoft }
        $files["$dir\RegisterConnector.ps1"] = @{ text = "# RegisterConnector.ps1 $version"; signature = $microsoft; microsoftScript = 'RegisterConnector' }
        $files["$dir\ConfigureOutBoundProxy.ps1"] = @{ text = "# ConfigureOutBoundProxy.ps1 $version"; signature = $microsoft; microsoftScript = 'ConfigureOutBoundProxy' }
        $world['registry']["HKLM\SOFTWARE\Microsoft\$($n.registry)"] = $(if ($world['registry'].ContainsKey("HKLM\SOFTWARE\Microsoft\$($n.registry)")) { $world['registry']["HKLM\SOFTWARE\Microsoft\$($n.registry)"] } else { @{} })
        $world['registry']["HKLM\SOFTWARE\Microsoft\$($n.registry) Updater"] = @{}
        if ($appears) {
            $world['services']['WAPCSvc'] = @{ DisplayName = $n.display; Status = 'Running'; StartType = 'Automatic' }
            $world['services']['WAPCUpdaterSvc'] = @{ DisplayName = "$($n.display) updater"; Status = 'Running'; StartType = 'Automatic' }
        }
        $providers = @(if ($world.ContainsKey('eventProviders')) { @($world['eventProviders']) | Where-Object { $_ } })
        if ($providers -notcontains $n.source) { $providers += , $n.source }
        $world['eventProviders'] = $providers
        if (-not $world['eventLogs'].ContainsKey($n.adminLog)) { $world['eventLogs'][$n.adminLog] = @() }
        if (-not $world['eventLogs'].ContainsKey('Application')) { $world['eventLogs']['Application'] = @() }
    }
}

function Write-FakeInstallerLog {
    $temp = $env:TEMP
    $name = [string](Get-Spec 'logName' 'MicrosoftEntraPrivateNetworkConnector_20261201.log')
    $lines = @(Get-Spec 'log' @())
    Update-FakeWorld -Change {
        param($world)
        $world['files']["$temp\$name"] = @{ text = (($lines -join "`r`n") + "`r`n"); modified = (Get-Date).ToUniversalTime().ToString('o') }
    }
}

if ($DeferredMs -gt 0) {
    Start-Sleep -Milliseconds $DeferredMs
    Install-FakeConnector
    exit 0
}

$exitCode = [int](Get-Spec 'exitCode' 0)
$hang = [string](Get-Spec 'hang' 'none')
if ($arguments -notcontains '/q') { $hang = 'before-transaction' }
# Started through the shell with the browser's mark of the web still on the file: Windows shows
# "Open File - Security Warning" first, and nobody is there to answer it.
if ($ask.PSObject.Properties['securityPrompt'] -and $ask.securityPrompt) { $hang = 'before-transaction' }
Start-Sleep -Milliseconds ([int](Get-Spec 'beforeTransactionMs' 200))
if ($hang -eq 'before-transaction') { while ($true) { Start-Sleep -Seconds 1 } }
function Exit-FakeInstaller {
    param([int]$Code)
    [System.IO.File]::WriteAllText("$Request.exitcode", [string]$Code)
    exit $Code
}
if ($exitCode -eq 1602 -or $exitCode -eq 1618) { Exit-FakeInstaller -Code $exitCode }

# A test-only accommodation, not Windows behaviour. A script watches for the transaction by
# polling; a real one lasts minutes, this one a fraction of a second, which a script starved of
# CPU on a busy machine could sleep through. So the transaction stays open until the script has
# looked at its installer twice since it began (the fake Start-Process counts each look at
# HasExited in "<request>.looks"): between two looks the script has tested the mutex once,
# whatever the machine's speed. It does not wait when the script waits without polling
# (WaitForExit, -Wait), when the script's run or process has ended, or, as a backstop for a real
# hang, after ten minutes.
function Wait-TransactionSeen {
    $looks = "$Request.looks"
    $backstop = [DateTime]::UtcNow.AddMinutes(10)
    while ([DateTime]::UtcNow -lt $backstop) {
        if ([System.IO.File]::Exists($looks) -and (New-Object -TypeName System.IO.FileInfo -ArgumentList $looks).Length -ge 2) { return }
        if ($ask.PSObject.Properties['parent'] -and $null -eq (Get-Process -Id ([int]$ask.parent) -ErrorAction SilentlyContinue)) { return }
        Start-Sleep -Milliseconds 20
    }
}

# Another fake installation may hold the mutex (tests run side by side): only the owner releases it.
$created = $false
$mutex = [System.Threading.Mutex]::new($true, 'Global\_MSIExecute', [ref]$created)
if ($created) { [System.IO.File]::WriteAllText("$Request.transaction", '') }
try {
    Start-Sleep -Milliseconds ([int](Get-Spec 'transactionMs' 300))
    if ($hang -eq 'in-transaction') { while ($true) { Start-Sleep -Seconds 1 } }
    if ($exitCode -eq 1603) { Write-FakeInstallerLog }
    elseif ([bool](Get-Spec 'crash' $false)) { [System.Diagnostics.Process]::GetCurrentProcess().Kill() }
    elseif ([int](Get-Spec 'filesAfterExitMs' 0) -gt 0) {
        $hostPath = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $childArgs = @('--module', (Join-Path -Path $PSScriptRoot -ChildPath 'FakeWindows.psm1'), '--state', $global:FakeWindowsStateFile, '--child', '--', '-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Request', $Request, '-DeferredMs', [string](Get-Spec 'filesAfterExitMs' 0))
        $quoted = @($childArgs | ForEach-Object { if ($_ -match '[\s"]') { '"' + ($_ -replace '"', '\"') + '"' } else { $_ } })
        $null = Microsoft.PowerShell.Management\Start-Process -FilePath $hostPath -ArgumentList ($quoted -join ' ') -RedirectStandardOutput "$Request.deferred.out" -RedirectStandardError "$Request.deferred.err"
    }
    else { Install-FakeConnector }
}
finally {
    if ($created) {
        Wait-TransactionSeen
        $mutex.ReleaseMutex()
    }
    $mutex.Dispose()
}
Exit-FakeInstaller -Code $exitCode
