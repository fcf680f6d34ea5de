#Requires -Modules Pester
# Pester 5 tests for the shipped scripts, run by the Windows workflow against real PowerShell.

BeforeAll {
    $script:ScriptPath = Join-Path $PSScriptRoot '..\..\scripts\powershell\Get-HostIdentity.ps1'

    function Invoke-CompanionScript {
        param([string]$Path)
        $output = & powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $Path
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Progress = @($output | Where-Object { $_ -like '::progress::*' })
            Result   = ($output | Where-Object { $_ -notlike '::progress::*' }) -join "`n"
        }
    }
}

Describe 'Get-HostIdentity.ps1' {
    It 'prints one JSON document with the identity of this machine' {
        $run = Invoke-CompanionScript -Path $script:ScriptPath
        $run.ExitCode | Should -Be 0
        $identity = $run.Result | ConvertFrom-Json
        $identity.computerName | Should -Be $env:COMPUTERNAME
        $identity.osBuild | Should -BeGreaterThan 14000
        $identity.psVersion | Should -Match '^5\.1\.'
        $identity.elevated | Should -BeOfType [bool]
        $identity.serverCore | Should -BeOfType [bool]
    }

    It 'keeps progress lines apart from the result' {
        $run = Invoke-CompanionScript -Path $script:ScriptPath
        $run.Progress.Count | Should -BeGreaterThan 0
        { $run.Result | ConvertFrom-Json } | Should -Not -Throw
    }

    It 'declares CmdletBinding and comment-based help' {
        $help = Get-Help $script:ScriptPath -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        (Get-Content $script:ScriptPath -Raw) | Should -Match '\[CmdletBinding\(\)\]'
    }
}
