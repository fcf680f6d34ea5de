import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { CloudHttp, CloudResponse } from '../core/ports.ts';
import type { NameOverrides } from '../core/ports.ts';
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
  /** How long the line may stay silent. */
  timeoutMs?: number;
  /** The most one request may take in all, however the bytes trickle in (proxy tunnel included). */
  deadlineMs?: number;
  /** The largest answer taken; Graph's pages and Entra ID's answers are far smaller. */
  maxResponseBytes?: number;
}

export const CLOUD_DEADLINE_MS = 90_000;
export const CLOUD_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

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
      if (config.names?.closedWorld && !config.names.map(proxy.hostname))
        return reject(
          new CloudHttpError(`The proxy ${proxy.hostname} is not reachable from this closed world.`, 'ENOTFOUND'),
        );
      const hop = config.names?.map(proxy.hostname, Number(proxy.port || 80));
      const connect = http.request({
        host: hop?.address ?? proxy.hostname,
        port: hop?.port ?? Number(proxy.port || 80),
        method: 'CONNECT',
        path: `${host}:${port}`,
        headers: { Host: `${host}:${port}` },
        agent: false,
        lookup,
      });
      connect.setTimeout(timeoutMs, () =>
        connect.destroy(
          new CloudHttpError(`The proxy ${proxy.host} did not answer within ${timeoutMs / 1000} s.`, 'ETIMEDOUT'),
        ),
      );
      const onAbort = () => connect.destroy(new CloudHttpError('Cancelled.', 'CANCELLED'));
      signal?.addEventListener('abort', onAbort, { once: true });
      connect.on('connect', (response, socket) => {
        signal?.removeEventListener('abort', onAbort);
        if (response.statusCode === 200) return resolve(socket);
        socket.destroy();
        const status = response.statusCode ?? 0;
        reject(
          new CloudHttpError(
            `The proxy ${proxy.host} answered ${status} ${response.statusMessage ?? ''} to CONNECT ${host}:${port}${status === 407 ? ': it asks for credentials, which the companion does not send' : ''}.`,
            status === 407 ? 'PROXY_AUTH' : 'PROXY_REFUSED',
          ),
        );
      });
      connect.on('error', (error: NodeJS.ErrnoException) => {
        signal?.removeEventListener('abort', onAbort);
        reject(
          error instanceof CloudHttpError
            ? error
            : new CloudHttpError(`The proxy ${proxy.host}: ${error.message}`, error.code ?? 'ERROR'),
        );
      });
      connect.end();
    });

  const request: CloudHttp['request'] = async (method, url, options = {}) => {
    const target = new URL(url);
    if (target.protocol !== 'https:')
      throw new CloudHttpError(`Only HTTPS is used for the cloud, not ${target.protocol}`, 'NOT_HTTPS');
    const timeout = options.timeoutMs ?? config.timeoutMs ?? 30_000;
    const deadlineMs = config.deadlineMs ?? CLOUD_DEADLINE_MS;
    const maxBytes = config.maxResponseBytes ?? CLOUD_MAX_RESPONSE_BYTES;
    // One clock for the whole request: a server (or proxy) sending a byte now and then never
    // trips the idle timeout, so the deadline ends it, tunnel included.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    const onCancel = () => deadline.abort();
    options.signal?.addEventListener('abort', onCancel, { once: true });
    const overdue = () =>
      new CloudHttpError(`${target.hostname} did not finish answering within ${deadlineMs / 1000} s.`, 'DEADLINE');
    try {
      let socket: Socket | undefined;
      if (options.proxy) {
        socket = await tunnel(
          options.proxy,
          target.hostname,
          Number(target.port || 443),
          timeout,
          deadline.signal,
        ).catch((error: unknown) => {
          throw deadline.signal.aborted && !options.signal?.aborted ? overdue() : error;
        });
      } else if (config.names?.closedWorld && !config.names.map(target.hostname))
        throw new CloudHttpError(`${target.hostname} is not reachable from this closed world.`, 'ENOTFOUND');
      return await send(method, target, options, timeout, maxBytes, socket, deadline.signal, () =>
        options.signal?.aborted ? new CloudHttpError('Cancelled.', 'CANCELLED') : overdue(),
      );
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCancel);
    }
  };

  const send = (
    method: string,
    target: URL,
    options: Parameters<CloudHttp['request']>[2] & object,
    timeout: number,
    maxBytes: number,
    socket: Socket | undefined,
    stop: AbortSignal,
    stopped: () => CloudHttpError,
  ) =>
    new Promise<CloudResponse>((resolve, reject) => {
      // Why the companion itself ended the request, so that is what the caller hears.
      let ended: CloudHttpError | null = null;
      const end = (why: CloudHttpError) => {
        ended = why;
        outgoing.destroy(why);
      };
      const mappedPort = target.port === '' ? config.names?.map(target.hostname)?.port : undefined;
      const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
      const tls = {
        servername: target.hostname,
        rejectUnauthorized: true,
        ...(secureContext ? { secureContext } : {}),
      };
      const outgoing = https.request(
        {
          method,
          hostname: target.hostname,
          port: mappedPort ?? (target.port || 443),
          path: `${target.pathname}${target.search}`,
          headers: {
            'User-Agent': 'NDES-Proxy-Companion',
            ...options.headers,
            ...(body ? { 'Content-Length': String(body.length) } : {}),
          },
          ...tls,
          lookup,
          agent: false,
          // Inside a proxy's tunnel, TLS is spoken to the target over the tunnel's socket.
          ...(socket ? { createConnection: () => tlsConnect({ ...tls, socket }) } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > maxBytes) {
              end(
                new CloudHttpError(
                  `${target.hostname} sent more than ${Math.round(maxBytes / 1024)} KB; the companion takes no answer that large.`,
                  'TOO_LARGE',
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            // A tunnel carries one request: it is closed, so no socket is left open at the proxy.
            socket?.destroy();
            const headers: Record<string, string> = {};
            for (const [key, value] of Object.entries(response.headers))
              if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (error: NodeJS.ErrnoException) =>
            reject(ended ?? new CloudHttpError(error.message, error.code ?? 'ERROR')),
          );
          response.on('close', () => {
            if (!response.complete)
              reject(
                ended ??
                  new CloudHttpError(
                    `${target.hostname} closed the connection before the answer was complete.`,
                    'ECONNRESET',
                  ),
              );
          });
        },
      );
      outgoing.setTimeout(timeout, () =>
        end(new CloudHttpError(`No answer from ${target.hostname} within ${timeout / 1000} s.`, 'ETIMEDOUT')),
      );
      const onAbort = () => end(stopped());
      if (stop.aborted) onAbort();
      stop.addEventListener('abort', onAbort, { once: true });
      outgoing.on('close', () => stop.removeEventListener('abort', onAbort));
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        socket?.destroy();
        reject(
          ended ?? (error instanceof CloudHttpError ? error : new CloudHttpError(error.message, error.code ?? 'ERROR')),
        );
      });
      if (body) outgoing.write(body);
      outgoing.end();
    });

  const toMsal = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeoutMs: number | undefined,
    proxy: string | undefined,
  ): Promise<NetworkResponse<T>> => {
    const response = await request(method, url, {
      ...(options?.headers ? { headers: options.headers } : {}),
      ...(options?.body !== undefined ? { body: options.body } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(proxy ? { proxy } : {}),
    });
    let parsed: unknown;
    try {
      parsed = response.body === '' ? {} : JSON.parse(response.body);
    } catch {
      throw new CloudHttpError(
        `${new URL(url).hostname} answered HTTP ${response.status} with a body that is not JSON.`,
        'NOT_JSON',
      );
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
  return {
    request,
    msalNetwork: (proxy) => ({
      sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
        toMsal<T>('GET', url, options, timeout, proxy),
      sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
        toMsal<T>('POST', url, options, undefined, proxy),
    }),
  };
}
