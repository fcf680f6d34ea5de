# Microsoft's own connector scripts, which the companion runs but does not ship:
# RegisterConnector.ps1 and ConfigureOutBoundProxy.ps1 in the connector's install folder,
# answered by their path (an alias per path, as the native tools are) when the world has them.
#
# RegisterConnector.ps1 (reference docs/reference/domain.md section 2.1): -modulePath, -moduleName,
# -AuthenticationMode Token, -Token <SecureString>, -TenantId, -Feature ApplicationProxy. What
# happens is the world's "registration": { "outcome": "ok" | "denied" | "no-tenant" |
# "one-or-more" | "network" | "config-download", "expectToken": "<token>" }. Success issues the
# connector's client certificate (subject CN=<tenant id>, issuer
# connectorregistrationca.msappproxy.net, docs/reference/domain.md section 1.5) into LocalMachine\My, names it
# in TrustSettings.xml (docs/reference/windows-outputs/connector.md CONN-05) and restarts the connector service. A failure
# writes the Application-log error docs/reference/windows-outputs/connector.md CONN-07 quotes, under the connector's source,
# and ends with the same message (the script's own output on failure was never captured).

$script:RegistrationErrors = @{
    'denied'          = "Connector registration failed: Make sure you are an Application Administrator of your Active Directory to register the connector. Error: 'The registration request was denied.'"
    'no-tenant'       = "Connector registration failed: Make sure you enabled application proxy in the Azure Management Portal and that you entered your Active Directory user name and password correctly. Error: 'AADSTS50059: No tenant-identifying information found in either the request or implied by any provided credentials and search by service principal URI has failed."
    'one-or-more'     = "Connector registration failed: Make sure you enabled Application Proxy in the Azure Management Portal and that you entered your Active Directory user name and password correctly. Error: 'One or more errors occurred.'"
    'network'         = 'The connector was unable to connect to the service due to networking issues. The connector tried to access the following URL.'
    'config-download' = 'Connector failed to download the configuration.'
}

function Get-FakeConnectorNames {
    param([Parameter(Mandatory = $true)][string]$ScriptPath)
    $folder = $ScriptPath.Substring(0, $ScriptPath.LastIndexOf('\'))
    if ($folder -like '*Microsoft Entra private network connector') { return @{ module = 'MicrosoftEntraPrivateNetworkConnectorPSModule'; data = 'Microsoft Entra private network connector'; source = 'Microsoft Entra private network connector'; folder = $folder } }
    return @{ module = 'AppProxyPSModule'; data = 'Microsoft AAD Application Proxy Connector'; source = 'Microsoft AAD Application Proxy Connector'; folder = $folder }
}

function Invoke-FakeRegisterConnector {
    [CmdletBinding()]
    param([string]$modulePath, [string]$moduleName, [string]$AuthenticationMode, [object]$Token, [string]$TenantId, [string]$Feature)
    # Called as "& <path>", so the path is not in $MyInvocation; the script sits beside Modules\.
    $modules = ([string]$modulePath).TrimEnd('\')
    $normal = (Get-FakePathKind -Path "$($modules.Substring(0, [Math]::Max(0, $modules.LastIndexOf('\'))))\RegisterConnector.ps1").path
    if (-not (Test-FakeFile -Path $normal -PathType Leaf)) { throw "The term '$normal' is not recognized as a name of a cmdlet, function, script file, or executable program." }
    $names = Get-FakeConnectorNames -ScriptPath $normal
    if ($AuthenticationMode -ne 'Token') { throw "RegisterConnector.ps1: unsupported -AuthenticationMode '$AuthenticationMode'." }
    if ($Token -isnot [System.Security.SecureString]) { throw 'RegisterConnector.ps1: -Token must be a SecureString.' }
    if ($Feature -ne 'ApplicationProxy') { throw "RegisterConnector.ps1: unsupported -Feature '$Feature'." }
    if ($moduleName -ne $names.module -or -not (Test-FakeFile -Path "$($modulePath.TrimEnd('\'))\$moduleName" -PathType Container)) { throw "The specified module '$modulePath$moduleName' was not loaded because no valid module file was found in any module directory." }
    $spec = Get-FakeSection -Name 'registration'
    $outcome = $(if ($spec -and $spec['outcome']) { [string]$spec['outcome'] } else { 'ok' })
    $plain = [System.Net.NetworkCredential]::new('', $Token).Password
    $audience = $null
    if ($spec -and $spec['expectToken']) { $tokenMatches = $plain -ceq [string]$spec['expectToken'] }
    elseif ($plain -match '^eyJ[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$') {
        # A JWT, as the lab's Entra ID issues: the registration service takes only a token for
        # itself (docs/reference/domain.md section 2.1: its AppIdUri), issued in the tenant being registered to.
        $body = $Matches[1].Replace('-', '+').Replace('_', '/')
        $body += '=' * ((4 - $body.Length % 4) % 4)
        $claims = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($body)) | ConvertFrom-Json
        $audience = [string]$claims.aud
        $tokenMatches = ($audience -ceq 'https://proxy.cloudwebappproxy.net/registerapp') -and ([string]$claims.tid -eq $TenantId)
    }
    else { $tokenMatches = $plain.Length -gt 0 }
    if (-not $tokenMatches -and $outcome -eq 'ok') { $outcome = 'one-or-more' }
    # Its own words are not on record; that it reports on the host (and may warn) is: these lines
    # stand for that, and carry nothing of the token.
    Write-Host "Registering the connector in tenant $TenantId."
    Write-Warning 'Registration can take a few minutes to show in the admin center.'
    $now = (Get-Date).ToUniversalTime()
    Update-FakeWorld -Change {
        param($world)
        $runs = @(if ($world.ContainsKey('registrations')) { @($world['registrations']) | Where-Object { $_ } })
        # What the fake saw, never the token itself.
        $runs += , @{ tenantId = $TenantId; modulePath = $modulePath; moduleName = $moduleName; tokenLength = $plain.Length; tokenMatches = $tokenMatches; audience = $audience; outcome = $outcome; at = $now.ToString('o') }
        $world['registrations'] = $runs
        if ($outcome -ne 'ok') {
            if (-not $world.ContainsKey('eventLogs') -or $null -eq $world['eventLogs']) { $world['eventLogs'] = @{} }
            $application = @(if ($world['eventLogs'].ContainsKey('Application')) { @($world['eventLogs']['Application']) | Where-Object { $_ } })
            $application += , @{ Id = 0; Level = 2; TimeCreated = $now.ToString('o'); ProviderName = $names.source; Message = $script:RegistrationErrors[$outcome] }
            $world['eventLogs']['Application'] = $application
            return
        }
        $store = @(if ($world['certificates'] -and $world['certificates'].ContainsKey('LocalMachine\My')) { @($world['certificates']['LocalMachine\My']) | Where-Object { $_ -and $_['id'] -ne 'connector-trust' } })
        $store += , @{ id = 'connector-trust'; subject = "CN=$TenantId"; issuer = 'CN=connectorregistrationca.msappproxy.net'; eku = @('1.3.6.1.5.5.7.3.2'); keyUsage = 'DigitalSignature, KeyEncipherment'; notBefore = $now.AddMinutes(-5).ToString('o'); notAfter = $now.AddDays(180).ToString('o'); hasPrivateKey = $true }
        if (-not $world['certificates']) { $world['certificates'] = @{} }
        $world['certificates']['LocalMachine\My'] = $store
        $programData = $world['registry']['HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList']['ProgramData']
        if ($programData -is [hashtable]) { $programData = $programData['value'] }
        $world['files']["$programData\Microsoft\$($names.data)\Config\TrustSettings.xml"] = @{ text = "<?xml version=`"1.0`" encoding=`"utf-8`"?>`r`n<ConnectorTrustSettingsFile xmlns:xsd=`"http://www.w3.org/2001/XMLSchema`" xmlns:xsi=`"http://www.w3.org/2001/XMLSchema-instance`">`r`n  <CloudProxyTrust>`r`n    <Thumbprint>{{thumbprint:connector-trust}}</Thumbprint>`r`n    <IsInUserStore>false</IsInUserStore>`r`n  </CloudProxyTrust>`r`n</ConnectorTrustSettingsFile>`r`n" }
        if ($world['services'] -and $world['services']['WAPCSvc']) { $world['services']['WAPCSvc']['Status'] = 'Running' }
    }
    if ($outcome -ne 'ok') { throw $script:RegistrationErrors[$outcome] }
}

foreach ($folder in @('C:\Program Files\Microsoft Entra private network connector', 'C:\Program Files\Microsoft AAD App Proxy Connector', 'C:\Program Files\Microsoft Azure AD App Proxy Connector')) {
    Set-Alias -Name "$folder\RegisterConnector.ps1" -Value 'Invoke-FakeRegisterConnector'
}
