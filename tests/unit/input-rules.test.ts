import { describe, expect, it } from 'vitest';
import { checkUrl, type UrlRole } from '../../electron/core/checks/input-rules.ts';

const good: [UrlRole, string, string][] = [
  ['internal', 'https://ndes01.contoso.local/', 'https://ndes01.contoso.local/'],
  ['internal', 'https://ndes01.contoso.local', 'https://ndes01.contoso.local/'],
  ['internal', 'http://ndes01.contoso.local:8080/', 'http://ndes01.contoso.local:8080/'],
  ['internal', '  https://NDES01.Contoso.Local/  ', 'https://ndes01.contoso.local/'],
  ['internal', 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll', 'https://ndes01.contoso.local/'],
  ['internal', 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll/pkiclient.exe', 'https://ndes01.contoso.local/'],
  ['external', 'https://ndes-contoso.msappproxy.net/', 'https://ndes-contoso.msappproxy.net/'],
  [
    'external',
    'https://scep-test93635307549127448334.msappproxy.net/certsrv/mscep/mscep.dll',
    'https://scep-test93635307549127448334.msappproxy.net/',
  ],
  ['proxy', 'http://proxy.contoso.local:8080', 'http://proxy.contoso.local:8080'],
  ['proxy', 'http://10.0.0.5:3128/', 'http://10.0.0.5:3128'],
  ['proxy', 'http://proxy.contoso.local', 'http://proxy.contoso.local:80'],
];

const bad: [UrlRole, string, RegExp][] = [
  ['internal', '', /Enter a URL/],
  ['internal', 'ndes01.contoso.local', /not a URL|http/],
  ['internal', 'ftp://ndes01.contoso.local/', /Only http:\/\/ and https:\/\//],
  ['internal', 'https://localhost/', /not localhost/],
  ['internal', 'https://127.0.0.1/', /not 127\.0\.0\.1/],
  ['internal', 'https://10.1.2.3/', /not an IP address/],
  ['internal', 'https://[fe80::1]/', /not an IP address/],
  ['internal', 'https://admin:secret@ndes01.contoso.local/', /Remove the user name and password/],
  ['internal', 'https://ndes01.contoso.local/?operation=GetCACaps', /Remove the \?query/],
  ['internal', 'https://ndes01 .contoso.local/', /spaces/],
  ['internal', 'https://ndes01.contoso.local/#top', /fragment/],
  ['external', 'http://ndes-contoso.msappproxy.net/', /always https/],
  ['external', 'https://ndes-contoso.msappproxy.net:8443/', /cannot have a port/],
  ['external', 'https://ndes.contoso.com/', /msappproxy\.net .* or a custom domain verified/],
  ['external', 'https://a.b.msappproxy.net/', /one label/],
  ['external', 'https://msappproxy.net.evil.example/', /msappproxy\.net/],
  ['proxy', 'http://user:pass@proxy:8080', /cannot authenticate to a proxy/],
  ['proxy', 'https://proxy.contoso.local:8443', /starts with http:\/\//],
  ['proxy', 'proxy.contoso.local:8080', /Only http|not a URL/],
  // A password holding "/" does not parse as a URL at all, and is still named for what it is.
  [
    'proxy',
    'http://admin:Pa/ssw0rd@proxy.contoso.local:8080',
    /^Remove the user name and password from the URL: the connector cannot authenticate/,
  ],
  ['proxy', 'http://proxy:8080/path', /only scheme, host and port/],
];

describe('URL input rules', () => {
  it.each(good)('%s %j is accepted as %j', (role, raw, normalized) => {
    const verdict = checkUrl(raw, role);
    expect(verdict).toMatchObject({ ok: true, normalized });
  });

  it.each(bad)('%s %j is refused with a message that says what to type', (role, raw, message) => {
    const verdict = checkUrl(raw, role);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.message).toMatch(message);
  });

  it('accepts a custom domain the tenant has verified', () => {
    expect(checkUrl('https://ndes.contoso.com/', 'external', { verifiedDomains: ['contoso.com'] })).toMatchObject({
      ok: true,
    });
  });

  it('notes what it changed, so nothing happens silently', () => {
    const verdict = checkUrl('https://ndes01.contoso.local/certsrv/mscep/mscep.dll', 'internal');
    expect(verdict.ok && verdict.notes.join(' ')).toContain('SCEP path was removed');
    const single = checkUrl('https://ndes01/', 'internal');
    expect(single.ok && single.notes.join(' ')).toContain('single-label');
  });
});
