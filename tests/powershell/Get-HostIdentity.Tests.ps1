# Pester 5: Get-HostIdentity.ps1 started as the companion starts it, over the fake Windows.

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'CompanionTestHelpers.psm1') -Force
    $script:Work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('identity-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
    $runs = @(
        @{ Name = 'healthy'; World = (Get-ScenarioWorld -Name 'healthy') },
        @{ Name = 'clm'; World = (Get-ScenarioWorld -Name 'healthy'); LanguageMode = 'ConstrainedLanguage' },
        @{ Name = 'not-elevated'; World = (Get-ScenarioWorld -Name 'not-elevated') },
        @{ Name = 'wmi'; World = (Get-ScenarioWorld -Name 'wmi-broken') }
    )
    foreach ($run in $runs) { $run['Script'] = 'Get-HostIdentity' }
    $script:Runs = Invoke-CompanionScripts -Runs $runs -WorkDir $script:Work
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-HostIdentity.ps1 over the fake Windows' {
    It 'prints the identity of the server as one JSON document after its progress lines' {
        $run = $script:Runs['healthy']
        $run.ExitCode | Should -Be 0
        $run.Progress | Should -Be @('Reading the operating system', 'Checking elevation')
        $run.Result.computerName | Should -Be 'NDES01'
        $run.Result.domain | Should -Be 'contoso.local'
        $run.Result.osBuild | Should -Be 20348
        $run.Result.elevated | Should -BeTrue
        $run.Result.serverCore | Should -BeFalse
        $run.Result.languageMode | Should -Be 'FullLanguage'
    }

    It 'works in ConstrainedLanguage and says so' {
        $script:Runs['clm'].ExitCode | Should -Be 0
        $script:Runs['clm'].Result.languageMode | Should -Be 'ConstrainedLanguage'
        $script:Runs['clm'].Result.elevated | Should -BeTrue
    }

    It 'reports a non-elevated Server Core host (German whoami output)' {
        $script:Runs['not-elevated'].Result.elevated | Should -BeFalse
        $script:Runs['not-elevated'].Result.serverCore | Should -BeTrue
        $script:Runs['not-elevated'].Result.computerName | Should -Be 'CONN02'
    }

    It 'fails with exit 1 and a JSON error carrying what Windows said when WMI is broken' {
        $run = $script:Runs['wmi']
        $run.ExitCode | Should -Be 1
        $run.Result.error.code | Should -Be 'HOST_IDENTITY_FAILED'
        $run.Result.error.message | Should -Be 'Invalid class "Win32_OperatingSystem"'
        $run.Result.error.errorId | Should -BeLike 'HRESULT 0x80041010*'
    }
}
