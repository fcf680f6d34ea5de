<#
    The Windows PowerShell 5.1 gate: finds what 5.1 cannot run in a script, using PowerShell's
    own parser and walking the AST (never regular expressions over the text). AST node types are
    compared by name, so this module itself loads in 5.1, where those types do not exist.
#>
Set-StrictMode -Version Latest

$script:CommandsMissingIn51 = @('Test-Json', 'Get-Error', 'Join-String', 'ConvertFrom-Markdown', 'Show-Markdown', 'Get-Uptime', 'Remove-Service', 'Remove-Alias', 'Clear-RecycleBin', 'Get-ExperimentalFeature', 'Enable-ExperimentalFeature', 'Update-Help2', 'Get-PSSubsystem', 'New-GitHubIssue')
# Parameters that exist only in PowerShell 6+, by the command that has them ('*' for any).
$script:ParametersMissingIn51 = @{
    'AsHashtable'             = @('ConvertFrom-Json', 'Import-PowerShellDataFile', '*')
    'AsByteStream'            = @('*')
    'SkipCertificateCheck'    = @('*')
    'Parallel'                = @('ForEach-Object', '%', 'foreach')
    'ThrottleLimit'           = @('ForEach-Object', '%', 'foreach')
    'EscapeHandling'          = @('*')
    'EnumsAsStrings'          = @('*')
    'AsArray'                 = @('ConvertTo-Json')
    'AdditionalChildPath'     = @('*')
    'ResponseHeadersVariable' = @('*')
    'StatusCodeVariable'      = @('*')
    'MaximumRetryCount'       = @('*')
    'SslProtocol'             = @('*')
    'Authentication'          = @('Invoke-WebRequest', 'Invoke-RestMethod', 'iwr', 'irm')
    'Depth'                   = @('ConvertFrom-Json')
    'NoProxy'                 = @('*')
    'AsUTC'                   = @('Get-Date')
    'LeafBase'                = @('Split-Path')
    'Extension'               = @('Split-Path')
    'Raw'                     = @('Select-String', 'sls')
    'NoEmphasis'              = @('Select-String', 'sls')
    'SkipHttpErrorCheck'      = @('*')
    'SkipHeaderValidation'    = @('*')
    'Resume'                  = @('Invoke-WebRequest', 'iwr')
    'Form'                    = @('Invoke-WebRequest', 'Invoke-RestMethod', 'iwr', 'irm')
    'FollowSymlink'           = @('Get-ChildItem', 'gci', 'dir', 'ls')
    'TcpPort'                 = @('Test-Connection')
    'TargetName'              = @('Test-Connection')
    'Environment'             = @('Start-Process')
    'CommandWithArgs'         = @('*')
}
# Prefixes of a 6+ parameter that are whole parameters in 5.1 too (Split-Path -Leaf).
$script:ValidIn51 = @('Leaf')
# .NET methods that only .NET Core has (Windows PowerShell 5.1 runs on .NET Framework 4.x).
$script:MethodsMissingIn51 = @('ToHexString', 'FromHexString', 'GetRelativePath', 'IsPathFullyQualified', 'ReplaceLineEndings')
$script:VariablesMissingIn51 = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'EnabledExperimentalFeatures', 'PSNativeCommandArgumentPassing', 'PSNativeCommandUseErrorActionPreference')
$script:EncodingNamesMissingIn51 = @('utf8NoBOM', 'utf8BOM', 'ansi')

function New-Finding { param($Ast, [string]$What) [pscustomobject]@{ Line = $Ast.Extent.StartLineNumber; Construct = $What; Text = $Ast.Extent.Text.Split("`n")[0].Trim() } }

function Find-Ps51IncompatibilityInText {
    param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Text, [string]$Path = '<text>')
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, $Path, [ref]$tokens, [ref]$errors)
    foreach ($parseError in @($errors)) { if ($parseError) { [pscustomobject]@{ Line = $parseError.Extent.StartLineNumber; Construct = 'parse error'; Text = $parseError.Message } } }
    $nodes = $ast.FindAll({ $true }, $true)
    foreach ($node in $nodes) {
        $type = $node.GetType().Name
        switch ($type) {
            'TernaryExpressionAst' { New-Finding $node 'ternary operator (a ? b : c)' }
            'PipelineChainAst' { New-Finding $node 'pipeline chain (&& / ||)' }
            'BinaryExpressionAst' { if ([string]$node.Operator -eq 'QuestionQuestion') { New-Finding $node 'null-coalescing operator (??)' } }
            'AssignmentStatementAst' { if ([string]$node.Operator -eq 'QuestionQuestionEquals') { New-Finding $node 'null-coalescing assignment (??=)' } }
            'ScriptBlockAst' { if ($node.PSObject.Properties['CleanBlock'] -and $null -ne $node.CleanBlock) { New-Finding $node.CleanBlock 'clean block' } }
            'VariableExpressionAst' {
                $name = $node.VariablePath.UserPath
                if ($script:VariablesMissingIn51 -contains $name) { New-Finding $node "variable `$$name" }
            }
            'StringConstantExpressionAst' {
                if ($script:EncodingNamesMissingIn51 -contains $node.Value -and $node.Parent.GetType().Name -eq 'CommandAst') { New-Finding $node "encoding name '$($node.Value)'" }
            }
            'CommandAst' {
                $name = $node.GetCommandName()
                if ($name -and $script:CommandsMissingIn51 -contains $name) { New-Finding $node "command $name" }
                foreach ($element in $node.CommandElements) {
                    if ($element.GetType().Name -ne 'CommandParameterAst') { continue }
                    foreach ($parameter in $script:ParametersMissingIn51.Keys) {
                        # PowerShell accepts any unambiguous prefix of a parameter name.
                        $typed = $element.ParameterName
                        if ($typed.Length -lt 3 -or -not $parameter.StartsWith($typed, [System.StringComparison]::OrdinalIgnoreCase) -or $script:ValidIn51 -contains $typed) { continue }
                        $owners = $script:ParametersMissingIn51[$parameter]
                        if ($owners -contains '*' -or ($name -and $owners -contains $name)) { New-Finding $element "parameter -$parameter$(if ($name) { " of $name" })" }
                    }
                }
            }
        }
        if ($type -in @('MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst') -and $node.PSObject.Properties['NullConditional'] -and $node.NullConditional) { New-Finding $node 'null-conditional member access (?. / ?[])' }
        if ($type -eq 'InvokeMemberExpressionAst' -and $node.Member.GetType().Name -eq 'StringConstantExpressionAst' -and $script:MethodsMissingIn51 -contains $node.Member.Value) { New-Finding $node ".NET method $($node.Member.Value) (.NET Core only)" }
    }
}

# Windows PowerShell 5.1 reads a BOM-less file as ANSI: non-ASCII text needs a UTF-8 BOM.
function Test-Ps51Encoding {
    param([Parameter(Mandatory = $true)][string]$Path)
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    $hasBom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF
    if ($hasBom) { return $true }
    foreach ($byte in $bytes) { if ($byte -gt 0x7F) { return $false } }
    return $true
}

function Find-Ps51Incompatibility {
    param([Parameter(Mandatory = $true)][string]$Path)
    $findings = @(Find-Ps51IncompatibilityInText -Text ([System.IO.File]::ReadAllText($Path)) -Path $Path)
    if (-not (Test-Ps51Encoding -Path $Path)) { $findings += [pscustomobject]@{ Line = 1; Construct = 'non-ASCII text without a UTF-8 BOM'; Text = $Path } }
    $findings
}

Export-ModuleMember -Function Find-Ps51Incompatibility, Find-Ps51IncompatibilityInText, Test-Ps51Encoding
