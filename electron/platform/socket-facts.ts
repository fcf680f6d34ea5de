import { createSecureContext, rootCertificates, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { ProbeFailure, type TlsFacts } from '../core/checks/http-types.ts';

/**
 * What the HTTP probe and the net probe share: the lab resolver's mapping, how a socket error
 * reads as a probe failure, the peer chain as the checks record it, and the trust store.
 */

/**
 * The lab resolver: "name" or "name:port" → "address" or "address:port". Without a port (a
 * DNS question) any "name:port" entry means the name exists.
 */
export function labMapping(hosts: Record<string, string> | undefined, host: string, port?: number): { address: string; port?: number } | undefined {
  if (!hosts) return undefined;
  const name = host.toLowerCase();
  const anyPort = port === undefined ? Object.entries(hosts).find(([key]) => key.startsWith(`${name}:`))?.[1] : undefined;
  const value = (port !== undefined ? hosts[`${name}:${port}`] : undefined) ?? hosts[name] ?? anyPort;
  if (!value) return undefined;
  const match = /^(.*):(\d+)$/.exec(value);
  return match && !value.startsWith('[') ? { address: match[1] ?? value, port: Number(match[2]) } : { address: value };
}

export function probeFailureOf(error: NodeJS.ErrnoException, stage?: string): ProbeFailure {
  const code = error.code ?? '';
  const prefix = stage ? `${stage}: ` : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return new ProbeFailure('dns', `${prefix}the name could not be resolved (${code}).`, code);
  if (code === 'ECONNREFUSED') return new ProbeFailure('refused', `${prefix}the connection was refused: nothing listens on that port, or a firewall rejects it.`, code);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new ProbeFailure('reset', `${prefix}the connection was reset by the other side or by a device in between.`, code);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new ProbeFailure('unreachable', `${prefix}the host is unreachable (${code}).`, code);
  if (code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'EPROTO') return new ProbeFailure('tls', `${prefix}the TLS handshake failed (${code}).`, code);
  return new ProbeFailure('other', `${prefix}${error.message}`, code);
}

export function peerChain(socket: TLSSocket): TlsFacts['chain'] {
  const chain: TlsFacts['chain'] = [];
  let cert = socket.getPeerCertificate(true) as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  const seen = new Set<string>();
  const names = (value: object | undefined) => Object.entries(value ?? {}).map(([key, item]) => `${key}=${String(item)}`).join(', ');
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push({ subject: names(cert.subject), issuer: names(cert.issuer), validTo: cert.valid_to, fingerprint256: cert.fingerprint256, ...(cert.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}) });
    cert = cert.issuerCertificate as typeof cert;
  }
  return chain;
}

/** One secure context for every handshake: building one per connection parses ~140 roots each time. */
export function trustContext(extraCaPem: string[] | undefined): SecureContext | undefined {
  return extraCaPem?.length ? createSecureContext({ ca: [...rootCertificates, ...extraCaPem] }) : undefined;
}

/** Runs `start` with a deadline and a cancel signal; `cleanup` always runs. */
export function bounded<T>(options: { timeoutMs: number; signal?: AbortSignal }, stage: string, start: (settle: { resolve(value: T): void; reject(error: Error): void }) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let cleanup: () => void = () => undefined;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      cleanup();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new ProbeFailure('timeout', `${stage}: no answer within ${options.timeoutMs / 1000} s.`))), options.timeoutMs);
    const onAbort = () => finish(() => reject(new ProbeFailure('cancelled', `${stage}: cancelled.`)));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      cleanup = start({ resolve: (value) => finish(() => resolve(value)), reject: (error) => finish(() => reject(error)) });
    } catch (error) {
      finish(() => reject(error instanceof Error ? error : new Error(String(error))));
    }
  });
}
