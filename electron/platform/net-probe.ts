import { promises as dns } from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { ProbeFailure, ProxyRefusal } from '../core/checks/probe-errors.ts';
import { type NameOverrides, type NetProbe, type TlsFacts } from '../core/ports.ts';
import { bounded, peerChain, probeFailureOf, trustContext } from './socket-facts.ts';

/**
 * DNS, TCP, TLS and proxy tunnels with Node's own modules, each bounded by a timeout and a
 * cancel signal. Name overrides and extra trust anchors come from the composition root, as in
 * the HTTP probe; a shipped build gives none.
 */
export interface NetProbeConfig {
  names?: NameOverrides;
  trustAnchors?: readonly string[];
}

export function createNetProbe(config: NetProbeConfig = {}): NetProbe {
  const names = config.names;
  const secureContext = trustContext(config.trustAnchors);

  const target = (host: string, port: number) => {
    const map = names?.map(host, port);
    if (!map && names?.closedWorld)
      throw new ProbeFailure(
        'dns',
        `${host} does not exist in this closed world (nothing leaves this machine).`,
        'ENOTFOUND',
      );
    return { address: map?.address ?? host, port: map?.port ?? port };
  };

  /** Opens a raw socket to host:port, directly or through the proxy's CONNECT tunnel. */
  const open = (host: string, port: number, options: { timeoutMs: number; signal?: AbortSignal; proxy?: string }) =>
    bounded<net.Socket>(
      options,
      options.proxy ? `CONNECT ${host}:${port} via proxy` : `TCP ${host}:${port}`,
      ({ resolve, reject }) => {
        if (options.proxy) {
          const proxy = new URL(options.proxy);
          const via = target(proxy.hostname, Number(proxy.port || 80));
          const request = http.request({
            host: via.address,
            port: via.port,
            method: 'CONNECT',
            path: `${host}:${port}`,
            headers: { Host: `${host}:${port}` },
            agent: false,
          });
          let answered = false;
          request.on('connect', (response, socket) => {
            answered = true;
            if (response.statusCode === 200) resolve(socket);
            else {
              socket.destroy();
              reject(new ProxyRefusal(response.statusCode ?? 0, response.statusMessage ?? ''));
            }
          });
          request.on('error', (error: NodeJS.ErrnoException) => reject(probeFailureOf(error, 'proxy')));
          request.end();
          // A proxy that never answers the CONNECT must not keep a socket open past the deadline.
          return () => {
            if (answered) return;
            request.on('error', () => undefined);
            request.destroy();
          };
        }
        const to = target(host, port);
        const socket = net.connect({ host: to.address, port: to.port });
        socket.once('connect', () => resolve(socket));
        socket.once('error', (error: NodeJS.ErrnoException) => reject(probeFailureOf(error, `TCP ${host}:${port}`)));
        return () => socket.removeAllListeners('error');
      },
    );

  return {
    async resolve(host, options) {
      const map = names?.map(host);
      if (map) return [map.address];
      if (names?.closedWorld)
        throw new ProbeFailure('dns', `DNS ${host}: the name does not resolve (ENOTFOUND).`, 'ENOTFOUND');
      return bounded<string[]>(options, `DNS ${host}`, ({ resolve, reject }) => {
        dns.lookup(host, { all: true }).then(
          (answers) => resolve(answers.map((answer) => answer.address)),
          (error: NodeJS.ErrnoException) => reject(probeFailureOf(error, `DNS ${host}`)),
        );
        return () => undefined;
      });
    },
    async resolveCname(host, options) {
      const alias = names?.cname?.(host);
      if (alias) return [alias];
      if (names?.closedWorld)
        throw new ProbeFailure(
          'dns',
          `DNS ${host}: no CNAME record (${names.map(host) ? 'ENODATA' : 'ENOTFOUND'}).`,
          names.map(host) ? 'ENODATA' : 'ENOTFOUND',
        );
      return bounded<string[]>(options, `DNS CNAME ${host}`, ({ resolve, reject }) => {
        dns
          .resolveCname(host)
          .then(resolve, (error: NodeJS.ErrnoException) => reject(probeFailureOf(error, `DNS CNAME ${host}`)));
        return () => undefined;
      });
    },
    async tls(host, port, options) {
      const started = Date.now();
      const raw = await open(host, port, options);
      const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
      return bounded<TlsFacts>({ ...options, timeoutMs: remaining }, `TLS ${host}:${port}`, ({ resolve, reject }) => {
        const socket = tls.connect({
          socket: raw,
          servername: host,
          rejectUnauthorized: false,
          ...(secureContext ? { secureContext } : {}),
        });
        socket.once('secureConnect', () => {
          const facts: TlsFacts = {
            authorized: socket.authorized,
            protocol: socket.getProtocol() ?? null,
            chain: peerChain(socket),
          };
          if (socket.authorizationError) facts.authorizationError = String(socket.authorizationError);
          resolve(facts);
        });
        socket.once('error', (error: NodeJS.ErrnoException) => reject(probeFailureOf(error, `TLS ${host}:${port}`)));
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
          request = http.request({
            host: via.address,
            port: via.port,
            method: 'GET',
            path: url,
            headers: { Host: parsed.host },
            agent: false,
          });
        } else {
          const to = target(parsed.hostname, Number(parsed.port || 80));
          request = http.request({
            host: to.address,
            port: to.port,
            method: 'GET',
            path: `${parsed.pathname}${parsed.search}`,
            headers: { Host: parsed.host },
            agent: false,
          });
        }
        request.on('response', (response) => {
          response.resume();
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(response.headers))
            if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
          if (options.proxy && response.statusCode === 407)
            reject(new ProxyRefusal(407, response.statusMessage ?? 'Proxy Authentication Required'));
          else resolve({ status: response.statusCode ?? 0, headers });
        });
        request.on('error', (error: NodeJS.ErrnoException) => reject(probeFailureOf(error, `GET ${url}`)));
        request.end();
        return () => request.destroy();
      });
    },
  };
}
