<#
.SYNOPSIS
    Signs the companion's PowerShell scripts with a code-signing certificate, before a build.

.DESCRIPTION
    For servers whose Group Policy sets the execution policy to AllSigned: Windows PowerShell then
    loads only scripts signed by a publisher it trusts. Run this on the build machine before
    `node tools/build.mjs all` (the build records each script's SHA-256 after signing, and the
    app refuses any script that differs), then package. The certificate is taken from the
    current user's store by thumbprint; it must carry the Code Signing EKU.

.EXAMPLE
    powershell.exe -NoProfile -File tools\sign-scripts.ps1 -CertificateThumbprint 0123...CDEF -TimestampServer http://timestamp.digicert.com
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][string]$CertificateThumbprint,
    [string]$TimestampServer
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$certificate = Get-Item -LiteralPath "Cert:\CurrentUser\My\$CertificateThumbprint"
$scripts = @(Get-ChildItem -LiteralPath (Join-Path -Path (Split-Path -Parent $PSScriptRoot) -ChildPath 'scripts/powershell') -Filter '*.ps1')
foreach ($script in $scripts) {
    if (-not $PSCmdlet.ShouldProcess($script.FullName, 'Sign')) { continue }
    $arguments = @{ FilePath = $script.FullName; Certificate = $certificate; HashAlgorithm = 'SHA256' }
    if ($TimestampServer) { $arguments['TimestampServer'] = $TimestampServer }
    $signature = Set-AuthenticodeSignature @arguments
    if ($signature.Status -ne 'Valid') { throw "Signing $($script.Name) failed: $($signature.StatusMessage)" }
    Write-Output "Signed $($script.Name)"
}
