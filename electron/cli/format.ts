import type { Failure } from '../contract/errors.ts';
import type { CheckReport, Plan, StepOutcome, StepView } from '../contract/model.ts';
import { STATUS_LABEL, verdictLine } from '../contract/verdict.ts';

/** Human output of the CLI: compact, aligned, readable over RDP on Server Core. */
export function stepsTable(steps: StepView[], mode: string): string {
  const rows = steps.map((step) => [
    String(step.number),
    step.id,
    step.title,
    step.cloud ? (mode === 'offline' ? 'manual' : 'cloud') : 'local',
    step.status,
  ]);
  return table(['#', 'id', 'title', 'where', 'status'], rows);
}

export function planText(plan: Plan, title: string): string {
  const lines = [`Step: ${title} (${plan.stepId}), ${plan.mode === 'offline' ? 'offline runbook' : 'guided'} mode`];
  plan.actions.forEach((action, index) => {
    lines.push(`  ${index + 1}. [${action.kind}${action.changesSystem ? ', changes the system' : ''}] ${action.title}`);
    lines.push(`     ${action.detail}`);
  });
  for (const note of plan.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

export function failureText(failure: Failure): string {
  return [
    `Error (${failure.code}): ${failure.message}`,
    `What to do: ${failure.remediation}`,
    ...(failure.docUrl ? [`More: ${failure.docUrl}`] : []),
  ].join('\n');
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The check report as a compact table, worst first, then cause and remedy for what did not pass. */
export function checkTable(report: CheckReport): string {
  const rows = report.results.map((result) => [
    STATUS_LABEL[result.status],
    result.severity,
    result.group,
    result.title,
  ]);
  const lines = [table(['status', 'severity', 'group', 'check'], rows)];
  const problems = report.results.filter(
    (result) =>
      result.status === 'fail' ||
      result.status === 'warn' ||
      (result.status === 'skipped' && result.skip !== 'not-applicable'),
  );
  for (const result of problems) {
    lines.push(
      '',
      `${STATUS_LABEL[result.status]} ${result.title} [${result.id}]${result.skip === 'could-not-run' ? ' (could not run)' : result.skip === 'cancelled' ? ' (cancelled)' : ''}`,
    );
    if (result.cause) lines.push(`  ${result.status === 'skipped' ? 'Why:   ' : 'Cause: '} ${result.cause}`);
    if (result.remediation) lines.push(`  Remedy: ${result.remediation}`);
    for (const item of result.evidence.slice(0, 3)) lines.push(`  Saw:    ${item}`);
    lines.push(`  Docs:   ${result.docUrl}`);
  }
  for (const note of report.notes) lines.push('', `Note: ${note}`);
  lines.push('', verdictLine(report.results));
  return lines.join('\n');
}

/** A step's outcome: its summary, the facts behind it, and what to do when it did not pass. */
export function outcomeText(outcome: StepOutcome): string {
  if (outcome.report) return checkTable(outcome.report);
  const lines = [outcome.summary, ...(outcome.evidence ?? []).map((line) => `  ${line}`)];
  if (outcome.remedy) lines.push(`What to do: ${outcome.remedy}`);
  return lines.join('\n');
}
