import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { CloudHttp, CloudResponse } from '../core/cloud/cloud-http-types.ts';
import type { NameOverrides } from '../core/checks/http-types.ts';
import { overridingLookup } from './http-probe.ts';
import { trustContext } from './socket-facts.ts';

/**
 * HTTPS for the cloud (Microsoft Entra ID, Microsoft Graph): certificates are verified, always;
 * what differs from the system (names resolved elsewhere, extra trusted roots) is the
 * composition root's, and a shipped build gives none. Bodies stay in memory: they hold tokens.
 */
export interface CloudHttpConfig {
  names?: NameOverrides;
  trustAnchors?: readonly string[];
  timeoutMs?: number;
}

export class CloudHttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'CloudHttpError';
  }
}

export function createCloudHttp(config: CloudHttpConfig = {}): CloudHttp {
  const secureContext = trustContext(config.trustAnchors);
  const lookup = overridingLookup(config.names);

  /** A CONNECT tunnel through the proxy to host:port; the proxy resolves the target. */
  const tunnel = (proxyUrl: string, host: string, port: number, timeoutMs: number, signal?: AbortSignal) =>
    new Promise<Socket>((resolve, reject) => {
      const proxy = new URL(proxyUrl);
      if (config.names?.closedWorld && !config.names.map(proxy.hostname)) return reject(new CloudHttpError(`The proxy ${proxy.hostname} is not reachable from this closed world.`, 'ENOTFOUND'));
      const hop = config.names?.map(proxy.hostname, Number(proxy.port || 80));
      const connect = http.request({ host: hop?.address ?? proxy.hostname, port: hop?.port ?? Number(proxy.port || 80), method: 'CONNECT', path: `${host}:${port}`, headers: { Host: `${host}:${port}` }, agent: false, lookup });
      connect.setTimeout(timeoutMs, () => connect.destroy(new CloudHttpError(`The proxy ${proxy.host} did not answer within ${timeoutMs / 1000} s.`, 'ETIMEDOUT')));
      const onAbort = () => connect.destroy(new CloudHttpError('Cancelled.', 'CANCELLED'));
      signal?.addEventListener('abort', onAbort, { once: true });
      connect.on('connect', (response, socket) => {
        signal?.removeEventListener('abort', onAbort);
        if (response.statusCode === 200) return resolve(socket);
        socket.destroy();
        const status = response.statusCode ?? 0;
        reject(new CloudHttpError(`The proxy ${proxy.host} answered ${status} ${response.statusMessage ?? ''} to CONNECT ${host}:${port}${status === 407 ? ': it asks for credentials, which the companion does not send' : ''}.`, status === 407 ? 'PROXY_AUTH' : 'PROXY_REFUSED'));
      });
      connect.on('error', (error: NodeJS.ErrnoException) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error instanceof CloudHttpError ? error : new CloudHttpError(`The proxy ${proxy.host}: ${error.message}`, error.code ?? 'ERROR'));
      });
      connect.end();
    });

  const request: CloudHttp['request'] = async (method, url, options = {}) => {
    const target = new URL(url);
    if (target.protocol !== 'https:') throw new CloudHttpError(`Only HTTPS is used for the cloud, not ${target.protocol}`, 'NOT_HTTPS');
    const timeout = options.timeoutMs ?? config.timeoutMs ?? 30_000;
    let socket: Socket | undefined;
    if (options.proxy) socket = await tunnel(options.proxy, target.hostname, Number(target.port || 443), timeout, options.signal);
    else if (config.names?.closedWorld && !config.names.map(target.hostname)) throw new CloudHttpError(`${target.hostname} is not reachable from this closed world.`, 'ENOTFOUND');
    return new Promise<CloudResponse>((resolve, reject) => {
      const mappedPort = target.port === '' ? config.names?.map(target.hostname)?.port : undefined;
      const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
      const tls = { servername: target.hostname, rejectUnauthorized: true, ...(secureContext ? { secureContext } : {}) };
      const outgoing = https.request(
        {
          method,
          hostname: target.hostname,
          port: mappedPort ?? (target.port || 443),
          path: `${target.pathname}${target.search}`,
          headers: { 'User-Agent': 'NDES-Proxy-Companion', ...options.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
          ...tls,
          lookup,
          agent: false,
          // Inside a proxy's tunnel, TLS is spoken to the target over the tunnel's socket.
          ...(socket ? { createConnection: () => tlsConnect({ ...tls, socket }) } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            // A tunnel carries one request: it is closed, so no socket is left open at the proxy.
            socket?.destroy();
            const headers: Record<string, string> = {};
            for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (error: NodeJS.ErrnoException) => reject(new CloudHttpError(error.message, error.code ?? 'ERROR')));
        },
      );
      outgoing.setTimeout(timeout, () => outgoing.destroy(new CloudHttpError(`No answer from ${target.hostname} within ${timeout / 1000} s.`, 'ETIMEDOUT')));
      const onAbort = () => outgoing.destroy(new CloudHttpError('Cancelled.', 'CANCELLED'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.on('close', () => options.signal?.removeEventListener('abort', onAbort));
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        socket?.destroy();
        reject(error instanceof CloudHttpError ? error : new CloudHttpError(error.message, error.code ?? 'ERROR'));
      });
      if (body) outgoing.write(body);
      outgoing.end();
    });
  };

  const toMsal = async <T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeoutMs: number | undefined, proxy: string | undefined): Promise<NetworkResponse<T>> => {
    const response = await request(method, url, { ...(options?.headers ? { headers: options.headers } : {}), ...(options?.body !== undefined ? { body: options.body } : {}), ...(timeoutMs ? { timeoutMs } : {}), ...(proxy ? { proxy } : {}) });
    let parsed: unknown;
    try {
      parsed = response.body === '' ? {} : JSON.parse(response.body);
    } catch {
      throw new CloudHttpError(`${new URL(url).hostname} answered HTTP ${response.status} with a body that is not JSON.`, 'NOT_JSON');
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
  return {
    request,
    msalNetwork: (proxy) => ({
      sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => toMsal<T>('GET', url, options, timeout, proxy),
      sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => toMsal<T>('POST', url, options, undefined, proxy),
    }),
  };
}
