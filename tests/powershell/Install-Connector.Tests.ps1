# Pester 5: Install-Connector.ps1 started as the companion starts it, over the fake Windows, whose
# installer is a real child process (tests/fake-windows/Invoke-FakeInstaller.ps1) behaving as
# reference docs/reference/domain.md section 1.3 documents, one world per installer outcome.

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('install-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $healthy = Get-ScenarioWorld -Name 'healthy'
    $registered = Get-ScenarioWorld -Name 'connector-registered'
    $downloads = 'C:\Users\admin\Downloads'
    $script:Picked = "$downloads\MicrosoftEntraPrivateNetworkConnectorInstaller.exe"
    $microsoft = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US'

    # The healthy world's installer with its file or installer behaviour changed.
    $with = {
        param($base, [hashtable]$installer, [hashtable]$file, [string]$path)
        $target = $(if ($path) { $path } else { $script:Picked })
        $entry = [ordered]@{ text = 'MZ MicrosoftEntraPrivateNetworkConnectorInstaller 1.5.4287.0'; version = '1.5.4287.0'; signature = [ordered]@{ status = 'Valid'; signer = $microsoft }; installer = [ordered]@{ product = 'entra'; version = '1.5.4287.0'; exitCode = 0 } }
        if ($installer) { foreach ($key in $installer.Keys) { $entry['installer'][$key] = $installer[$key] } }
        if ($file) { foreach ($key in $file.Keys) { $entry[$key] = $file[$key] } }
        Merge-World -Base $base -Patch ([ordered]@{ files = [ordered]@{ $target = $entry } })
    }
    $fast = @{ ServicesTimeoutSeconds = 3 }
    $log = @('Action start 10:15:01: InstallFiles.', 'MSI (s) (A4:2C) [10:15:02:113]: Product: Microsoft Entra private network connector -- Installation failed.', 'Action ended 10:15:02: InstallFinalize. Return value 3.', 'CustomAction RegisterEventLogSource returned actual error code 1603', 'Error 0x80070643: Failed to install MSI package.')
    # The hang holds the machine's install turn for its whole 10 s deadline (see
    # Enter-FakeInstallSession): it goes first, beside the runs that never start an installer.
    $runs = @(
        @{ Name = 'hang'; World = (& $with $healthy @{ hang = 'before-transaction' }); Parameters = @{ InstallerTimeoutSeconds = 10 } },
        @{ Name = 'what-if'; World = $healthy; Switches = @('WhatIf') },
        @{ Name = 'not-signed'; World = (& $with $healthy $null @{ signature = $null }) },
        @{ Name = 'tampered'; World = (& $with $healthy $null @{ signature = [ordered]@{ status = 'HashMismatch'; signer = $microsoft } }) },
        @{ Name = 'not-microsoft'; World = (& $with $healthy $null @{ signature = [ordered]@{ status = 'Valid'; signer = 'CN=Microsoft Corporation, OU=O=Microsoft Corporation, O=Contoso Tools, C=US' } }) },
        @{ Name = 'renamed'; World = (& $with $healthy $null $null "$downloads\MicrosoftEntraPrivateNetworkConnectorInstaller (1).exe"); Parameters = @{ InstallerPath = "$downloads\MicrosoftEntraPrivateNetworkConnectorInstaller (1).exe" } },
        @{ Name = 'missing'; World = $healthy; Parameters = @{ InstallerPath = "$downloads\nothing.exe" } },
        @{ Name = 'same-version'; World = $registered },
        @{ Name = 'other-version'; World = (& $with $registered @{ version = '1.5.4400.0' } @{ version = '1.5.4400.0' }) },
        @{ Name = 'acl-fails'; World = (Merge-World -Base $healthy -Patch ([ordered]@{ icaclsFails = 5 })) },
        @{ Name = 'ok'; World = $healthy },
        # Downloaded with a browser: the file carries the mark of the web (Zone.Identifier, zone 3).
        # Through the shell it would wait at a prompt until this deadline (never reached when it works).
        @{ Name = 'downloaded'; World = (& $with $healthy $null @{ zone = 3 }); Parameters = @{ InstallerTimeoutSeconds = 30 } },
        @{ Name = 'ok-clm'; World = $healthy; LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'cancelled'; World = (& $with $healthy @{ exitCode = 1602 }) },
        @{ Name = 'failed'; World = (& $with $healthy @{ exitCode = 1603; logName = 'MicrosoftEntraPrivateNetworkConnector_20261201101500.log'; log = $log }) },
        @{ Name = 'failed-planted'; World = (Merge-World -Base (& $with $healthy @{ exitCode = 1603; logName = 'MicrosoftEntraPrivateNetworkConnector_20261201101500.log'; log = $log }) -Patch ([ordered]@{ files = [ordered]@{ 'C:\Users\admin\AppData\Local\Temp\ConnectorPlanted.log' = [ordered]@{ text = "Error 1234 planted by a standard user`r`n"; modified = '2099-01-01T00:00:00.0000000Z'; reparsePoint = $true } } })) },
        @{ Name = 'busy'; World = (& $with $healthy @{ exitCode = 1618 }) },
        @{ Name = 'restarting'; World = (& $with $healthy @{ exitCode = 1641 }) },
        @{ Name = 'reboot'; World = (& $with $healthy @{ exitCode = 3010 }) },
        @{ Name = 'crash'; World = (& $with $healthy @{ crash = $true }) },
        @{ Name = 'no-services'; World = (& $with $healthy @{ servicesAppear = $false }) },
        @{ Name = 'late-files'; World = (& $with $healthy @{ filesAfterExitMs = 1500 }); Parameters = @{ ServicesTimeoutSeconds = 20 } },
        @{ Name = 'upgrade'; World = (& $with $registered @{ version = '1.5.4400.0' } @{ version = '1.5.4400.0' }); Switches = @('Upgrade') },
        @{ Name = 'old-installer'; World = (& $with $healthy @{ product = 'aad'; version = '1.5.3437.0' } @{ version = '1.5.3437.0' } "$downloads\AADApplicationProxyConnectorInstaller.exe"); Parameters = @{ InstallerPath = "$downloads\AADApplicationProxyConnectorInstaller.exe"; Environment = 'AzureUSGovernment' } }
    )
    foreach ($run in $runs) {
        $run['Script'] = 'Install-Connector'
        $parameters = [ordered]@{ InstallerPath = $script:Picked }
        foreach ($key in $fast.Keys) { $parameters[$key] = $fast[$key] }
        if ($run['Parameters']) { foreach ($key in $run['Parameters'].Keys) { $parameters[$key] = $run['Parameters'][$key] } }
        $run['Parameters'] = $parameters
    }
    $script:Runs = Invoke-CompanionScripts -Runs $runs -WorkDir $script:Work
    $script:WorldAfter = { param([string]$name) ConvertTo-TestHashtable -Value (ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText((Join-Path -Path $script:Work -ChildPath "world-$name.json")))) }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Install-Connector.ps1 over the fake Windows' {
    It 'copies the installer to a folder only administrators can write, checks it there, runs the copy quietly without registering, and waits for the services' {
        $run = $script:Runs['ok']
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'ran'
        $run.Result.exitCode | Should -Be 0
        $run.Result.transactionStarted | Should -BeTrue
        $run.Result.staged | Should -Be 'C:\ProgramData\NDES Proxy Companion\Installers\MicrosoftEntraPrivateNetworkConnectorInstaller.exe'
        $run.Result.installer.version | Should -Be '1.5.4287.0'
        $run.Result.installer.signature.isMicrosoft | Should -BeTrue
        $run.Result.after.moduleFound | Should -BeTrue
        @($run.Result.after.services | ForEach-Object { "$($_.name)=$($_.status)" }) | Should -Be @('WAPCSvc=Running', 'WAPCUpdaterSvc=Running')
        $world = & $script:WorldAfter 'ok'
        @($world['installerRuns']).Count | Should -Be 1
        $world['installerRuns'][0]['path'] | Should -Be $run.Result.staged
        @($world['installerRuns'][0]['arguments']) | Should -Be @('REGISTERCONNECTOR="false"', '/q')
        # The staging folder: owner Administrators, no inherited entries, only Administrators and SYSTEM.
        $world['acls']['C:\ProgramData\NDES Proxy Companion\Installers'] | Should -Be 'O:BAG:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'
        $run.Progress | Should -Contain 'Windows Installer is installing the connector'
        $run.Phases | Should -Be @('transaction')
    }

    It 'installs a downloaded installer without stopping at the shell''s security prompt: the mark is taken off the checked copy first' {
        $run = $script:Runs['downloaded']
        $run.Result.result | Should -Be 'ran'
        $run.Result.exitCode | Should -Be 0
        $world = & $script:WorldAfter 'downloaded'
        # Through the shell still (so no pipe of the script's is handed to the installer), unmarked.
        $world['installerRuns'][0]['throughShell'] | Should -BeTrue
        $world['installerRuns'][0]['securityPrompt'] | Should -BeFalse
        $world['files'][$run.Result.staged].Contains('zone') | Should -BeFalse
        # What was picked is left as it was: only the companion's own checked copy is unblocked.
        $world['files'][$script:Picked]['zone'] | Should -Be 3
    }

    It 'installs in ConstrainedLanguage, where the transaction cannot be seen and is assumed from the start' {
        $run = $script:Runs['ok-clm']
        $run.Result.result | Should -Be 'ran'
        $run.Result.exitCode | Should -Be 0
        $run.Result.transactionStarted | Should -BeNullOrEmpty
        $run.Result.after.moduleFound | Should -BeTrue
    }

    It '-WhatIf checks the picked file where it is and changes nothing' {
        $run = $script:Runs['what-if']
        $run.Result.result | Should -Be 'what-if'
        $run.Result.whatIf | Should -BeTrue
        $run.Result.staged | Should -BeNullOrEmpty
        $run.Result.installer.signature.isMicrosoft | Should -BeTrue
        $world = & $script:WorldAfter 'what-if'
        $world.Contains('installerRuns') | Should -BeFalse
        $world.Contains('acls') | Should -BeFalse
        @($world['files'].Keys | Where-Object { $_ -like 'C:\ProgramData\NDES Proxy Companion*' }).Count | Should -Be 0
    }

    It 'reports each documented exit code as it came, with what is installed afterwards' -ForEach @(
        @{ Name = 'cancelled'; Code = 1602; Installed = $false },
        @{ Name = 'busy'; Code = 1618; Installed = $false },
        @{ Name = 'restarting'; Code = 1641; Installed = $true },
        @{ Name = 'reboot'; Code = 3010; Installed = $true }
    ) {
        $run = $script:Runs[$Name]
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'ran'
        $run.Result.exitCode | Should -Be $Code
        $run.Result.after.moduleFound | Should -Be $Installed
    }

    It 'on 1603 finds the installer log in TEMP and keeps its telling lines' {
        $run = $script:Runs['failed']
        $run.Result.exitCode | Should -Be 1603
        $run.Result.log.file | Should -Be 'C:\Users\admin\AppData\Local\Temp\MicrosoftEntraPrivateNetworkConnector_20261201101500.log'
        $run.Result.log.lines | Should -Be @('MSI (s) (A4:2C) [10:15:02:113]: Product: Microsoft Entra private network connector -- Installation failed.', 'Action ended 10:15:02: InstallFinalize. Return value 3.', 'CustomAction RegisterEventLogSource returned actual error code 1603', 'Error 0x80070643: Failed to install MSI package.')
        $run.Result.after.moduleFound | Should -BeFalse
    }

    It 'on 1603 never reads a log planted in TEMP as a link or junction, however new' {
        $run = $script:Runs['failed-planted']
        $run.Result.exitCode | Should -Be 1603
        $run.Result.log.file | Should -Be 'C:\Users\admin\AppData\Local\Temp\MicrosoftEntraPrivateNetworkConnector_20261201101500.log'
        @($run.Result.log.lines) -join ' ' | Should -Not -Match 'planted'
    }

    It 'reports an installer that crashed with the exit code Windows gave it' {
        $run = $script:Runs['crash']
        $run.Result.result | Should -Be 'ran'
        @(0, 1602, 1603, 1618, 1641, 3010) | Should -Not -Contain $run.Result.exitCode
        $run.Result.after.moduleFound | Should -BeFalse
    }

    It 'stops an installer that hangs before its transaction at the deadline, and says so' {
        $run = $script:Runs['hang']
        $run.Result.timedOut | Should -BeTrue
        $run.Result.transactionStarted | Should -BeFalse
        $run.Result.stopped | Should -BeTrue
        $run.Result.exitCode | Should -BeNullOrEmpty
    }

    It 'waits for services that come after the bootstrapper returned, and reports services that never came' {
        $late = $script:Runs['late-files']
        $late.Result.exitCode | Should -Be 0
        $late.Result.after.moduleFound | Should -BeTrue
        @($late.Result.after.services).Count | Should -Be 2
        $none = $script:Runs['no-services']
        $none.Result.exitCode | Should -Be 0
        $none.Result.after.moduleFound | Should -BeTrue
        $none.Json | Should -Match '"services":\[\]'
    }

    It 'refuses, before running anything, an installer that is <Name>' -ForEach @(
        @{ Name = 'not-signed'; Reason = 'not-signed'; Detail = 'NotSigned' },
        @{ Name = 'tampered'; Reason = 'not-signed'; Detail = 'HashMismatch' },
        @{ Name = 'not-microsoft'; Reason = 'not-microsoft'; Detail = 'CN=Microsoft Corporation, OU="O=Microsoft Corporation", O=Contoso Tools, C=US' },
        @{ Name = 'renamed'; Reason = 'wrong-name'; Detail = 'MicrosoftEntraPrivateNetworkConnectorInstaller (1).exe' },
        @{ Name = 'missing'; Reason = 'not-found'; Detail = 'C:\Users\admin\Downloads\nothing.exe' }
    ) {
        $run = $script:Runs[$Name]
        $run.ExitCode | Should -Be 0
        $run.Result.result | Should -Be 'refused'
        $run.Result.refusal.reason | Should -Be $Reason
        $run.Result.refusal.detail | Should -Be $Detail
        $run.Result.launched | Should -BeFalse
        (& $script:WorldAfter $Name).Contains('installerRuns') | Should -BeFalse
    }

    It 'leaves a connector already at the installer''s version alone' {
        $run = $script:Runs['same-version']
        $run.Result.result | Should -Be 'already-installed'
        $run.Result.existing.version | Should -Be '1.5.4287.0'
        (& $script:WorldAfter 'same-version').Contains('installerRuns') | Should -BeFalse
    }

    It 'reports another installed version and replaces it only with -Upgrade' {
        $other = $script:Runs['other-version']
        $other.Result.result | Should -Be 'other-version-installed'
        $other.Result.existing.version | Should -Be '1.5.4287.0'
        $other.Result.installer.version | Should -Be '1.5.4400.0'
        (& $script:WorldAfter 'other-version').Contains('installerRuns') | Should -BeFalse
        $upgrade = $script:Runs['upgrade']
        $upgrade.Result.result | Should -Be 'ran'
        $upgrade.Result.after.version | Should -Be '1.5.4400.0'
        # The upgrade keeps the registration (TrustSettings.xml) in place.
        (& $script:WorldAfter 'upgrade')['files'].Contains('C:\ProgramData\Microsoft\Microsoft Entra private network connector\Config\TrustSettings.xml') | Should -BeTrue
    }

    It 'installs the pre-rename connector with the US Government environment switch' {
        $run = $script:Runs['old-installer']
        $run.Result.installer.product | Should -Be 'aad'
        @($run.Result.arguments) | Should -Be @('REGISTERCONNECTOR="false"', '/q', 'ENVIRONMENTNAME="AzureUSGovernment"')
        $run.Result.after.generation | Should -Be 'aad'
        $run.Result.after.moduleFound | Should -BeTrue
    }

    It 'fails with its error document when the staging folder cannot be restricted' {
        $run = $script:Runs['acl-fails']
        $run.ExitCode | Should -Be 1
        $run.Result.error.code | Should -Be 'CONNECTOR_INSTALL_FAILED'
        $run.Result.error.message | Should -BeLike '*icacls could not restrict*exit code 5*'
        (& $script:WorldAfter 'acl-fails').Contains('installerRuns') | Should -BeFalse
    }
}
