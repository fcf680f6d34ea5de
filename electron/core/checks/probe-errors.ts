export type ProbeFailureKind = 'dns' | 'refused' | 'timeout' | 'tls' | 'reset' | 'cancelled' | 'unreachable' | 'other';

/** A probe (ports.ts' HttpProbe or NetProbe) that got no answer, and why, in a kind the checks judge. */
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
