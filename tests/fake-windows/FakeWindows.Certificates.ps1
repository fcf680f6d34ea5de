# Certificate stores of the world: "certificates" maps a store ("LocalMachine\My") to a list of
# certificates. Each is either a real certificate ({"der": "<base64>", "hasPrivateKey": true})
# or a description the fake turns into a real X509Certificate2 signed by a made-up issuer:
#   { "subject": "CN=NDES01-MSCEP-RA", "issuer": "CN=Contoso Issuing CA", "template": "CEPEncryption",
#     "eku": ["1.3.6.1.4.1.311.20.2.1"], "keyUsage": "KeyEncipherment",
#     "notBefore": "...", "notAfter": "...", "hasPrivateKey": true }
# "template" is written as Windows writes a version 1 template name: extension
# 1.3.6.1.4.1.311.20.2 holding a BMPString (as in the real NDES RA certificate of CERT/testdata).

$script:FakeStores = @{}
$script:FakeCertificateCache = @{}
$script:FakeIssuers = @{}

function Get-FakeIssuer {
    param([Parameter(Mandatory = $true)][string]$Name)
    if (-not $script:FakeIssuers.ContainsKey($Name)) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = New-Object -TypeName System.Security.Cryptography.X509Certificates.CertificateRequest -ArgumentList $Name, $key, ([System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add((New-Object -TypeName System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension -ArgumentList $true, $false, 0, $true))
        $script:FakeIssuers[$Name] = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddYears(-10), [DateTimeOffset]::UtcNow.AddYears(20))
    }
    return $script:FakeIssuers[$Name]
}

function ConvertTo-BmpStringExtension {
    param([Parameter(Mandatory = $true)][string]$Text)
    $body = New-Object -TypeName System.Collections.Generic.List[byte]
    foreach ($character in $Text.ToCharArray()) { $body.Add([byte]([int]$character -shr 8)); $body.Add([byte]([int]$character -band 0xFF)) }
    if ($body.Count -gt 127) { throw 'FakeWindows: template names longer than 63 characters are not supported.' }
    $bytes = New-Object -TypeName System.Collections.Generic.List[byte]
    $bytes.Add(0x1E); $bytes.Add([byte]$body.Count); $bytes.AddRange($body)
    return , $bytes.ToArray()
}

function New-FakeCertificate {
    param([Parameter(Mandatory = $true)][hashtable]$Spec)
    if ($Spec.ContainsKey('der')) {
        $certificate = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (, [Convert]::FromBase64String([string]$Spec['der']))
    }
    else {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = New-Object -TypeName System.Security.Cryptography.X509Certificates.CertificateRequest -ArgumentList ([string]$Spec['subject']), $key, ([System.Security.Cryptography.HashAlgorithmName]::SHA256)
        if ($Spec['template']) {
            $request.CertificateExtensions.Add((New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Extension -ArgumentList '1.3.6.1.4.1.311.20.2', (ConvertTo-BmpStringExtension -Text ([string]$Spec['template'])), $false))
        }
        if ($Spec['eku']) {
            $oids = New-Object -TypeName System.Security.Cryptography.OidCollection
            foreach ($oid in @($Spec['eku'])) { [void]$oids.Add((New-Object -TypeName System.Security.Cryptography.Oid -ArgumentList ([string]$oid))) }
            $request.CertificateExtensions.Add((New-Object -TypeName System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension -ArgumentList $oids, $false))
        }
        if ($Spec['keyUsage']) {
            $usage = [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]([string]$Spec['keyUsage'])
            $request.CertificateExtensions.Add((New-Object -TypeName System.Security.Cryptography.X509Certificates.X509KeyUsageExtension -ArgumentList $usage, $true))
        }
        $notBefore = [DateTimeOffset]::Parse([string]$Spec['notBefore'], [Globalization.CultureInfo]::InvariantCulture)
        $notAfter = [DateTimeOffset]::Parse([string]$Spec['notAfter'], [Globalization.CultureInfo]::InvariantCulture)
        $issuerName = $(if ($Spec['issuer']) { [string]$Spec['issuer'] } else { 'CN=Contoso Issuing CA, DC=contoso, DC=local' })
        $serial = New-Object -TypeName 'byte[]' -ArgumentList 16
        [System.Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($serial)
        $serial[0] = $serial[0] -band 0x7F
        $certificate = $request.Create((Get-FakeIssuer -Name $issuerName), $notBefore, $notAfter, $serial)
    }
    $object = [psobject]$certificate
    # The world, not the (absent) key file, says whether this server holds the private key.
    $object | Add-Member -NotePropertyName HasPrivateKey -NotePropertyValue ([bool]$Spec['hasPrivateKey']) -Force
    $object | Add-Member -NotePropertyName PSParentPath -NotePropertyValue 'Microsoft.PowerShell.Security\Certificate::LocalMachine\My' -Force
    return $object
}

function Get-FakeStoreName {
    param([string]$Store)
    $world = Get-FakeSection -Name 'certificates'
    if ($null -eq $world) { return $null }
    foreach ($name in $world.Keys) { if ($name -eq $Store) { return $name } }
    return $null
}

function Test-FakeCertificatePath {
    param([string]$Store)
    if ($Store -eq '' -or $Store -eq 'LocalMachine' -or $Store -eq 'CurrentUser') { return $true }
    return ($Store -match '^(LocalMachine|CurrentUser)\\(My|Root|CA|AuthRoot|TrustedPublisher|Disallowed|REQUEST|Remote Desktop|WebHosting)$')
}

# The thumbprint of the certificate a world gives an "id" (files such as TrustSettings.xml name
# certificates the fake makes at run time, so a world writes {{thumbprint:<id>}} instead).
function Get-FakeCertificateThumbprint {
    param([Parameter(Mandatory = $true)][string]$Id)
    $world = Get-FakeSection -Name 'certificates'
    if ($null -eq $world) { throw "FakeWindows: no certificate has the id '$Id'." }
    foreach ($store in $world.Keys) {
        $specs = @($world[$store])
        for ($i = 0; $i -lt $specs.Count; $i++) {
            if ($specs[$i] -and $specs[$i]['id'] -eq $Id) { return @(Get-FakeCertificate -Cmdlet $null -Store $store -DisplayPath $store)[$i].Thumbprint }
        }
    }
    throw "FakeWindows: no certificate has the id '$Id'."
}

function Get-FakeCertificate {
    param($Cmdlet, [string]$Store, [string]$DisplayPath)
    if (-not (Test-FakeCertificatePath -Store $Store) -or $Store -notmatch '\\') {
        Write-FakeError -Cmdlet $Cmdlet -Message "Cannot find path '$DisplayPath' because it does not exist." -ErrorId 'PathNotFound' -Category ObjectNotFound -Target $DisplayPath -ExceptionType 'System.Management.Automation.ItemNotFoundException'
        return
    }
    $name = Get-FakeStoreName -Store $Store
    if ($null -eq $name) { return }
    $world = Get-FakeSection -Name 'certificates'
    if (-not $script:FakeStores.ContainsKey($name)) {
        # One certificate per description for the life of the process, so a thumbprint stays
        # the same when the world changes around it (a registration adding its certificate).
        $script:FakeStores[$name] = @(foreach ($spec in @($world[$name])) {
                if (-not $spec) { continue }
                $key = ConvertTo-Json -InputObject $spec -Depth 5 -Compress
                if (-not $script:FakeCertificateCache.ContainsKey($key)) { $script:FakeCertificateCache[$key] = New-FakeCertificate -Spec $spec }
                $script:FakeCertificateCache[$key]
            })
    }
    foreach ($certificate in $script:FakeStores[$name]) { $certificate }
}
