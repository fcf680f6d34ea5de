import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import { ProbeFailure, type HttpProbe, type HttpResult, type TlsFacts } from '../core/checks/http-types.ts';
import { labMapping, peerChain, probeFailureOf, trustContext } from './socket-facts.ts';

export { ProbeFailure, type HttpProbe, type HttpResult } from '../core/checks/http-types.ts';

/** Node's http/https behind the HttpProbe interface; the lab's resolver and CA plug in here. */
export interface HttpProbeConfig {
  /** Extra trusted roots (PEM), added to the system's, e.g. the lab CA. */
  extraCaPem?: string[];
  /**
   * Name → "address" or "address:port" overrides (the lab resolver, with the port a lab
   * server really listens on standing in for 443/80); everything else uses system DNS.
   */
  hosts?: Record<string, string>;
  /** Only names in `hosts` exist (the lab and the tests): nothing leaves this machine. */
  closedWorld?: boolean;
}

export function labAwareLookup(hosts: Record<string, string> = {}): LookupFunction {
  return ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const mapped = labMapping(hosts, hostname)?.address;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    if (mapped) {
      const family = mapped.includes(':') ? 6 : 4;
      if (opts.all) callback(null, [{ address: mapped, family }]);
      else callback(null, mapped, family);
      return;
    }
    dnsLookup(hostname, options as never, callback as never);
  }) as LookupFunction;
}

export function createHttpProbe(config: HttpProbeConfig = {}): HttpProbe {
  const secureContext = trustContext(config.extraCaPem);
  const lookup = labAwareLookup(config.hosts);
  return {
    get(url, options) {
      return new Promise<HttpResult>((resolve, reject) => {
        const started = Date.now();
        if (options.signal?.aborted) {
          reject(new ProbeFailure('cancelled', 'The probe was cancelled.'));
          return;
        }
        const target = new URL(url);
        if (config.closedWorld && !labMapping(config.hosts, target.hostname)) {
          reject(new ProbeFailure('dns', `The name could not be resolved (ENOTFOUND): ${target.hostname} is not in the lab world.`, 'ENOTFOUND'));
          return;
        }
        const isHttps = target.protocol === 'https:';
        const mappedPort = target.port === '' ? labMapping(config.hosts, target.hostname)?.port : undefined;
        const maxBody = options.maxBodyBytes ?? 256 * 1024;
        const requestOptions: https.RequestOptions = {
          method: 'GET',
          headers: { 'User-Agent': 'NDES-Proxy-Companion/probe', Accept: '*/*', Connection: 'close', ...options.headers },
          lookup,
          agent: false,
          ...(mappedPort ? { port: mappedPort } : {}),
          ...(isHttps ? { rejectUnauthorized: false, servername: target.hostname, ...(secureContext ? { secureContext } : {}) } : {}),
        };
        let settled = false;
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const request = (isHttps ? https : http).request(target, requestOptions, (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          const socket = response.socket as TLSSocket;
          const tls: TlsFacts | undefined = isHttps
            ? {
                authorized: socket.authorized,
                ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
                protocol: socket.getProtocol?.() ?? null,
                chain: peerChain(socket),
              }
            : undefined;
          response.on('data', (chunk: Buffer) => {
            if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size));
            else truncated = true;
            size += chunk.length;
          });
          response.on('end', () =>
            finish(() => {
              const headers: Record<string, string> = {};
              for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
              resolve({ url, status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks), truncated: truncated || size > maxBody, ...(tls ? { tls } : {}), elapsedMs: Date.now() - started });
            }),
          );
          response.on('error', (error) => finish(() => reject(probeFailureOf(error))));
        });
        const timer = setTimeout(() => {
          finish(() => reject(new ProbeFailure('timeout', `No answer within ${Math.round(options.timeoutMs / 100) / 10} s.`)));
          request.destroy();
        }, options.timeoutMs);
        const onAbort = () => {
          finish(() => reject(new ProbeFailure('cancelled', 'The probe was cancelled.')));
          request.destroy();
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        request.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(probeFailureOf(error))));
        request.end();
      });
    },
  };
}
