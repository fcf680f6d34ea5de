# CIM classes, services, the execution policy and the system folder of the world.

# "cim" maps a class name to its instances (property names as WMI spells them), or to
# {"error": {"id": "HRESULT 0x80041010", "message": "Invalid class ..."}} when WMI is broken.
function Get-CimInstance {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0, Mandatory = $true)][Alias('Class')][string]$ClassName,
        [string]$Namespace = 'root/cimv2',
        [string]$Filter,
        [string[]]$Property,
        [uint32]$OperationTimeoutSec
    )
    $cim = Get-FakeSection -Name 'cim'
    $instances = $(if ($cim -and $cim.ContainsKey($ClassName)) { $cim[$ClassName] } else { $null })
    if ($null -eq $instances -or ($instances -is [hashtable] -and $instances.ContainsKey('error'))) {
        $failure = $(if ($instances -is [hashtable]) { $instances['error'] } else { @{ id = 'HRESULT 0x80041010'; message = 'Invalid class ' } })
        # CIM errors are terminating for the pipeline, as Get-CimInstance's are.
        $exception = New-Object -TypeName System.InvalidOperationException -ArgumentList ([string]$failure['message'])
        $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $exception, ([string]$failure['id']), ([System.Management.Automation.ErrorCategory]::MetadataError), $ClassName
        $PSCmdlet.ThrowTerminatingError($record)
    }
    foreach ($instance in @($instances)) {
        $object = [ordered]@{}
        foreach ($name in $instance.Keys) {
            $value = $instance[$name]
            # CIM datetimes arrive as DateTime objects.
            if ($value -is [string] -and $name -match '(Time|Date)$' -and $value -match '^\d{4}-\d{2}-\d{2}T') { $value = [datetime]::Parse($value, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind) }
            $object[$name] = $value
        }
        $object['CimClass'] = "$Namespace`:$ClassName"
        [pscustomobject]$object
    }
}

# "services": { "<name>": { "DisplayName", "Status", "StartType" } }, a map so that a scenario
# can add, change or remove ($null) one service.
function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipeline = $true)][Alias('ServiceName')][string[]]$Name, [string[]]$DisplayName)
    $section = Get-FakeSection -Name 'services'
    $services = @(if ($section) { foreach ($key in @($section.Keys | Sort-Object)) { if ($section[$key]) { $entry = @{ Name = $key }; foreach ($field in $section[$key].Keys) { $entry[$field] = $section[$key][$field] }; $entry } } })
    $toObject = {
        param($service)
        [pscustomobject]@{
            Name        = [string]$service['Name']
            ServiceName = [string]$service['Name']
            DisplayName = [string]$service['DisplayName']
            Status      = [string]$service['Status']
            StartType   = [string]$service['StartType']
        }
    }
    if (-not $Name -and -not $DisplayName) { foreach ($service in $services) { & $toObject $service }; return }
    foreach ($wanted in @($Name)) {
        if (-not $wanted) { continue }
        $found = @($services | Where-Object { $_['Name'] -like $wanted })
        if ($found.Count -eq 0 -and -not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($wanted)) {
            Write-FakeError -Cmdlet $PSCmdlet -Message "Cannot find any service with service name '$wanted'." -ErrorId 'NoServiceFoundForGivenName' -Category ObjectNotFound -Target $wanted
        }
        foreach ($service in $found) { & $toObject $service }
    }
}

# Each scope is read where Windows keeps it (about_Execution_Policies, about_Group_Policy_Settings):
# MachinePolicy/UserPolicy from the "Turn on Script Execution" policy values, LocalMachine and
# CurrentUser from the ShellIds key, Process from -ExecutionPolicy (PSExecutionPolicyPreference).
function Get-FakeExecutionPolicyScope {
    $policyValue = {
        param($hive)
        $key = "$hive\SOFTWARE\Policies\Microsoft\Windows\PowerShell"
        $values = (Get-FakeRegistryIndex)[$key]
        if ($null -eq $values -or -not $values.ContainsKey('EnableScripts')) { return 'Undefined' }
        if ([int]$values['EnableScripts'] -eq 0) { return 'Restricted' }
        if ($values.ContainsKey('ExecutionPolicy')) { return [string]$values['ExecutionPolicy'] }
        return 'Undefined'
    }
    $shellValue = {
        param($hive)
        $values = (Get-FakeRegistryIndex)["$hive\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell"]
        if ($null -eq $values -or -not $values.ContainsKey('ExecutionPolicy')) { return 'Undefined' }
        return [string]$values['ExecutionPolicy']
    }
    $process = $(if ($env:PSExecutionPolicyPreference) { $env:PSExecutionPolicyPreference } else { 'Undefined' })
    return [ordered]@{
        MachinePolicy = & $policyValue 'HKLM'
        UserPolicy    = & $policyValue 'HKCU'
        Process       = $process
        CurrentUser   = & $shellValue 'HKCU'
        LocalMachine  = & $shellValue 'HKLM'
    }
}

function Get-ExecutionPolicy {
    [CmdletBinding()]
    param([string]$Scope, [switch]$List)
    $scopes = Get-FakeExecutionPolicyScope
    if ($List) {
        foreach ($name in $scopes.Keys) { [pscustomobject]@{ Scope = $name; ExecutionPolicy = $scopes[$name] } }
        return
    }
    if ($Scope) { return $scopes[$Scope] }
    foreach ($name in $scopes.Keys) { if ($scopes[$name] -ne 'Undefined') { return $scopes[$name] } }
    # Windows Server's default (about_Execution_Policies).
    return 'RemoteSigned'
}


# Event logs: "eventLogs": { "<log name>": [{ "Id", "Level", "TimeCreated", "ProviderName", "Message" }] }
# (filtered by LogName, Level, ProviderName and StartTime)
# and the registered sources "eventProviders": [names]. Newest first, as Get-WinEvent returns them;
# no such log, no such provider and no matching event write the errors Get-WinEvent writes
# (NoMatchingLogsFound, NoMatchingProvidersFound, NoMatchingEventsFound; texts quoted in
# PowerShell/PowerShell#2327, MicrosoftDocs/PowerShell-Docs#7758, IBM/wincollect#4).
function Get-WinEvent {
    [CmdletBinding()]
    param([hashtable[]]$FilterHashtable, [Parameter(Position = 0)][string[]]$LogName, [long]$MaxEvents = -1)
    $logs = Get-FakeSection -Name 'eventLogs'
    $filters = @(if ($FilterHashtable) { $FilterHashtable } else { foreach ($name in @($LogName)) { @{ LogName = $name } } })
    $found = @()
    $providers = @(Get-FakeSection -Name 'eventProviders')
    foreach ($filter in $filters) {
        if ($filter.ContainsKey('ProviderName')) {
            $unknown = @(@($filter['ProviderName']) | Where-Object { $providers -notcontains $_ })
            if ($unknown.Count -gt 0) {
                Write-FakeError -Cmdlet $PSCmdlet -Message "There is not an event provider on the localhost computer that matches `"$($unknown[0])`"." -ErrorId 'NoMatchingProvidersFound' -Category ObjectNotFound -Target $unknown[0]
                continue
            }
        }
        foreach ($name in @($filter['LogName'])) {
            $entries = $null
            if ($logs) { foreach ($key in $logs.Keys) { if ($key -eq $name) { $entries = $logs[$key] } } }
            if ($null -eq $entries) {
                Write-FakeError -Cmdlet $PSCmdlet -Message "There is not an event log on the localhost computer that matches `"$name`"." -ErrorId 'NoMatchingLogsFound' -Category ObjectNotFound -Target $name
                continue
            }
            foreach ($entry in @($entries)) {
                if ($null -eq $entry) { continue }
                if ($filter.ContainsKey('Level') -and @($filter['Level']) -notcontains [int]$entry['Level']) { continue }
                if ($filter.ContainsKey('ProviderName') -and @($filter['ProviderName']) -notcontains [string]$entry['ProviderName']) { continue }
                $created = [datetime]::Parse([string]$entry['TimeCreated'], [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)
                if ($filter.ContainsKey('StartTime') -and $created.ToUniversalTime() -lt ([datetime]$filter['StartTime']).ToUniversalTime()) { continue }
                $found += , [pscustomobject]@{
                    LogName          = $name
                    Id               = [int]$entry['Id']
                    Level            = [int]$entry['Level']
                    LevelDisplayName = @('', 'Critical', 'Error', 'Warning', 'Information')[[Math]::Min([int]$entry['Level'], 4)]
                    TimeCreated      = $created
                    ProviderName     = [string]$entry['ProviderName']
                    Message          = [string]$entry['Message']
                }
            }
        }
    }
    $sorted = @($found | Sort-Object -Property TimeCreated -Descending)
    if ($MaxEvents -gt 0) { $sorted = @($sorted | Select-Object -First $MaxEvents) }
    if ($sorted.Count -eq 0) {
        Write-FakeError -Cmdlet $PSCmdlet -Message 'No events were found that match the specified selection criteria.' -ErrorId 'NoMatchingEventsFound' -Category ObjectNotFound -Target $null
        return
    }
    $sorted
}
