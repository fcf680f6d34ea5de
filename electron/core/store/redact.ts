/**
 * The redaction hook every journal write, progress event and export goes through.
 * Secrets are removed by key name, by shape (bearer tokens, JWTs, credentials in URLs)
 * and by value (anything registered with `addSecret`, such as a token passed on stdin).
 */
const SECRET_KEY =
  /(token|secret|password|passwd|pwd|credential|authorization|cookie|assertion|client_?secret|refresh)/i;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
// Everything from "://" to the last "@" before a host: a password may hold "/", "@" or a space
// as admins type it (http://admin:Pa/ss@proxy, P@ss@proxy, p ss@proxy); more is redacted rather
// than any of it kept. Quotes and line ends bound it, so JSON around it stays whole.
// A user name comes first, without "/": a path holding "@" (/users/admin@contoso.com) is not credentials.
const URL_CREDENTIALS =
  /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/@:"'<>]+:[^\r\n"'<>]*|[^\s/@:"'<>]+)@(?=[a-z0-9][a-z0-9.-]*(?::\d+)?(?:[/?#\s"'<>;,)]|$))/gi;
// A secret named in free text, as tools print it: password="…", Password: …, token=… (appcmd's
// /config output, for one, prints an app pool account's password in clear).
const NAMED_SECRET = /\b(\w*(?:password|passwd|pwd|secret|token))(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"',;&]+)/gi;
// "PFX password hunter2": a word with a digit right after a password named in prose.
const PROSE_PASSWORD = /\b((?:password|passwd|pwd)\s+)(?=[^\s"']*\d)[^\s"',;&]+/gi;
// An HTTP authorization header of any scheme (Proxy-Authorization: Basic …), and a PowerShell
// parameter that carries a password (-PfxPassword …).
const AUTH_HEADER =
  /\b((?:proxy-)?authorization['"]?\s*[:=]\s*['"]?)(?:(?:basic|bearer|ntlm|negotiate|digest|sharedkey)\s+[^\s"',;]+|[A-Za-z0-9+/=._~-]{16,})/gi;
const PASSWORD_PARAMETER = /((?:^|\s)-\w*(?:password|secret|token)\s+)(?!-)("[^"]*"|'[^']*'|[^\s"',;]+)/gi;
// Credentials before a host with no scheme, as proxy settings are written (http=user:pass@host:port;
// a password holding @ included).
const BARE_CREDENTIALS = /(=)[^\s/@:=("']+:[^\s/]+@(?=[a-z0-9.-]+)/gi;

// Secrets as logs and support material print them: a JSON member in free text
// ("client_secret": "…"), an XML element (<Password>…</Password>), a cookie header, an Entra ID
// refresh token (opaque, "0.A…"), a Windows Installer property dump (PROXYPASS = …), and the
// string handed to ConvertTo-SecureString.
const JSON_SECRET = /("\w*(?:password|passwd|pwd|secret|token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;
const XML_SECRET = /<(\w*(?:password|passwd|pwd|secret|token))>[^<]*<\/\1>/gi;
// Values stop at a quote or backslash, so text inside a JSON string stays valid JSON.
const COOKIE = /\b((?:set-)?cookie\s*:\s*)[^\r\n"\\]+/gi;
const REFRESH_TOKEN = /\b0\.A[A-Za-z0-9_*.-]{40,}/g;
const MSI_PASS_PROPERTY = /\b([A-Z][A-Z0-9_]*PASS(?:WORD)?)(\s*=\s*)([^\s"\\]+)/g;
const SECURE_STRING = /(ConvertTo-SecureString\s+(?:-String\s+)?)("[^"]*"|'[^']*'|[^\s)"\\]+)/gi;

// A secret carried in a query string: an authorization code, a SAS signature, a token or key.
const QUERY_SECRET =
  /([?&#](?:code|sig|signature|access_token|id_token|refresh_token|client_secret|password|pwd|token|key|api[-_]?key|code_verifier|assertion)=)[^&\s#"'<>]+/gi;

export const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets = new Set<string>();

  addSecret(value: string): void {
    if (value.length >= 4) this.secrets.add(value);
  }

  forgetSecret(value: string): void {
    this.secrets.delete(value);
  }

  text(value: string): string {
    let out = value
      .replace(JWT, REDACTED)
      .replace(REFRESH_TOKEN, REDACTED)
      .replace(JSON_SECRET, `$1"${REDACTED}"`)
      .replace(XML_SECRET, `<$1>${REDACTED}</$1>`)
      .replace(COOKIE, `$1${REDACTED}`)
      .replace(MSI_PASS_PROPERTY, `$1$2${REDACTED}`)
      .replace(SECURE_STRING, `$1${REDACTED}`)
      .replace(BEARER, `$1 ${REDACTED}`)
      .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
      .replace(QUERY_SECRET, `$1${REDACTED}`)
      .replace(AUTH_HEADER, `$1${REDACTED}`)
      .replace(PASSWORD_PARAMETER, `$1${REDACTED}`)
      .replace(BARE_CREDENTIALS, `$1${REDACTED}@`)
      .replace(
        NAMED_SECRET,
        (_match, name: string, separator: string, secret: string) =>
          `${name}${separator}${secret.startsWith('"') ? `"${REDACTED}"` : secret.startsWith("'") ? `'${REDACTED}'` : REDACTED}`,
      )
      .replace(PROSE_PASSWORD, `$1${REDACTED}`);
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  value<T>(value: T): T {
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (depth > 32) return REDACTED;
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item, depth + 1));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (key === '__proto__') continue;
        // A name can carry a secret too (a token used as a map key): names are redacted as text.
        out[this.text(key)] =
          SECRET_KEY.test(key) && item !== null && item !== undefined && item !== false
            ? REDACTED
            : this.walk(item, depth + 1);
      }
      return out;
    }
    return value;
  }
}
