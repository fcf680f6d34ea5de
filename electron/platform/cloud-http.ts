import https from 'node:https';
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
  const request: CloudHttp['request'] = (method, url, options = {}) =>
    new Promise<CloudResponse>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') return reject(new CloudHttpError(`Only HTTPS is used for the cloud, not ${target.protocol}`, 'NOT_HTTPS'));
      if (config.names?.closedWorld && !config.names.map(target.hostname)) return reject(new CloudHttpError(`${target.hostname} is not reachable from this closed world.`, 'ENOTFOUND'));
      const mappedPort = target.port === '' ? config.names?.map(target.hostname)?.port : undefined;
      const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
      const outgoing = https.request(
        {
          method,
          hostname: target.hostname,
          port: mappedPort ?? (target.port || 443),
          path: `${target.pathname}${target.search}`,
          headers: { 'User-Agent': 'NDES-Proxy-Companion', ...options.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
          servername: target.hostname,
          lookup,
          agent: false,
          rejectUnauthorized: true,
          ...(secureContext ? { secureContext } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (error: NodeJS.ErrnoException) => reject(new CloudHttpError(error.message, error.code ?? 'ERROR')));
        },
      );
      const timeout = options.timeoutMs ?? config.timeoutMs ?? 30_000;
      outgoing.setTimeout(timeout, () => outgoing.destroy(new CloudHttpError(`No answer from ${target.hostname} within ${timeout / 1000} s.`, 'ETIMEDOUT')));
      const onAbort = () => outgoing.destroy(new CloudHttpError('Cancelled.', 'CANCELLED'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.on('close', () => options.signal?.removeEventListener('abort', onAbort));
      outgoing.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof CloudHttpError ? error : new CloudHttpError(error.message, error.code ?? 'ERROR')));
      if (body) outgoing.write(body);
      outgoing.end();
    });

  const toMsal = async <T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeoutMs?: number): Promise<NetworkResponse<T>> => {
    const response = await request(method, url, { ...(options?.headers ? { headers: options.headers } : {}), ...(options?.body !== undefined ? { body: options.body } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
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
    msalNetwork: () => ({
      sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => toMsal<T>('GET', url, options, timeout),
      sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => toMsal<T>('POST', url, options),
    }),
  };
}
