# Pester 5: what every script the product ships must be, read from its AST.

BeforeDiscovery {
    $root = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    $script:Entry = @(Get-ChildItem -LiteralPath (Join-Path -Path $root -ChildPath 'scripts/powershell') -Filter '*.ps1' |
            Where-Object { $_.Name -ne 'Companion.Common.ps1' } | ForEach-Object { @{ Path = $_.FullName; Name = $_.Name } })
}

BeforeAll {
    # Verbs that change a server; a script that uses one must support -WhatIf.
    $script:Changing = '^(Set|New|Remove|Start|Stop|Restart|Install|Uninstall|Register|Unregister|Enable|Disable|Add|Clear|Copy|Move|Rename|Import|Update|Invoke|Suspend|Resume)-'
    function Get-ScriptAst { param([string]$Path) $tokens = $null; $errors = $null; [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors) }
    # The scripts' own helpers, and commands that change only the PowerShell session itself.
    $common = Get-ScriptAst -Path (Join-Path -Path $PSScriptRoot -ChildPath '../../scripts/powershell/Companion.Common.ps1')
    $script:SessionOnly = @('Set-StrictMode') + @($common.FindAll({ param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true) | ForEach-Object { $_.Name })
}

Describe 'every shipped script' {
    It '<Name> has comment help, [CmdletBinding()], strict mode and Stop as its error preference' -ForEach $script:Entry {
        $ast = Get-ScriptAst -Path $Path
        $help = $ast.GetHelpContent()
        $help | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Examples.Count | Should -BeGreaterThan 0
        @($ast.ParamBlock.Attributes | Where-Object { $_.TypeName.Name -eq 'CmdletBinding' }).Count | Should -Be 1
        $text = $ast.Extent.Text
        $text | Should -Match 'Set-StrictMode -Version Latest'
        $text | Should -Match "\`$ErrorActionPreference = 'Stop'"
    }

    It '<Name> changes nothing, or supports -WhatIf' -ForEach $script:Entry {
        $ast = Get-ScriptAst -Path $Path
        $own = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true) | ForEach-Object { $_.Name })
        $changing = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true) |
                ForEach-Object { $_.GetCommandName() } | Where-Object { $_ -and $_ -match $script:Changing -and $script:SessionOnly -notcontains $_ -and $own -notcontains $_ } | Sort-Object -Unique)
        # Windows tools run with a changing verb (appcmd set, w32tm /resync, ...) count too.
        $toolCalls = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] -and @('Invoke-WindowsTool', 'Get-AppcmdXml') -contains $node.GetCommandName() }, $true))
        foreach ($call in $toolCalls) {
            $words = @($call.FindAll({ param($node) $node -is [System.Management.Automation.Language.StringConstantExpressionAst] }, $true) | ForEach-Object { $_.Value })
            $verbs = @($words | Where-Object { $_ -match '^(set|add|delete|start|stop|recycle|install|uninstall|/config|/resync|/register|/unregister|create|reset)$' })
            if ($verbs.Count -gt 0) { $changing += "$($call.GetCommandName()) $($verbs -join ' ')" }
        }
        $binding = @($ast.ParamBlock.Attributes | Where-Object { $_.TypeName.Name -eq 'CmdletBinding' })[0]
        $supportsWhatIf = @($binding.NamedArguments | Where-Object { $_.ArgumentName -eq 'SupportsShouldProcess' }).Count -gt 0
        if ($changing.Count -gt 0) { $supportsWhatIf | Should -BeTrue -Because "it calls $($changing -join ', ')" }
        else { $changing | Should -BeNullOrEmpty }
    }

    It '<Name> never builds a command line: no Invoke-Expression, no -Command, no Start-Process with a string' -ForEach $script:Entry {
        $ast = Get-ScriptAst -Path $Path
        $names = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.GetCommandName() })
        $names | Should -Not -Contain 'Invoke-Expression'
        $names | Should -Not -Contain 'iex'
        $ast.Extent.Text | Should -Not -Match '-Command\b'
    }
}
