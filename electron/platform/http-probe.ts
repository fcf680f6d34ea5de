import http from 'node:http';
import https from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type net from 'node:net';
import type { LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import { ProbeFailure, ProxyRefusal } from '../core/checks/probe-errors.ts';
import { type HttpProbe, type HttpResult, type NameOverrides, type TlsFacts } from '../core/ports.ts';
import { bounded, peerChain, probeFailureOf, trustContext } from './socket-facts.ts';

/**
 * Node's http/https behind the HttpProbe interface. What differs from the system (names resolved
 * elsewhere, extra trusted roots) is given by the composition root: a shipped build gives none.
 */
export interface HttpProbeConfig {
  /** Trusted roots (PEM) added to the system's. */
  trustAnchors?: readonly string[];
  /** Names resolved differently from the system's DNS (with the port a server really listens on). */
  names?: NameOverrides;
}

export function overridingLookup(names: NameOverrides | undefined): LookupFunction {
  return ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const mapped = names?.map(hostname)?.address;
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
  const secureContext = trustContext(config.trustAnchors);
  const lookup = overridingLookup(config.names);
  return {
    get(url, options) {
      const started = Date.now();
      const target = new URL(url);
      const proxy = options.proxy ? new URL(options.proxy) : null;
      // Through a proxy the proxy resolves the target; this machine only has to find the proxy.
      const firstHop = proxy?.hostname ?? target.hostname;
      if (config.names?.closedWorld && !config.names.map(firstHop)) {
        return Promise.reject(
          new ProbeFailure(
            'dns',
            `The name could not be resolved (ENOTFOUND): ${firstHop} is not in this closed world.`,
            'ENOTFOUND',
          ),
        );
      }
      const isHttps = target.protocol === 'https:';
      const mappedPort = target.port === '' ? config.names?.map(target.hostname)?.port : undefined;
      const maxBody = options.maxBodyBytes ?? 256 * 1024;
      const requestOptions: https.RequestOptions = {
        method: 'GET',
        headers: { 'User-Agent': 'NDES-Proxy-Companion/probe', Accept: '*/*', Connection: 'close', ...options.headers },
        lookup,
        agent: false,
        ...(mappedPort ? { port: mappedPort } : {}),
        ...(isHttps
          ? { rejectUnauthorized: false, servername: target.hostname, ...(secureContext ? { secureContext } : {}) }
          : {}),
      };
      /** Reads one answer (bounded body, headers, the TLS facts of the socket it came on). */
      function collect(
        response: http.IncomingMessage,
        resolve: (result: HttpResult) => void,
        reject: (error: Error) => void,
      ): void {
        const chunks: Buffer[] = [];
        let size = 0;
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
          size += chunk.length;
        });
        response.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(response.headers))
            if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
          resolve({
            url,
            status: response.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks),
            truncated: size > maxBody,
            ...(tls ? { tls } : {}),
            elapsedMs: Date.now() - started,
          });
        });
        response.on('error', (error) => reject(probeFailureOf(error)));
      }

      if (proxy) {
        const hop = config.names?.map(proxy.hostname, Number(proxy.port || 80));
        const proxyAt = { host: hop?.address ?? proxy.hostname, port: hop?.port ?? Number(proxy.port || 80) };
        if (isHttps) {
          // HTTPS through a proxy: a CONNECT tunnel, then TLS with the target inside it.
          let connect: http.ClientRequest | undefined;
          const tunnel = (): Promise<net.Socket> =>
            new Promise((resolveTunnel, rejectTunnel) => {
              connect = http.request({
                ...proxyAt,
                method: 'CONNECT',
                path: `${target.hostname}:${target.port || 443}`,
                headers: { Host: `${target.hostname}:${target.port || 443}` },
                agent: false,
                lookup,
              });
              connect.on('connect', (answer, socket) => {
                if (answer.statusCode === 200) resolveTunnel(socket);
                else {
                  socket.destroy();
                  rejectTunnel(
                    answer.statusCode === 407
                      ? new ProxyRefusal(407, answer.statusMessage ?? 'Proxy Authentication Required')
                      : new ProxyRefusal(answer.statusCode ?? 0, answer.statusMessage ?? ''),
                  );
                }
              });
              connect.on('error', (error: NodeJS.ErrnoException) => rejectTunnel(probeFailureOf(error, 'proxy')));
              connect.end();
            });
          const opened = tunnel();
          return bounded<HttpResult>(options, `GET ${target.host} via proxy`, ({ resolve, reject }) => {
            let request: http.ClientRequest | undefined;
            opened.then(
              (socket) => {
                // No `agent: false` here: with it Node builds its own agent and ignores
                // createConnection, and the request would leave the tunnel and go direct.
                const { agent: _agent, ...inTunnel } = requestOptions;
                request = https.request(
                  target,
                  {
                    ...inTunnel,
                    createConnection: () =>
                      tlsConnect({
                        socket,
                        servername: target.hostname,
                        rejectUnauthorized: false,
                        ...(secureContext ? { secureContext } : {}),
                      }),
                  },
                  (response) => collect(response, resolve, reject),
                );
                request.on('error', (error: NodeJS.ErrnoException) => reject(probeFailureOf(error)));
                request.end();
              },
              (error: Error) => reject(error),
            );
            return () => {
              request?.on('error', () => undefined);
              request?.destroy();
              // A proxy that never answers the CONNECT must not keep a socket open.
              connect?.on('error', () => undefined);
              connect?.destroy();
              void opened.then(
                (socket) => socket.destroy(),
                () => undefined,
              );
            };
          });
        }
        // Plain HTTP through a proxy: the absolute URL goes to the proxy.
        return bounded<HttpResult>(options, `GET ${target.host} via proxy`, ({ resolve, reject }) => {
          const request = http.request(
            {
              ...proxyAt,
              method: 'GET',
              path: target.href,
              headers: { ...requestOptions.headers, Host: target.host },
              agent: false,
              lookup,
            },
            (response) => {
              if (response.statusCode === 407) {
                response.resume();
                reject(new ProxyRefusal(407, response.statusMessage ?? 'Proxy Authentication Required'));
                return;
              }
              collect(response, resolve, reject);
            },
          );
          request.on('error', (error: NodeJS.ErrnoException) => reject(probeFailureOf(error, 'proxy')));
          request.end();
          return () => {
            request.on('error', () => undefined);
            request.destroy();
          };
        });
      }
      return bounded<HttpResult>(options, `GET ${target.host}`, ({ resolve, reject }) => {
        const request = (isHttps ? https : http).request(target, requestOptions, (response) =>
          collect(response, resolve, reject),
        );
        request.on('error', (error: NodeJS.ErrnoException) => reject(probeFailureOf(error)));
        request.end();
        return () => {
          request.on('error', () => undefined);
          request.destroy();
        };
      });
    },
  };
}
