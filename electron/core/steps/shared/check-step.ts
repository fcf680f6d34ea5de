import type { CheckResult } from '../../../contract/model.ts';
import type { CheckGroup, CheckReport } from '../../../contract/model.ts';
import { STATUS_LABEL, verdictLine } from '../../../contract/verdict.ts';
import { runCheckSuite, type CheckScope } from '../../checks/suite.ts';
import { CompanionError } from '../../errors.ts';
import { LONG_URL_KB } from '../../checks/input-rules.ts';
import type { StepContext, StepDefinition, StepResult } from '../step.ts';

export const DEFAULT_TIMEOUT_SECONDS = 5;
export const DEFAULT_LONG_URL_KB = LONG_URL_KB.default;

/** One streamed line per finished check: status and title. The cause and remedy are in the results, said once. */
export function progressLine(result: CheckResult): string {
  return `${STATUS_LABEL[result.status]} ${result.title}${result.skip === 'could-not-run' ? ' (could not run)' : ''}`;
}

function numberInput(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  return Number(value.trim());
}

/** Readiness and Verify are made of checks: their run() and verify() run the check suite. */
export async function runCheckStep(
  scope: CheckScope,
  context: StepContext,
  groups?: CheckGroup[],
): Promise<StepResult & { report: CheckReport }> {
  const { inputs } = context;
  const report = await runCheckSuite(
    {
      scope,
      ...(inputs.internalUrl ? { internalUrl: inputs.internalUrl } : {}),
      ...(inputs.externalUrl ? { externalUrl: inputs.externalUrl } : {}),
      ...(inputs.proxyAddress ? { proxyAddress: inputs.proxyAddress } : {}),
      ...(inputs.tenantId ? { tenantId: inputs.tenantId } : {}),
      ...(inputs.verifiedDomains
        ? { verifiedDomains: inputs.verifiedDomains.split(/[\s,;]+/).filter((domain) => domain !== '') }
        : {}),
      timeoutMs: Math.round(numberInput(inputs.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS) * 1000),
      longUrlKb: numberInput(inputs.longUrlKb, DEFAULT_LONG_URL_KB),
      ...(groups?.length ? { groups } : {}),
    },
    context.services,
    {
      signal: context.signal,
      runId: context.runId,
      onResult: (result) =>
        context.progress(
          progressLine(result),
          result.status === 'fail' ? 'error' : result.status === 'warn' ? 'warn' : 'info',
          { id: result.id, status: result.status },
        ),
    },
  );
  if (context.signal.aborted)
    throw new CompanionError(
      'CANCELLED',
      'The checks were cancelled before they finished.',
      'Run them again when ready.',
    );
  for (const note of report.notes) context.progress(note, 'info');
  return { passed: report.passed, summary: verdictLine(report.results), report };
}

export function checkCapability(scope: CheckScope): NonNullable<StepDefinition['capability']> {
  return { run: (context) => runCheckStep(scope, context), verify: (context) => runCheckStep(scope, context) };
}
