import type { Failure } from '../contract/errors.ts';
import type { Plan, StepView } from '../contract/model.ts';

/** Human output of the CLI: compact, aligned, readable over RDP on Server Core. */
export function stepsTable(steps: StepView[], mode: string): string {
  const rows = steps.map((step) => [String(step.number), step.id, step.title, step.cloud ? (mode === 'offline' ? 'manual' : 'cloud') : 'local', step.available ? step.status : 'not available yet']);
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
  return [`Error (${failure.code}): ${failure.message}`, `What to do: ${failure.remediation}`, ...(failure.docUrl ? [`More: ${failure.docUrl}`] : [])].join('\n');
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
