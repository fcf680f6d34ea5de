import type { INetworkModule } from '@azure/msal-node';

/** HTTPS to Microsoft Entra ID and Graph, as the composition root provides it (platform/cloud-http.ts). */
export interface CloudResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface CloudHttp {
  request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, options?: { headers?: Record<string, string>; body?: string; timeoutMs?: number; signal?: AbortSignal }): Promise<CloudResponse>;
  /** The same client as MSAL's network module, so sign-in goes where Graph goes. */
  msalNetwork(): INetworkModule;
}
