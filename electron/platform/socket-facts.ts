import {
  createSecureContext,
  rootCertificates,
  type PeerCertificate,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { ProbeFailure } from '../core/checks/probe-errors.ts';
import { type TlsFacts } from '../core/ports.ts';

/**
 * What the HTTP probe and the net probe share: how a socket error reads as a probe failure,
 * the peer chain as the checks record it, and the trust store.
 */

export function probeFailureOf(error: NodeJS.ErrnoException, stage?: string): ProbeFailure {
  const code = error.code ?? '';
  const prefix = stage ? `${stage}: ` : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA')
    return new ProbeFailure('dns', `${prefix}the name could not be resolved (${code}).`, code);
  if (code === 'ECONNREFUSED')
    return new ProbeFailure(
      'refused',
      `${prefix}the connection was refused: nothing listens on that port, or a firewall rejects it.`,
      code,
    );
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return new ProbeFailure(
      'reset',
      `${prefix}the connection was reset by the other side or by a device in between.`,
      code,
    );
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new ProbeFailure('unreachable', `${prefix}the host is unreachable (${code}).`, code);
  if (code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'EPROTO')
    return new ProbeFailure('tls', `${prefix}the TLS handshake failed (${code}).`, code);
  return new ProbeFailure('other', `${prefix}${error.message}`, code);
}

export function peerChain(socket: TLSSocket): TlsFacts['chain'] {
  const chain: TlsFacts['chain'] = [];
  let cert = socket.getPeerCertificate(true) as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  const seen = new Set<string>();
  const names = (value: object | undefined) =>
    Object.entries(value ?? {})
      .map(([key, item]) => `${key}=${String(item)}`)
      .join(', ');
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push({
      subject: names(cert.subject),
      issuer: names(cert.issuer),
      validTo: cert.valid_to,
      fingerprint256: cert.fingerprint256,
      ...(cert.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}),
    });
    cert = cert.issuerCertificate as typeof cert;
  }
  return chain;
}

/**
 * One secure context for every handshake (building one per connection parses ~140 roots each
 * time): the system's roots plus any trust anchors the composition root was given.
 */
export function trustContext(trustAnchors: readonly string[] | undefined): SecureContext | undefined {
  return trustAnchors?.length ? createSecureContext({ ca: [...rootCertificates, ...trustAnchors] }) : undefined;
}

/** Runs `start` with a deadline and a cancel signal; `cleanup` always runs. */
export function bounded<T>(
  options: { timeoutMs: number; signal?: AbortSignal },
  stage: string,
  start: (settle: { resolve(value: T): void; reject(error: Error): void }) => () => void,
): Promise<T> {
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
    const timer = setTimeout(
      () =>
        finish(() => reject(new ProbeFailure('timeout', `${stage}: no answer within ${options.timeoutMs / 1000} s.`))),
      options.timeoutMs,
    );
    const onAbort = () => finish(() => reject(new ProbeFailure('cancelled', `${stage}: cancelled.`)));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      cleanup = start({
        resolve: (value) => finish(() => resolve(value)),
        reject: (error) => finish(() => reject(error)),
      });
    } catch (error) {
      finish(() => reject(error instanceof Error ? error : new Error(String(error))));
    }
  });
}
