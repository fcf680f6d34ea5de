import type { INetworkModule } from '@azure/msal-node';

/** HTTPS to Microsoft Entra ID and Graph, as the composition root provides it (platform/cloud-http.ts). */
export interface CloudResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface CloudHttp {
  /** With `proxy` (http://host:port), through that proxy's CONNECT tunnel. */
  request(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options?: {
      headers?: Record<string, string>;
      body?: string;
      timeoutMs?: number;
      signal?: AbortSignal;
      proxy?: string;
    },
  ): Promise<CloudResponse>;
  /** The same client as MSAL's network module, so sign-in goes where Graph goes. */
  msalNetwork(proxy?: string): INetworkModule;
}
