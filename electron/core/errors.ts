import type { ErrorCode, Failure } from '../contract/errors.ts';

/** An error that already knows what to tell the admin. Handlers throw it; the gateway maps it. */
export class CompanionError extends Error {
  readonly code: ErrorCode;
  readonly remediation: string;
  readonly docUrl: string | undefined;

  constructor(code: ErrorCode, message: string, remediation: string, docUrl?: string) {
    super(message);
    this.name = 'CompanionError';
    this.code = code;
    this.remediation = remediation;
    this.docUrl = docUrl;
  }

  toFailure(): Failure {
    const failure: Failure = { code: this.code, message: this.message, remediation: this.remediation };
    if (this.docUrl) failure.docUrl = this.docUrl;
    return failure;
  }
}

export function toFailure(error: unknown): Failure {
  if (error instanceof CompanionError) return error.toFailure();
  if (error instanceof Error && error.name === 'AbortError') {
    return {
      code: 'CANCELLED',
      message: 'The operation was cancelled.',
      remediation: 'Run the step again when ready.',
    };
  }
  return {
    code: 'INTERNAL',
    message: 'An unexpected error occurred inside the companion.',
    remediation: 'Run the step again. If it repeats, export the support bundle from the Report step and file it.',
  };
}
