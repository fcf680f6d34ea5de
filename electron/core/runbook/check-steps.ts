import type { CheckResult } from '../../contract/model.ts';
import type { CheckGroup, CheckReport } from '../../contract/model.ts';
import { runCheckSuite, type CheckScope } from '../checks/suite.ts';
import { CompanionError } from '../errors.ts';
import type { StepContext, StepDefinition, StepResult } from './step.ts';

export const DEFAULT_TIMEOUT_SECONDS = 5;
export const DEFAULT_LONG_URL_KB = 20;

const MARK: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'SKIP' };

export function progressLine(result: CheckResult): string {
  return `${MARK[result.status]} ${result.title}${result.cause && result.status !== 'pass' ? `: ${result.cause}` : ''}`;
}

function numberInput(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  return Number(value.trim());
}

/** Readiness and Verify are made of checks: their run() and verify() run the check suite. */
export async function runCheckStep(scope: CheckScope, context: StepContext, groups?: CheckGroup[]): Promise<StepResult & { report: CheckReport }> {
  const { inputs } = context;
  const report = await runCheckSuite(
    {
      scope,
      ...(inputs.internalUrl ? { internalUrl: inputs.internalUrl } : {}),
      ...(inputs.externalUrl ? { externalUrl: inputs.externalUrl } : {}),
      ...(inputs.proxyAddress ? { proxyAddress: inputs.proxyAddress } : {}),
      ...(inputs.tenantId ? { tenantId: inputs.tenantId } : {}),
      timeoutMs: Math.round(numberInput(inputs.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS) * 1000),
      longUrlKb: numberInput(inputs.longUrlKb, DEFAULT_LONG_URL_KB),
      ...(groups?.length ? { groups } : {}),
    },
    context.services,
    { signal: context.signal, runId: context.runId, onResult: (result) => context.progress(progressLine(result), result.status === 'fail' ? 'error' : result.status === 'warn' ? 'warn' : 'info', { id: result.id, status: result.status }) },
  );
  if (context.signal.aborted) throw new CompanionError('CANCELLED', 'The checks were cancelled before they finished.', 'Run them again when ready.');
  for (const note of report.notes) context.progress(note, 'info');
  const count = (status: CheckResult['status']) => report.results.filter((result) => result.status === status).length;
  const criticals = report.results.filter((result) => result.status === 'fail' && result.severity === 'critical').length;
  const summary = `${report.passed ? 'Ready' : 'Not ready'}: ${count('pass')} passed, ${count('fail')} failed (${criticals} critical), ${count('warn')} warnings, ${count('skipped')} skipped.`;
  return { passed: report.passed, summary, report };
}

export function checkCapability(scope: CheckScope): NonNullable<StepDefinition['capability']> {
  return { run: (context) => runCheckStep(scope, context), verify: (context) => runCheckStep(scope, context) };
}
