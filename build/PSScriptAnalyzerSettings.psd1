# PSScriptAnalyzer settings for scripts/powershell (the Windows workflow runs it at Error and
# Warning). Each exclusion says why the rule does not fit these scripts.
@{
    ExcludeRules = @(
        # Our scripts write their progress lines and their one JSON document with Write-Host on
        # purpose: ConstrainedLanguage (AppLocker/WDAC script rules) forbids [Console]::Out, and
        # with -File Write-Host goes to stdout, which is the companion's channel.
        'PSAvoidUsingWriteHost'
    )
}
