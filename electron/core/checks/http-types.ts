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
  /** An outbound proxy (http://host:port): HTTPS goes through a CONNECT tunnel, HTTP as an absolute URL. */
  proxy?: string;
  maxBodyBytes?: number;
  headers?: Record<string, string>;
}

export interface HttpProbe {
  get(url: string, options: HttpGetOptions): Promise<HttpResult>;
}

/** Lower-level network probes for the outbound checks (DNS, TCP, TLS, proxy tunnels). */
export interface NetProbe {
  resolve(host: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string[]>;
  /** The CNAME record of a name (its target, as DNS answers it); a name without one fails with kind 'dns'. */
  resolveCname(host: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string[]>;
  /** TLS handshake, directly or through an HTTP proxy's CONNECT tunnel. */
  tls(
    host: string,
    port: number,
    options: { timeoutMs: number; signal?: AbortSignal; proxy?: string },
  ): Promise<TlsFacts>;
  /** Plain HTTP GET, directly or through the proxy (absolute URI), for port-80 endpoints. */
  httpGet(
    url: string,
    options: { timeoutMs: number; signal?: AbortSignal; proxy?: string },
  ): Promise<{ status: number; headers: Record<string, string> }>;
}

/** The proxy answered CONNECT (or GET) with a status other than success. */
export class ProxyRefusal extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
  ) {
    super(`The proxy answered ${status} ${statusText}`);
    this.name = 'ProxyRefusal';
  }
}

/**
 * Names the probes resolve differently from the system's DNS: the lab's world (real names sent
 * to loopback servers), and nothing at all in a shipped build. `closedWorld`: a name not mapped
 * here does not exist, so no packet leaves the machine (the lab and the tests).
 */
export interface NameOverrides {
  map(host: string, port?: number): { address: string; port?: number } | undefined;
  /** The CNAME this world gives a name (the lab's custom-domain records); undefined: none here. */
  cname?(host: string): string | undefined;
  readonly closedWorld: boolean;
}
