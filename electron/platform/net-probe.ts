import { promises as dns } from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import tls, { rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { ProbeFailure, ProxyRefusal, type NetProbe, type TlsFacts } from '../core/checks/http-types.ts';

/**
 * DNS, TCP, TLS and proxy tunnels with Node's own modules, each bounded by a timeout and a
 * cancel signal. The lab's resolver plugs in through `hosts` ("name" or "name:port" →
 * "address:port"), as in the HTTP probe.
 */
export interface NetProbeConfig {
  hosts?: Record<string, string>;
  extraCaPem?: string[];
  /**
   * The lab and the tests: only names in `hosts` exist; anything else (a public name, an IP
   * literal) fails as unresolvable without a packet leaving the machine.
   */
  closedWorld?: boolean;
}

function mapped(hosts: Record<string, string>, host: string, port?: number): { address: string; port?: number } | undefined {
  const name = host.toLowerCase();
  // Without a port (a DNS question), any "name:port" entry means the name exists.
  const anyPort = port === undefined ? Object.entries(hosts).find(([key]) => key.startsWith(`${name}:`))?.[1] : undefined;
  const value = (port !== undefined ? hosts[`${name}:${port}`] : undefined) ?? hosts[name] ?? anyPort;
  if (!value) return undefined;
  const match = /^(.*):(\d+)$/.exec(value);
  return match ? { address: match[1] ?? value, port: Number(match[2]) } : { address: value };
}

function failureOf(error: NodeJS.ErrnoException, stage: string): ProbeFailure {
  const code = error.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return new ProbeFailure('dns', `${stage}: the name does not resolve (${code}).`, code);
  if (code === 'ECONNREFUSED') return new ProbeFailure('refused', `${stage}: connection refused.`, code);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new ProbeFailure('reset', `${stage}: connection reset.`, code);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new ProbeFailure('unreachable', `${stage}: unreachable (${code}).`, code);
  if (code.startsWith('ERR_SSL') || code === 'EPROTO') return new ProbeFailure('tls', `${stage}: TLS handshake failed (${code}).`, code);
  return new ProbeFailure('other', `${stage}: ${error.message}`, code);
}

/** Runs `start` with a deadline and a cancel signal; `cleanup` always runs. */
function bounded<T>(options: { timeoutMs: number; signal?: AbortSignal }, stage: string, start: (settle: { resolve(value: T): void; reject(error: Error): void }) => () => void): Promise<T> {
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

function chainOf(socket: TLSSocket): TlsFacts['chain'] {
  const chain: TlsFacts['chain'] = [];
  let cert = socket.getPeerCertificate(true) as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  const seen = new Set<string>();
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const names = (value: object | undefined) => Object.entries(value ?? {}).map(([key, item]) => `${key}=${String(item)}`).join(', ');
    chain.push({ subject: names(cert.subject), issuer: names(cert.issuer), validTo: cert.valid_to, fingerprint256: cert.fingerprint256, ...(cert.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}) });
    cert = cert.issuerCertificate as typeof cert;
  }
  return chain;
}

export function createNetProbe(config: NetProbeConfig = {}): NetProbe {
  const hosts = config.hosts ?? {};
  // One secure context for every handshake: building one per connection parses ~140 roots each time.
  const secureContext = config.extraCaPem?.length ? tls.createSecureContext({ ca: [...rootCertificates, ...config.extraCaPem] }) : undefined;

  const target = (host: string, port: number) => {
    const map = mapped(hosts, host, port);
    if (!map && config.closedWorld) throw new ProbeFailure('dns', `${host} does not exist in the lab world (closed world: nothing leaves this machine).`, 'ENOTFOUND');
    return { address: map?.address ?? host, port: map?.port ?? port };
  };

  /** Opens a raw socket to host:port, directly or through the proxy's CONNECT tunnel. */
  const open = (host: string, port: number, options: { timeoutMs: number; signal?: AbortSignal; proxy?: string }) =>
    bounded<net.Socket>(options, options.proxy ? `CONNECT ${host}:${port} via proxy` : `TCP ${host}:${port}`, ({ resolve, reject }) => {
      if (options.proxy) {
        const proxy = new URL(options.proxy);
        const via = target(proxy.hostname, Number(proxy.port || 80));
        const request = http.request({ host: via.address, port: via.port, method: 'CONNECT', path: `${host}:${port}`, headers: { Host: `${host}:${port}` }, agent: false });
        request.on('connect', (response, socket) => {
          if (response.statusCode === 200) resolve(socket);
          else {
            socket.destroy();
            reject(new ProxyRefusal(response.statusCode ?? 0, response.statusMessage ?? ''));
          }
        });
        request.on('error', (error: NodeJS.ErrnoException) => reject(failureOf(error, 'proxy')));
        request.end();
        return () => undefined;
      }
      const to = target(host, port);
      const socket = net.connect({ host: to.address, port: to.port });
      socket.once('connect', () => resolve(socket));
      socket.once('error', (error: NodeJS.ErrnoException) => reject(failureOf(error, `TCP ${host}:${port}`)));
      return () => socket.removeAllListeners('error');
    });

  return {
    async resolve(host, options) {
      const map = mapped(hosts, host);
      if (map) return [map.address];
      if (config.closedWorld) throw new ProbeFailure('dns', `DNS ${host}: the name does not resolve (ENOTFOUND).`, 'ENOTFOUND');
      return bounded<string[]>(options, `DNS ${host}`, ({ resolve, reject }) => {
        dns.lookup(host, { all: true }).then(
          (answers) => resolve(answers.map((answer) => answer.address)),
          (error: NodeJS.ErrnoException) => reject(failureOf(error, `DNS ${host}`)),
        );
        return () => undefined;
      });
    },
    async connect(host, port, options) {
      const socket = await open(host, port, options);
      const address = socket.remoteAddress ?? '';
      socket.destroy();
      return { address };
    },
    async tls(host, port, options) {
      const started = Date.now();
      const raw = await open(host, port, options);
      const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
      return bounded<TlsFacts>({ ...options, timeoutMs: remaining }, `TLS ${host}:${port}`, ({ resolve, reject }) => {
        const socket = tls.connect({ socket: raw, servername: host, rejectUnauthorized: false, ...(secureContext ? { secureContext } : {}) });
        socket.once('secureConnect', () => {
          const facts: TlsFacts = { authorized: socket.authorized, protocol: socket.getProtocol() ?? null, chain: chainOf(socket) };
          if (socket.authorizationError) facts.authorizationError = String(socket.authorizationError);
          resolve(facts);
        });
        socket.once('error', (error: NodeJS.ErrnoException) => reject(failureOf(error, `TLS ${host}:${port}`)));
        return () => {
          socket.removeAllListeners('error');
          socket.on('error', () => undefined);
          socket.destroy();
          raw.destroy();
        };
      });
    },
    httpGet(url, options) {
      const parsed = new URL(url);
      return bounded(options, `GET ${url}${options.proxy ? ' via proxy' : ''}`, ({ resolve, reject }) => {
        let request: http.ClientRequest;
        if (options.proxy) {
          const proxy = new URL(options.proxy);
          const via = target(proxy.hostname, Number(proxy.port || 80));
          request = http.request({ host: via.address, port: via.port, method: 'GET', path: url, headers: { Host: parsed.host }, agent: false });
        } else {
          const to = target(parsed.hostname, Number(parsed.port || 80));
          request = http.request({ host: to.address, port: to.port, method: 'GET', path: `${parsed.pathname}${parsed.search}`, headers: { Host: parsed.host }, agent: false });
        }
        request.on('response', (response) => {
          response.resume();
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
          if (options.proxy && response.statusCode === 407) reject(new ProxyRefusal(407, response.statusMessage ?? 'Proxy Authentication Required'));
          else resolve({ status: response.statusCode ?? 0, headers });
        });
        request.on('error', (error: NodeJS.ErrnoException) => reject(failureOf(error, `GET ${url}`)));
        request.end();
        return () => request.destroy();
      });
    },
  };
}
