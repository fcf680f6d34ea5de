# Native tools of the world, answered by their absolute path (an alias per path), with their
# output lines and $LASTEXITCODE as the real tools print them.

function Set-FakeExitCode { param([int]$Code) $global:LASTEXITCODE = $Code }

function ConvertTo-XmlAttributeValue { param([string]$Value) [System.Security.SecurityElement]::Escape($Value) }

# appcmd.exe. "iis": { "sites": [{ "name", "id", "bindings", "state" }],
#   "appPools": [{ "name", "state", "pipelineMode", "runtimeVersion", "identityType", "userName" }],
#   "requestFiltering": { "<site>": { "maxUrl": 65534, "maxQueryString": 65534 } | {} } }
# Shapes: /xml output as APPCMD-22 (<appcmd> with one element per object, NAME attributes; an
# assumption shared by several projects' fixtures, no real capture exists);
# "list config" prints the section as an XML fragment rooted at <system.webServer> with only
# the attributes that are set (APPCMD-11, -13, -14); a missing object prints
# "ERROR ( message:Cannot find <TYPE> object with identifier "<id>". )" and exits 1168 (APPCMD-15).
function Invoke-FakeAppcmd {
    $iis = Get-FakeSection -Name 'iis'
    $words = @($args | ForEach-Object { [string]$_ })
    $positional = @($words | Where-Object { $_ -notmatch '^[/-][A-Za-z.]+(:|$)' })
    $switches = @{}
    foreach ($word in $words) { if ($word -match '^[/-]([A-Za-z.]+)(?::(.*))?$') { $switches[$Matches[1]] = $Matches[2] } }
    $verb = $(if ($positional.Count -gt 0) { $positional[0].ToLowerInvariant() } else { '' })
    $object = $(if ($positional.Count -gt 1) { $positional[1].ToLowerInvariant().TrimEnd('s') } else { '' })
    $identifier = $(if ($positional.Count -gt 2) { $positional[2] } else { $null })
    $notFound = {
        param($type, $id)
        "ERROR ( message:Cannot find $type object with identifier `"$id`". )"
        Set-FakeExitCode 1168
    }
    if ($verb -ne 'list') { "ERROR ( message:The fake appcmd answers only 'list'; got '$verb'. )"; Set-FakeExitCode 87; return }

    switch ($object) {
        'site' {
            $sites = @($iis['sites'] | Where-Object { $null -ne $_ -and ($null -eq $identifier -or $_['name'] -eq $identifier) })
            if ($identifier -and $sites.Count -eq 0) { & $notFound 'SITE' $identifier; return }
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<appcmd>'
            foreach ($site in $sites) {
                '    <SITE SITE.NAME="{0}" SITE.ID="{1}" bindings="{2}" state="{3}" />' -f (ConvertTo-XmlAttributeValue $site['name']), $site['id'], (ConvertTo-XmlAttributeValue $site['bindings']), $site['state']
            }
            '</appcmd>'
            Set-FakeExitCode 0
        }
        'apppool' {
            $pools = @($iis['appPools'] | Where-Object { $null -ne $_ -and ($null -eq $identifier -or $_['name'] -eq $identifier) })
            if ($identifier -and $pools.Count -eq 0) { & $notFound 'APPPOOL' $identifier; return }
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<appcmd>'
            foreach ($pool in $pools) {
                $open = '    <APPPOOL APPPOOL.NAME="{0}" PipelineMode="{1}" RuntimeVersion="{2}" state="{3}"' -f (ConvertTo-XmlAttributeValue $pool['name']), $pool['pipelineMode'], $pool['runtimeVersion'], $pool['state']
                if (-not $switches.ContainsKey('config')) { "$open />"; continue }
                "$open>"
                '        <add name="{0}" queueLength="1000" autoStart="true" enable32BitAppOnWin64="false" managedRuntimeVersion="{1}" managedPipelineMode="{2}" startMode="OnDemand">' -f (ConvertTo-XmlAttributeValue $pool['name']), $pool['runtimeVersion'], $pool['pipelineMode']
                '            <processModel identityType="{0}" userName="{1}" password="{2}" loadUserProfile="true" idleTimeout="00:20:00" />' -f $pool['identityType'], (ConvertTo-XmlAttributeValue ([string]$pool['userName'])), $(if ($pool['identityType'] -eq 'SpecificUser') { 'P@ssw0rd-never-read' } else { '' })
                '        </add>'
                '    </APPPOOL>'
            }
            '</appcmd>'
            Set-FakeExitCode 0
        }
        'config' {
            $section = [string]$switches['section']
            $path = $(if ($identifier) { $identifier.TrimEnd('/') } else { '' })
            $site = $path.Split('/')[0]
            if ($site -and -not @($iis['sites'] | Where-Object { $null -ne $_ -and $_['name'] -eq $site })) { & $notFound 'SITE' $site; return }
            if ($section -notmatch 'requestFiltering$') { "ERROR ( message:The fake appcmd has no section '$section'. )"; Set-FakeExitCode 87; return }
            # The section as it applies at the path: the nearest level that sets it, up to the site.
            $filtering = $iis['requestFiltering']
            $limits = $null
            $level = $path
            while ($level) {
                if ($filtering -and $filtering.ContainsKey($level)) { $limits = $filtering[$level]; break }
                $level = $(if ($level.Contains('/')) { $level.Substring(0, $level.LastIndexOf('/')) } else { '' })
            }
            '<system.webServer>'
            '    <security>'
            '        <requestFiltering>'
            if ($limits -and $limits.Count -gt 0) {
                $attributes = @(foreach ($name in @('maxAllowedContentLength', 'maxUrl', 'maxQueryString')) { if ($limits.ContainsKey($name)) { '{0}="{1}"' -f $name, $limits[$name] } })
                '            <requestLimits {0} />' -f ($attributes -join ' ')
            }
            '            <verbs allowUnlisted="true" applyToWebDAV="true" />'
            '        </requestFiltering>'
            '    </security>'
            '</system.webServer>'
            Set-FakeExitCode 0
        }
        default { "ERROR ( message:Unknown object type '$object'. )"; Set-FakeExitCode 87 }
    }
}

# w32tm.exe. "w32tm": { "/query /status": { "lines": [...], "exitCode": 0 } }, keyed by the
# arguments as typed (lines from W32TM-01..15). A command the world does not list answers as a
# stopped Windows Time service does (W32TM-11). That exit code is captured nowhere: the HRESULT
# is an assumption, and the scripts only rely on it being non-zero.
function Invoke-FakeW32tm {
    $key = (@($args | ForEach-Object { [string]$_ }) -join ' ').ToLowerInvariant()
    $world = Get-FakeSection -Name 'w32tm'
    $answer = $null
    if ($world) { foreach ($name in $world.Keys) { if ($name.ToLowerInvariant() -eq $key) { $answer = $world[$name] } } }
    if ($null -eq $answer) {
        'The following error occurred: The service has not been started. (0x80070426)'
        Set-FakeExitCode -2147023834
        return
    }
    foreach ($line in @($answer['lines'])) { if ($null -ne $line) { [string]$line } }
    Set-FakeExitCode ([int]$answer['exitCode'])
}

# whoami.exe /groups /fo csv /nh: one CSV row per group, the mandatory label among them.
# "token": { "elevated": true, "language": "en" | "de" }. Our references hold no capture of
# this command: the rows follow the shape several open-source projects' test data give it
# (English and German); only the SIDs are language-neutral, and only they are read.
function Invoke-FakeWhoami {
    $words = @($args | ForEach-Object { ([string]$_).ToLowerInvariant() })
    $token = Get-FakeSection -Name 'token'
    # whoami /user /fo csv /nh: "DOMAIN\user","SID" (whoami /? documents /user, /fo csv, /nh).
    if (($words -join ' ') -eq '/user /fo csv /nh') {
        $name = $(if ($token -and $token['user']) { [string]$token['user'] } else { 'contoso\admin' })
        $sid = $(if ($token -and $token['sid']) { [string]$token['sid'] } else { 'S-1-5-21-1004336348-1177238915-682003330-1104' })
        '"' + $name + '","' + $sid + '"'
        Set-FakeExitCode 0
        return
    }
    if (($words -join ' ') -ne '/groups /fo csv /nh') { "ERROR: Invalid argument/option - '$($words -join ' ')'."; Set-FakeExitCode 1; return }
    $elevated = [bool]($token -and $token['elevated'])
    $german = ($token -and $token['language'] -eq 'de')
    if ($german) {
        '"Jeder","Bekannte Gruppe","S-1-1-0","Obligatorische Gruppe, Standardm' + [char]0xE4 + '' + [char]0xDF + 'ig aktiviert, Aktivierte Gruppe"'
        if ($elevated) { '"VORDEFINIERT\Administratoren","Alias","S-1-5-32-544","Obligatorische Gruppe, Standardm' + [char]0xE4 + '' + [char]0xDF + 'ig aktiviert, Aktivierte Gruppe, Gruppenbesitzer"' }
        else { '"VORDEFINIERT\Administratoren","Alias","S-1-5-32-544","Gruppe wird nur f' + [char]0xFC + 'r Verweigerung verwendet"' }
        if ($elevated) { '"Verbindliche Beschriftung\Hohe Verbindlichkeitsstufe","Bezeichnung","S-1-16-12288",""' }
        else { '"Verbindliche Beschriftung\Mittlere Verbindlichkeitsstufe","Bezeichnung","S-1-16-8192",""' }
    }
    else {
        '"Everyone","Well-known group","S-1-1-0","Mandatory group, Enabled by default, Enabled group"'
        if ($elevated) { '"BUILTIN\Administrators","Alias","S-1-5-32-544","Mandatory group, Enabled by default, Enabled group, Group owner"' }
        else { '"BUILTIN\Administrators","Alias","S-1-5-32-544","Group used for deny only"' }
        '"BUILTIN\Users","Alias","S-1-5-32-545","Mandatory group, Enabled by default, Enabled group"'
        '"NT AUTHORITY\Authenticated Users","Well-known group","S-1-5-11","Mandatory group, Enabled by default, Enabled group"'
        if ($elevated) { '"Mandatory Label\High Mandatory Level","Label","S-1-16-12288",""' }
        else { '"Mandatory Label\Medium Mandatory Level","Label","S-1-16-8192",""' }
    }
    Set-FakeExitCode 0
}

# Each tool answers at the world's system folder and at the one .NET reports here ([Environment]
# ::SystemDirectory is empty off Windows), so the scripts' own Get-SystemDirectory runs as is.
foreach ($folder in @('C:\Windows\system32', [Environment]::SystemDirectory) | Select-Object -Unique) {
    Set-Alias -Name "$folder\inetsrv\appcmd.exe" -Value 'Invoke-FakeAppcmd'
    Set-Alias -Name "$folder\w32tm.exe" -Value 'Invoke-FakeW32tm'
    Set-Alias -Name "$folder\whoami.exe" -Value 'Invoke-FakeWhoami'
    Set-Alias -Name "$folder\icacls.exe" -Value 'Invoke-FakeIcacls'
}
