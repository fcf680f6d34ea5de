import type { CheckGroup, CheckResult, CheckStatus, Severity, SkipKind } from '../../contract/model.ts';
import { ProbeFailure, ProxyRefusal } from './probe-errors.ts';

/** A check is data plus a probe; the probe returns what it found, and never throws to the runner. */
export interface CheckSpec {
  id: string;
  group: CheckGroup;
  title: string;
  severity: Severity;
  docUrl: string;
  /** Its own deadline, where the run's per-probe timeout (sized for network probes) does not fit. */
  timeoutMs?: number;
  probe(context: ProbeContext): Promise<Finding>;
}

export interface ProbeContext {
  signal: AbortSignal;
  timeoutMs: number;
  now: Date;
}

export interface Finding {
  status: CheckStatus;
  evidence: string[];
  cause?: string;
  remediation?: string;
  /** Overrides the spec's severity when the finding is worse or milder than usual. */
  severity?: Severity;
  skip?: SkipKind;
}

export const pass = (...evidence: string[]): Finding => ({ status: 'pass', evidence });
export const fail = (cause: string, remediation: string, evidence: string[] = [], severity?: Severity): Finding => ({
  status: 'fail',
  cause,
  remediation,
  evidence,
  ...(severity ? { severity } : {}),
});
export const warn = (cause: string, remediation: string, evidence: string[] = [], severity?: Severity): Finding => ({
  status: 'warn',
  cause,
  remediation,
  evidence,
  ...(severity ? { severity } : {}),
});
/** A check that did not judge anything; `kind` says whether it does not apply or could not look. */
export const skipped = (reason: string, kind: SkipKind = 'not-applicable', remediation?: string): Finding => ({
  status: 'skipped',
  evidence: [],
  cause: reason,
  skip: kind,
  ...(remediation ? { remediation } : {}),
});

/** How a network failure reads as a finding, when the check has nothing more specific to say. */
export function networkFinding(error: unknown, what: string): Finding {
  if (error instanceof ProxyRefusal) {
    return error.status === 407
      ? fail(
          `${what}: the proxy demands authentication (407); the connector runs as Network Service and cannot authenticate to a proxy.`,
          'Allow the connector server through the proxy without authentication (by source address), or let it go out directly.',
          [`407 ${error.statusText}`],
          'critical',
        )
      : fail(
          `${what}: the proxy refused the request (${error.status} ${error.statusText}).`,
          'Allow CONNECT to port 443 and plain HTTP to port 80 on the proxy for this server.',
          [`${error.status} ${error.statusText}`],
        );
  }
  if (error instanceof ProbeFailure) {
    switch (error.kind) {
      case 'dns':
        return fail(
          `${what}: the name does not resolve. ${error.message}`,
          'Check the spelling and that this server resolves the name (nslookup), including any CNAME chain.',
          [error.message],
        );
      case 'refused':
        return fail(
          `${what}: ${error.message}`,
          'Check the port, that IIS (or the service) is running, and the firewall rules between here and there.',
          [error.message],
        );
      case 'timeout':
        return fail(
          `${what}: ${error.message}`,
          'Something drops the traffic silently (firewall, routing, proxy). Check the path and try again.',
          [error.message],
        );
      case 'tls':
        return fail(
          `${what}: ${error.message}`,
          'Check the server certificate and that TLS 1.2 is enabled on both sides.',
          [error.message],
        );
      case 'cancelled':
        return skipped('Cancelled before it finished.', 'cancelled');
      default:
        return fail(`${what}: ${error.message}`, 'Check the network path and try again.', [error.message]);
    }
  }
  return fail(
    `${what}: ${error instanceof Error ? error.message : String(error)}`,
    'Run the check again; if it repeats, export the support bundle.',
  );
}

/**
 * Runs every check concurrently, each with its own timeout, so one slow or failing probe
 * neither delays nor hides the others. Cancelling the signal ends all of them.
 */
export async function runChecks(
  specs: readonly CheckSpec[],
  options: { timeoutMs: number; signal?: AbortSignal; now?: () => Date; onResult?: (result: CheckResult) => void },
): Promise<CheckResult[]> {
  const now = options.now ?? (() => new Date());
  // One listener on the caller's signal fans out to every probe (not one listener per probe).
  const controllers = new Set<AbortController>();
  const onAbort = () => controllers.forEach((controller) => controller.abort());
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(specs.map((spec) => runOne(spec, options, now, controllers)));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

async function runOne(
  spec: CheckSpec,
  options: { timeoutMs: number; signal?: AbortSignal; onResult?: (result: CheckResult) => void },
  now: () => Date,
  controllers: Set<AbortController>,
): Promise<CheckResult> {
  const started = Date.now();
  const timeoutMs = spec.timeoutMs ?? options.timeoutMs;
  const controller = new AbortController();
  controllers.add(controller);
  let timer: NodeJS.Timeout | undefined;
  let finding: Finding;
  try {
    if (options.signal?.aborted) throw new ProbeFailure('cancelled', 'The probe was cancelled.');
    // The probe's own timeout is the primary limit; this guard catches a probe that ignores it.
    const guard = new Promise<Finding>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(networkFinding(new ProbeFailure('timeout', `No answer within ${timeoutMs / 1000} s.`), spec.title));
      }, timeoutMs + 250);
    });
    finding = await Promise.race([spec.probe({ signal: controller.signal, timeoutMs, now: now() }), guard]);
  } catch (error) {
    finding = networkFinding(error, spec.title);
  } finally {
    clearTimeout(timer);
    controllers.delete(controller);
  }
  // Whatever a cancelled probe threw on its way out, the truth is that it was cancelled.
  if (options.signal?.aborted) finding = skipped('Cancelled before it finished.', 'cancelled');
  const result: CheckResult = {
    id: spec.id,
    group: spec.group,
    title: spec.title,
    severity: finding.severity ?? spec.severity,
    status: finding.status,
    evidence: finding.evidence,
    docUrl: spec.docUrl,
    durationMs: Date.now() - started,
  };
  if (finding.cause) result.cause = finding.cause;
  if (finding.remediation) result.remediation = finding.remediation;
  if (finding.status === 'skipped') result.skip = finding.skip ?? 'not-applicable';
  options.onResult?.(result);
  return result;
}

const STATUS_ORDER: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2, skipped: 3 };
const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Worst first: failures before warnings before passes, critical before warning before info. */
export function worstFirst(results: CheckResult[]): CheckResult[] {
  return [...results].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.id.localeCompare(b.id),
  );
}
