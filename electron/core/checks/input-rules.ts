/**
 * Rules for the URLs an admin types (docs/reference/domain.md §5.2, docs/reference/peers.md P27). Bad input is refused
 * before any probe, with a message that says what to type instead.
 */
export type UrlRole = 'internal' | 'external' | 'proxy';

export type UrlVerdict = { ok: true; url: URL; normalized: string; notes: string[] } | { ok: false; message: string };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The rules our scripts also hold their parameters to (ValidatePattern); a unit test
 * (tests/unit/script-patterns.test.ts) keeps each script's pattern agreeing with these.
 */
/** A GUID as Microsoft Entra ID writes tenant, object and profile ids. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A DNS host name: labels of letters, digits and inner hyphens, 63 at most each. */
export const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** The long-URL SCEP probe's size in KB, the one rule the form, the CLI and the checks read (why long URLs matter: docs/reference/domain.md §8.1). */
export const LONG_URL_KB = { min: 1, max: 31, default: 20 } as const;
export const isLongUrlKb = (value: number): boolean =>
  Number.isInteger(value) && value >= LONG_URL_KB.min && value <= LONG_URL_KB.max;
/** One WinHTTP bypass entry: a host name, or *.domain. */
export const BYPASS_ENTRY = /^(\*\.)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i;

function isIpLiteral(hostname: string): boolean {
  return IPV4.test(hostname) || hostname.startsWith('[');
}

const EXAMPLES: Record<UrlRole, string> = {
  internal: 'https://ndes01.contoso.local/',
  external: 'https://ndes-contoso.msappproxy.net/',
  proxy: 'http://proxy.contoso.local:8080',
};

export function checkUrl(raw: string, role: UrlRole, options: { verifiedDomains?: string[] } = {}): UrlVerdict {
  const text = raw.trim();
  const example = EXAMPLES[role];
  if (text === '') return { ok: false, message: `Enter a URL, for example ${example}` };
  if (/\s/.test(text)) return { ok: false, message: `A URL cannot contain spaces. Type it like ${example}` };
  const credentials = `Remove the user name and password from the URL: ${role === 'proxy' ? 'the connector cannot authenticate to a proxy, so the proxy must allow it without credentials' : 'credentials never belong in a published URL'}.`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // user:pa/ss@host does not parse (the authority ends at the "/"), but it is still credentials.
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^@]*@/i.test(text)) return { ok: false, message: credentials };
    // Whatever stands before an "@" may be a password: it is never repeated back.
    return {
      ok: false,
      message: `${text.includes('@') ? 'That' : `"${text}"`} is not a URL. Type the whole address with http:// or https://, like ${example}`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      message: `Only http:// and https:// addresses work here (got ${url.protocol}). Type it like ${example}`,
    };
  }
  if (url.username || url.password) return { ok: false, message: credentials };
  if (url.hash) return { ok: false, message: 'Remove the #fragment from the URL.' };
  const notes: string[] = [];
  const host = url.hostname.toLowerCase();

  if (role === 'proxy') {
    if (url.pathname !== '/' || url.search)
      return { ok: false, message: `A proxy address is only scheme, host and port, like ${example}` };
    // The connector's proxy setting takes http:// only, "even if you're using an IP address"
    // (Microsoft, configure connectors with proxy servers; docs/reference/windows-outputs/connector.md CONN-03).
    if (url.protocol !== 'http:')
      return {
        ok: false,
        message: `A proxy address starts with http:// (the connector talks to its proxy in plain HTTP and tunnels TLS through it), like ${example}`,
      };
    if (!url.port) notes.push('No port given: 80 will be used.');
    // The port is written out, so every probe uses the port this note announced.
    return { ok: true, url, normalized: `http://${url.hostname}:${url.port || '80'}`, notes };
  }

  if (url.search)
    return { ok: false, message: `Remove the ?query from the URL; type only the server's address, like ${example}` };
  if (role === 'internal') {
    if (host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]') {
      return {
        ok: false,
        message: `Use the server's name as other machines reach it, not ${host}: the connector resolves this name, e.g. ${example}`,
      };
    }
    if (isIpLiteral(host))
      return {
        ok: false,
        message: `Use the NDES server's DNS name, not an IP address (${host}): application proxy publishes names, and the TLS certificate is issued to a name.`,
      };
    if (!host.includes('.'))
      notes.push(
        `"${host}" is a single-label name; the fully qualified name (e.g. ${host}.contoso.local) is more reliable for the connector.`,
      );
  }
  if (role === 'external') {
    if (url.protocol !== 'https:')
      return { ok: false, message: 'The external URL is always https:// (application proxy publishes over TLS only).' };
    if (url.port) return { ok: false, message: 'The external URL cannot have a port: application proxy uses 443.' };
    const verified = (options.verifiedDomains ?? []).map((domain) => domain.toLowerCase());
    const underAppProxy = host.endsWith('.msappproxy.net');
    const underVerified = verified.some((domain) => host === domain || host.endsWith(`.${domain}`));
    if (!underAppProxy && !underVerified) {
      return {
        ok: false,
        message: `The external URL must be under msappproxy.net (as Microsoft Entra shows it, e.g. ${example}) or a custom domain verified in your tenant${verified.length ? ` (${verified.join(', ')})` : ''}.`,
      };
    }
    if (underAppProxy && host.split('.').length !== 3) {
      return { ok: false, message: `An msappproxy.net external URL has one label before the domain, like ${example}` };
    }
  }
  // The base URL ends in "/", and the SCEP path is appended by the probes, not typed.
  let path = url.pathname;
  const scepSuffix = /\/certsrv\/mscep\/mscep\.dll(\/pkiclient\.exe)?\/?$/i;
  if (scepSuffix.test(path)) {
    path = path.replace(scepSuffix, '/');
    notes.push(
      'The SCEP path was removed: type the server address; the companion adds /certsrv/mscep/mscep.dll itself.',
    );
  }
  if (!path.endsWith('/')) {
    path = `${path}/`;
    notes.push('A trailing "/" was added, as application proxy expects.');
  }
  const normalized = `${url.protocol}//${url.host}${path}`;
  return { ok: true, url: new URL(normalized), normalized, notes };
}
