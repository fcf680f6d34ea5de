# Pester 5: the fake Windows answers as the cited captures show real Windows answering
# (docs/reference/windows-outputs/). These tests hold the fake to its sources, so a check
# that agrees with the fake agrees with Windows.

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('fake-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $probe = Join-Path -Path $script:Work -ChildPath 'Probe.ps1'
    Set-Content -LiteralPath $probe -Encoding ASCII -Value @'
$system = [Environment]::SystemDirectory
'--appcmd-sites'
& "$system\inetsrv\appcmd.exe" list site /xml
"exit=$LASTEXITCODE"
'--appcmd-missing'
& "$system\inetsrv\appcmd.exe" list apppool 'NoSuchPool' /config:* /xml
"exit=$LASTEXITCODE"
'--w32tm-stopped'
& "$system\w32tm.exe" /query /status
"exit=$LASTEXITCODE"
'--whoami'
& "$system\whoami.exe" /groups /fo csv /nh
'--service'
try { Get-Service -Name 'NoSuchService' -ErrorAction Stop } catch { $_.Exception.Message; $_.FullyQualifiedErrorId; [string]$_.CategoryInfo.Category }
'--registry-missing'
try { Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\NoSuchKey' -ErrorAction Stop } catch { $_.Exception.Message; [string]$_.CategoryInfo.Category }
'--registry-empty-key'
@(Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Cryptography\MSCEP\Empty').Count
'--registry-types'
$values = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Types'
$values.Dword.GetType().Name; $values.Text.GetType().Name; $values.Multi.GetType().Name; $values.Binary.GetType().Name; $values.Big
'--policy'
Get-ExecutionPolicy -List | ForEach-Object { "$($_.Scope)=$($_.ExecutionPolicy)" }
'--events'
foreach ($filter in @(@{ LogName = 'Application'; Level = 2 }, @{ LogName = 'No/Such' }, @{ LogName = 'Application'; ProviderName = 'NoSuchSource' })) {
    try { Get-WinEvent -FilterHashtable $filter -MaxEvents 5 -ErrorAction Stop | ForEach-Object { "$($_.Id) $($_.LevelDisplayName)" } } catch { $_.Exception.Message; $_.FullyQualifiedErrorId }
}
@(Get-WinEvent -FilterHashtable @{ LogName = 'Application' } -MaxEvents 5 | ForEach-Object { $_.Id }) -join ','
'--certificate'
$certificate = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\My')[0]
$certificate.GetType().FullName; $certificate.HasPrivateKey; $certificate.Thumbprint.Length
'@
    $world = [ordered]@{
        token        = [ordered]@{ elevated = $true; language = 'en' }
        iis          = [ordered]@{ sites = @([ordered]@{ name = 'Default Web Site'; id = 1; bindings = 'http/*:80:'; state = 'Started' }); appPools = @() }
        registry     = [ordered]@{
            'HKLM\SOFTWARE\Microsoft\Cryptography\MSCEP\Empty' = [ordered]@{}
            'HKLM\SOFTWARE\Types'                              = [ordered]@{ Dword = 1; Text = 'a'; Multi = @('only'); Binary = [ordered]@{ type = 'binary'; hex = '0102' }; Big = 4294967295 }
        }
        eventProviders = @('Source A')
        eventLogs    = [ordered]@{ Application = @([ordered]@{ Id = 1; Level = 4; TimeCreated = '2026-01-01T00:00:00Z'; ProviderName = 'Source A'; Message = 'older' }, [ordered]@{ Id = 2; Level = 4; TimeCreated = '2026-01-02T00:00:00Z'; ProviderName = 'Source A'; Message = 'newer' }) }
        certificates = [ordered]@{ 'LocalMachine\My' = @([ordered]@{ subject = 'CN=x'; notBefore = '2025-01-01T00:00:00Z'; notAfter = '2027-01-01T00:00:00Z'; hasPrivateKey = $true }) }
    }
    # A script that looks at its installer only every 2.5 s, far less often than the fake
    # installer's 300 ms transaction lasts: it still sees the transaction (Wait-TransactionSeen).
    $slowWatcher = Join-Path -Path $script:Work -ChildPath 'Slow-Watcher.ps1'
    Set-Content -LiteralPath $slowWatcher -Encoding ASCII -Value @'
$process = Start-Process -FilePath 'C:\Users\admin\Downloads\MicrosoftEntraPrivateNetworkConnectorInstaller.exe' -ArgumentList @('REGISTERCONNECTOR="false"', '/q') -PassThru
$seen = $false
while (-not $process.HasExited) {
    $mutex = $null
    if ([System.Threading.Mutex]::TryOpenExisting('Global\_MSIExecute', [ref]$mutex)) { $seen = $true; $mutex.Dispose() }
    Start-Sleep -Milliseconds 2500
}
"seen=$seen exit=$($process.ExitCode)"
'@
    $installerWorld = [ordered]@{
        files = [ordered]@{ 'C:\Users\admin\Downloads\MicrosoftEntraPrivateNetworkConnectorInstaller.exe' = [ordered]@{ text = 'MZ installer'; installer = [ordered]@{ product = 'entra'; version = '1.5.4287.0'; exitCode = 0; transactionMs = 300 } } }
        registry = [ordered]@{ 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion' = [ordered]@{ ProgramFilesDir = 'C:\Program Files' } }
        services = [ordered]@{}
    }
    $runs = Invoke-CompanionScripts -Runs @(@{ Name = 'probe'; ScriptPath = $probe; World = $world }, @{ Name = 'slow-watcher'; ScriptPath = $slowWatcher; World = $installerWorld }) -WorkDir $script:Work
    $run = @{ probe = $runs['probe'] }
    $script:SlowWatcher = $runs['slow-watcher']
    $script:Sections = @{}
    $current = $null
    foreach ($line in $run['probe'].Lines) {
        if ($line -like '--*') { $current = $line.Substring(2); $script:Sections[$current] = @(); continue }
        $script:Sections[$current] += , $line
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'the fake Windows answers as its cited sources show' {
    It 'appcmd list site /xml has the shape of APPCMD-22 (projects'' fixtures agree on it; no real capture exists)' {
        $script:Sections['appcmd-sites'] | Should -Be @('<?xml version="1.0" encoding="UTF-8"?>', '<appcmd>', '    <SITE SITE.NAME="Default Web Site" SITE.ID="1" bindings="http/*:80:" state="Started" />', '</appcmd>', 'exit=0')
    }
    It 'appcmd reports a missing object as APPCMD-15 does, with exit code 1168' {
        $script:Sections['appcmd-missing'] | Should -Be @('ERROR ( message:Cannot find APPPOOL object with identifier "NoSuchPool". )', 'exit=1168')
    }
    It 'w32tm with the service stopped prints W32TM-11 and a non-zero exit code (its value is not captured anywhere)' {
        $script:Sections['w32tm-stopped'][0] | Should -Be 'The following error occurred: The service has not been started. (0x80070426)'
        $script:Sections['w32tm-stopped'][1] | Should -Not -Be 'exit=0'
    }
    It 'whoami /groups /fo csv /nh prints CSV rows as open-source projects'' test data show them, mandatory label last' {
        $script:Sections['whoami'] | Should -Contain '"BUILTIN\Administrators","Alias","S-1-5-32-544","Mandatory group, Enabled by default, Enabled group, Group owner"'
        $script:Sections['whoami'][-1] | Should -Be '"Mandatory Label\High Mandatory Level","Label","S-1-16-12288",""'
    }
    It 'Get-Service for a missing service writes SVC-02''s error' {
        $script:Sections['service'][0] | Should -Be "Cannot find any service with service name 'NoSuchService'."
        $script:Sections['service'][1] | Should -BeLike 'NoServiceFoundForGivenName*'
        $script:Sections['service'][2] | Should -Be 'ObjectNotFound'
    }
    It 'a missing registry key is ItemNotFound; a key with no values prints nothing' {
        $script:Sections['registry-missing'][0] | Should -Be "Cannot find path 'HKLM:\SOFTWARE\NoSuchKey' because it does not exist."
        $script:Sections['registry-missing'][1] | Should -Be 'ObjectNotFound'
        $script:Sections['registry-empty-key'] | Should -Be @('0')
    }
    It 'registry values come back typed as Windows types them (REG_DWORD as Int32)' {
        $script:Sections['registry-types'] | Should -Be @('Int32', 'String', 'String[]', 'Byte[]', '-1')
    }
    It 'with no policy set, every scope is Undefined but Process, which -ExecutionPolicy sets (EP-01, EP-08)' {
        $script:Sections['policy'] | Should -Be @('MachinePolicy=Undefined', 'UserPolicy=Undefined', 'Process=Bypass', 'CurrentUser=Undefined', 'LocalMachine=Undefined')
    }
    It 'Get-WinEvent answers newest first and fails as Windows does when nothing, no log or no provider matches' {
        $script:Sections['events'] | Should -Be @(
            'No events were found that match the specified selection criteria.', 'NoMatchingEventsFound,Get-WinEvent',
            'There is not an event log on the localhost computer that matches "No/Such".', 'NoMatchingLogsFound,Get-WinEvent',
            'There is not an event provider on the localhost computer that matches "NoSuchSource".', 'NoMatchingProvidersFound,Get-WinEvent',
            '2,1')
    }
    It 'an installer''s transaction stays open until the script watching it has looked, however slowly it looks' {
        $script:SlowWatcher.Lines | Should -Contain 'seen=True exit=0'
    }
    It 'certificates are real X509Certificate2 objects' {
        $script:Sections['certificate'] | Should -Be @('System.Security.Cryptography.X509Certificates.X509Certificate2', 'True', '40')
    }
}
