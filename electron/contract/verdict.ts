import type { CheckResult, CheckStatus, Verdict } from './model.ts';

/** One way to print a check status, for the wizard's log, the CLI table and its live lines. */
export const STATUS_LABEL: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'SKIP' };

type Judged = Pick<CheckResult, 'status' | 'severity' | 'skip'>;

const criticalFailures = (results: readonly Judged[]) =>
  results.filter((result) => result.status === 'fail' && result.severity === 'critical').length;
const criticalNotRun = (results: readonly Judged[]) =>
  results.filter(
    (result) => result.status === 'skipped' && result.severity === 'critical' && result.skip !== 'not-applicable',
  ).length;

/**
 * Not ready when a critical check failed; otherwise incomplete when a critical check could not
 * run or was cancelled (a check that could not look never counts as a pass); otherwise ready.
 */
export function verdictOf(results: readonly Judged[]): Verdict {
  if (criticalFailures(results) > 0) return 'not-ready';
  if (criticalNotRun(results) > 0) return 'incomplete';
  return 'ready';
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  ready: 'Ready',
  'not-ready': 'Not ready',
  incomplete: 'Incomplete',
};

/** The one-line verdict, the same in the wizard, the CLI and the step summary. */
export function verdictLine(results: readonly Judged[]): string {
  const verdict = verdictOf(results);
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length;
  const tally = `${count('pass')} passed, ${count('fail')} failed, ${count('warn')} warnings, ${count('skipped')} skipped`;
  if (verdict === 'not-ready') return `Not ready: ${criticalFailures(results)} critical check(s) failed (${tally}).`;
  if (verdict === 'incomplete')
    return `Incomplete: ${criticalNotRun(results)} critical check(s) could not run, so this server was not fully checked (${tally}).`;
  return `Ready: no critical check failed and every critical check ran (${tally}).`;
}
