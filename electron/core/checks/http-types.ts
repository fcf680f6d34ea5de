/**
 * One HTTP(S) GET with its own timeout and cancellation, that never throws for an HTTP
 * status: the checks classify statuses. TLS is never enforced here; instead the verdict of
 * the trust store is recorded, so a check can say *why* a chain is not trusted.
 */
export interface TlsFacts {
  authorized: boolean;
  authorizationError?: string;
  protocol: string | null;
  /** Leaf first. */
  chain: { subject: string; issuer: string; validTo: string; fingerprint256: string; subjectAltName?: string }[];
}

export interface HttpResult {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  tls?: TlsFacts;
  elapsedMs: number;
}

export type ProbeFailureKind = 'dns' | 'refused' | 'timeout' | 'tls' | 'reset' | 'cancelled' | 'unreachable' | 'other';

export class ProbeFailure extends Error {
  constructor(
    readonly kind: ProbeFailureKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ProbeFailure';
  }
}

export interface HttpGetOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  maxBodyBytes?: number;
  headers?: Record<string, string>;
}

export interface HttpProbe {
  get(url: string, options: HttpGetOptions): Promise<HttpResult>;
}

