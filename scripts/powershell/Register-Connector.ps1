<#
.SYNOPSIS
    Registers the installed private network connector to a tenant with a token read from
    standard input, through Microsoft's own RegisterConnector.ps1.

.DESCRIPTION
    The token arrives on stdin (one line), never on the command line; it becomes a SecureString
    at once. RegisterConnector.ps1 runs from the connector's install folder with the module path
    and name of the installed generation (new and old names), -AuthenticationMode Token and
    -Feature ApplicationProxy (reference docs/reference/domain.md section 2.1), after its Authenticode
    signature is checked as Microsoft's.

    A connector already registered to this tenant with a valid trust certificate is left alone.
    One registered to another tenant is reported and only re-registered with -Reregister.
    -WhatIf checks and reports, needs no token and changes nothing.

    Afterwards it reports what Windows shows: the trust certificate TrustSettings.xml names
    (its subject is the tenant), the services, and the connector's error events written since
    the registration began (Application log, Admin log), as Windows wrote them. The companion
    judges the outcome and maps the known registration errors to cause and remedy.

.EXAMPLE
    $token | powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\Register-Connector.ps1 -TenantId 00000000-0000-0000-0000-000000000000
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')][string]$TenantId,
    [switch]$Reregister,
    # Standard input, line by line (how -File hands a script its stdin).
    [Parameter(ValueFromPipeline = $true)][AllowEmptyString()][string]$StdinLine
)

begin {
    Set-StrictMode -Version Latest
    $ErrorActionPreference = 'Stop'
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Companion.Common.ps1')
    Initialize-CompanionOutput
    $stdinLines = @()
}

# $input is named here on purpose: PowerShell hands a -File script its stdin only when the
# script reads $input.
process { foreach ($line in $input) { $stdinLines += , [string]$line } }

end {
    function Get-TenantOfSubject {
        param([AllowNull()][string]$Subject)
        if ($Subject -and $Subject -match '(?:^|,\s*)CN=([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?:,|$)') { return $Matches[1].ToLowerInvariant() }
        return $null
    }

    # Module logging (Group Policy "Turn on Module Logging", machine or user: EnableModuleLogging
    # = 1 under ...\Policies\Microsoft\Windows\PowerShell\ModuleLogging, module names such as
    # "*" = "*" under its ModuleNames key) writes every parameter a logged module's cmdlet binds
    # into the event log (event 4103): ConvertTo-SecureString's -String would put the token there.
    function Test-TokenWouldBeLogged {
        foreach ($hive in @('HKLM', 'HKCU')) {
            $key = "${hive}:\SOFTWARE\Policies\Microsoft\Windows\PowerShell\ModuleLogging"
            if ((Get-RegistryValue -Key $key -Name 'EnableModuleLogging') -ne 1) { continue }
            if (-not (Test-Path -LiteralPath "$key\ModuleNames")) { continue }
            $item = Get-ItemProperty -LiteralPath "$key\ModuleNames" -ErrorAction Stop
            if ($null -eq $item) { continue }
            foreach ($property in $item.PSObject.Properties) {
                if ($property.Name -like 'PS*') { continue }
                foreach ($pattern in @([string]$property.Name, [string]$property.Value)) { if ($pattern -and 'Microsoft.PowerShell.Security' -like $pattern) { return $true } }
            }
        }
        return $false
    }

    function Get-Registration {
        param([Parameter(Mandatory = $true)][hashtable]$Connector)
        $trust = Get-TrustCertificate -Connector $Connector
        [ordered]@{
            trust    = $trust
            tenantId = (Get-TenantOfSubject -Subject $trust.subject)
            expired  = $(if ($trust.notAfter) { [datetime]$trust.notAfter -lt (Get-Date) } else { $null })
        }
    }

    $report = [ordered]@{
        whatIf         = [bool]$WhatIfPreference
        result         = $null
        refusal        = $null
        tenantId       = $TenantId.ToLowerInvariant()
        generation     = $null
        registerScript = $null
        before         = $null
        error          = $null
        after          = $null
        services       = $null
        events         = @()
    }

    try {
        # A loop, not cmdlets: a cmdlet's parameters can be logged, a loop's variables are not.
        $token = $null
        foreach ($line in $stdinLines) { if ($null -eq $token -and $line.Trim() -ne '') { $token = $line.Trim() } }
        $stdinLines = $null
        Write-CompanionProgress -Message 'Looking for the installed connector' -Percent 10
        $connector = Find-Connector
        if (-not $connector) { Stop-WithRefusal -Report $report -Reason 'not-installed' -Detail '' }
        $report['generation'] = $connector.generation
        $report['before'] = Get-Registration -Connector $connector

        $before = $report['before']
        if ($before.tenantId -and $before.tenantId -eq $report['tenantId'] -and $before.expired -eq $false) {
            $report['result'] = 'already-registered'
            $report['services'] = @(Get-ServiceFact -Name @('WAPCSvc', 'WAPCUpdaterSvc'))
            Write-CompanionResult -Result $report
            exit 0
        }
        if ($before.tenantId -and $before.tenantId -ne $report['tenantId'] -and -not $Reregister) {
            $report['result'] = 'other-tenant'
            Write-CompanionResult -Result $report
            exit 0
        }
        # Registered, but to which tenant cannot be read here (a renewed certificate kept in
        # Network Service's store, or one missing): never registered over without -Reregister.
        if ($before.trust.present -and -not $before.tenantId -and -not $Reregister) {
            $report['result'] = 'tenant-unknown'
            Write-CompanionResult -Result $report
            exit 0
        }

        Write-CompanionProgress -Message "Checking Microsoft's signature on RegisterConnector.ps1" -Percent 25
        $registerScript = "$($connector.directory)\RegisterConnector.ps1"
        if (-not (Test-Path -LiteralPath $registerScript -PathType Leaf)) { Stop-WithRefusal -Report $report -Reason 'script-missing' -Detail $registerScript }
        $signature = Get-FileSignature -Path $registerScript
        $report['registerScript'] = [ordered]@{ path = $registerScript; signature = $signature }
        if (-not $signature.isMicrosoft) { Stop-WithRefusal -Report $report -Reason 'script-not-microsoft' -Detail "$($signature.status) $($signature.signer)" }

        if (Test-TokenWouldBeLogged) { Stop-WithRefusal -Report $report -Reason 'module-logging' -Detail 'SOFTWARE\Policies\Microsoft\Windows\PowerShell\ModuleLogging' }

        if ($WhatIfPreference) {
            $report['result'] = 'what-if'
            Write-CompanionResult -Result $report
            exit 0
        }
        if ($null -eq $token) { Stop-WithRefusal -Report $report -Reason 'no-token' -Detail '' }

        Write-CompanionProgress -Message "Registering the connector to tenant $($report['tenantId'])" -Percent 40
        $secure = ConvertTo-SecureString -String $token -AsPlainText -Force
        $token = $null
        $started = (Get-Date).AddSeconds(-1)
        # From here the registration service is changing things; the companion refuses Cancel.
        Write-Host '::phase:: changing'
        try {
            $messages = @(Invoke-MicrosoftScript -Path $registerScript -Arguments @{ modulePath = $connector.modulePath; moduleName = $connector.moduleName; AuthenticationMode = 'Token'; Token = $secure; TenantId = $report['tenantId']; Feature = 'ApplicationProxy' })
            if ($messages.Count -gt 0) { $report['error'] = [ordered]@{ message = ($messages -join ' '); errorId = 'NonTerminating' } }
        }
        catch {
            $report['error'] = [ordered]@{ message = [string]$_.Exception.Message; errorId = [string]$_.FullyQualifiedErrorId }
        }
        $secure = $null

        Write-CompanionProgress -Message 'Reading the registration back' -Percent 85
        $report['after'] = Get-Registration -Connector $connector
        $report['services'] = @(Get-ServiceFact -Name @('WAPCSvc', 'WAPCUpdaterSvc'))
        $report['events'] = @(
            Get-RecentEvent -LogName 'Application' -ProviderName $connector.eventSource -Level @(1, 2) -Since $started
            Get-RecentEvent -LogName $connector.adminLog -Since $started
        )
        $report['result'] = 'ran'
        Write-CompanionResult -Result $report
        exit 0
    }
    catch {
        Write-CompanionFailure -Code 'CONNECTOR_REGISTER_FAILED' -ErrorRecord $_
        exit 1
    }
}
