# Pester 5: the Windows PowerShell 5.1 gate over every .ps1 the product ships and every .ps1 the
# Windows workflow runs under 5.1 (the fake Windows and these suites), with PowerShell's parser.

BeforeDiscovery {
    $root = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    $script:Files = @(foreach ($folder in @('scripts/powershell', 'tests/fake-windows', 'tests/powershell', 'tests/fixtures/powershell')) {
            Get-ChildItem -LiteralPath (Join-Path -Path $root -ChildPath $folder) -Include '*.ps1', '*.psm1' -Recurse | ForEach-Object { @{ Path = $_.FullName; Name = $_.FullName.Substring($root.Length + 1) } }
        }) + @(Get-ChildItem -LiteralPath (Join-Path -Path $root -ChildPath 'tools') -Filter '*.ps1' | ForEach-Object { @{ Path = $_.FullName; Name = $_.FullName.Substring($root.Length + 1) } })
}

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'Ps51Compatibility.psm1') -Force
}

Describe 'Windows PowerShell 5.1 compatibility' {
    It '<Name> parses, uses nothing 5.1 lacks, and is ASCII or UTF-8 with BOM' -ForEach $script:Files {
        $findings = @(Find-Ps51Incompatibility -Path $Path)
        ($findings | ForEach-Object { "line $($_.Line): $($_.Construct): $($_.Text)" }) -join "`n" | Should -BeNullOrEmpty
    }

    It 'the gate finds each construct 5.1 lacks (it can fail)' {
        $text = Get-Content -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'fixtures/Not51.ps1.txt') -Raw
        $findings = @(Find-Ps51IncompatibilityInText -Text $text)
        $lines = @($findings | Where-Object { $_.Construct -ne 'parse error' } | ForEach-Object { $_.Line } | Sort-Object -Unique)
        # Under 5.1's own parser the 7-only syntax is a parse error instead; either way it is found.
        $all = @($findings | ForEach-Object { $_.Line } | Sort-Object -Unique)
        $all | Should -Be (2..20)
        if ($PSVersionTable.PSEdition -ne 'Desktop') { $lines | Should -Be (2..20) }
    }

    It 'refuses non-ASCII text without a BOM and accepts it with one' {
        $folder = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $folder | Out-Null
        try {
            $bare = Join-Path -Path $folder -ChildPath 'bare.ps1'
            $bom = Join-Path -Path $folder -ChildPath 'bom.ps1'
            [System.IO.File]::WriteAllText($bare, "'Caf$([char]0xE9)'", (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
            [System.IO.File]::WriteAllText($bom, "'Caf$([char]0xE9)'", (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $true))
            Test-Ps51Encoding -Path $bare | Should -BeFalse
            Test-Ps51Encoding -Path $bom | Should -BeTrue
        }
        finally { Remove-Item -LiteralPath $folder -Recurse -Force }
    }
}
