#Requires -Modules Pester
# Pester 5 tests for Get-HostReadiness.ps1, run by the Windows workflow against real PowerShell.

BeforeAll {
    $script:ScriptPath = Join-Path $PSScriptRoot '..\..\scripts\powershell\Get-HostReadiness.ps1'
    $script:Output = & powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $script:ScriptPath
    $script:ExitCode = $LASTEXITCODE
    $script:Progress = @($script:Output | Where-Object { $_ -like '::progress::*' })
    $script:Facts = (($script:Output | Where-Object { $_ -notlike '::progress::*' }) -join "`n") | ConvertFrom-Json
}

Describe 'Get-HostReadiness.ps1' {
    It 'exits 0 and prints progress lines apart from one JSON document' {
        $script:ExitCode | Should -Be 0
        $script:Progress.Count | Should -BeGreaterOrEqual 4
        $script:Facts | Should -Not -BeNullOrEmpty
    }

    It 'reports the operating system as Windows reports it' {
        $os = Get-CimInstance Win32_OperatingSystem
        $script:Facts.os.build | Should -Be ([int]$os.BuildNumber)
        $script:Facts.os.caption | Should -Be ([string]$os.Caption)
        $script:Facts.os.serverCore | Should -BeOfType [bool]
    }

    It 'reports elevation, .NET and TLS 1.2 facts with the expected types' {
        $script:Facts.elevated | Should -BeOfType [bool]
        $script:Facts.dotnetRelease | Should -BeGreaterThan 378388
        $script:Facts.tls12.PSObject.Properties.Name | Should -Contain 'schUseStrongCrypto'
    }

    It 'lists every execution policy scope' {
        ($script:Facts.executionPolicies | ForEach-Object scope) | Should -Contain 'MachinePolicy'
    }

    It 'says whether the connector and NDES are present without failing when they are not' {
        $script:Facts.connector.installed | Should -BeOfType [bool]
        if (-not (Test-Path 'HKLM:\SOFTWARE\Microsoft\Cryptography\MSCEP')) { $script:Facts.ndes | Should -BeNullOrEmpty }
    }

    It 'changes nothing (no Set-, New-, Remove- cmdlets in the script)' {
        (Get-Content $script:ScriptPath -Raw) | Should -Not -Match '\b(Set|New|Remove|Stop|Start|Restart)-(Item|ItemProperty|Service|WebConfiguration)'
    }
}
