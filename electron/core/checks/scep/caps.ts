/**
 * GetCACaps (RFC 8894 §3.5.2): keywords separated by LF or CRLF, in any order; clients
 * ignore case and Content-Type, and accept unknown keywords. An empty body means "none".
 */
export const KNOWN_CAPABILITIES = [
  'AES',
  'DES3',
  'GetNextCACert',
  'POSTPKIOperation',
  'Renewal',
  'SHA-1',
  'SHA-256',
  'SHA-512',
  'SCEPStandard',
  'Update',
] as const;

export interface Capabilities {
  /** Canonical spelling for known keywords, as sent for unknown ones. */
  keywords: string[];
  unknown: string[];
  has(keyword: string): boolean;
}

export function parseCapabilities(body: Buffer | string): Capabilities {
  const text = typeof body === 'string' ? body : body.toString('latin1');
  const canonical = new Map(KNOWN_CAPABILITIES.map((keyword) => [keyword.toLowerCase(), keyword] as const));
  const keywords: string[] = [];
  const unknown: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const word = raw.trim();
    if (word === '') continue;
    const known = canonical.get(word.toLowerCase());
    if (known) {
      if (!keywords.includes(known)) keywords.push(known);
    } else if (!unknown.includes(word)) {
      unknown.push(word);
      keywords.push(word);
    }
  }
  // SCEPStandard implies AES, POSTPKIOperation and SHA-256 (RFC 8894 §3.5.2).
  const implied = keywords.includes('SCEPStandard') ? ['AES', 'POSTPKIOperation', 'SHA-256'] : [];
  const all = new Set([...keywords, ...implied].map((keyword) => keyword.toLowerCase()));
  return { keywords, unknown, has: (keyword) => all.has(keyword.toLowerCase()) };
}

/** A body that is plainly not a capability list (an HTML page, binary). */
export function looksLikeCapabilities(body: Buffer): boolean {
  if (body.length === 0) return true;
  if (body.length > 4096) return false;
  const text = body.toString('latin1');
  return !/[<>\0]/.test(text) && text.split(/\r?\n/).every((line) => /^[\x20-\x7e]*$/.test(line));
}
