/**
 * Error codes every channel may answer with. The renderer and the CLI map each code to
 * wording and behaviour, so a code is part of the contract: add, never repurpose.
 */
export const errorCodes = [
  'SENDER_REJECTED',
  'UNKNOWN_CHANNEL',
  'INVALID_REQUEST',
  'NOT_AVAILABLE',
  'POWERSHELL_UNAVAILABLE',
  'POWERSHELL_FAILED',
  'POWERSHELL_BLOCKED',
  'SCRIPT_CHANGED',
  'TIMEOUT',
  'CANCELLED',
  'NOT_ALLOWED',
  'STATE_UNREADABLE',
  'INTERNAL',
  'NEEDS_SIGN_IN',
  'SIGN_IN_FAILED',
  'GRAPH_FAILED',
  'GRAPH_DENIED',
  'DISK_FULL',
  'STATE_LOCKED',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface Failure {
  code: ErrorCode;
  /** What went wrong, in words an admin understands. */
  message: string;
  /** What to do about it. Never empty. */
  remediation: string;
  docUrl?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };
