import type { Mode } from '../../contract/model.ts';
import type { RunbookView } from '../report/report.ts';
import { CONFIRMATIONS, handSteps } from './offline.ts';
import type { Runbook } from './runbook.ts';
import { steps } from '../steps/index.ts';

export interface ReportViewOptions {
  /** Values to write the runbook with, where the runbook has none saved (CLI runbook --internal-url). */
  overrides?: Record<string, string>;
  /** Write it as this mode without switching the runbook (CLI runbook --offline). */
  mode?: Mode;
}

/** The runbook as it stands now, in the shape the report writes down: each step's plan as it would run. */
export function reportView(runbook: Runbook, options: ReportViewOptions = {}): RunbookView {
  const state = runbook.snapshot();
  const mode = options.mode ?? state.mode;
  const views = runbook.list();
  const values = runbook.values();
  const overrides = options.overrides ?? {};
  return {
    mode,
    values: {
      ...values,
      internalUrl: values.internalUrl ?? overrides.internalUrl ?? null,
      externalUrl: values.externalUrl ?? overrides.externalUrl ?? null,
      tenantId: values.tenantId ?? overrides.tenantId ?? null,
    },
    steps: steps.map((step, index) => {
      const inputs = { ...runbook.savedInputs(step.id) };
      // An override fills an input the step declares and the admin left empty.
      for (const input of step.inputs)
        if (!inputs[input.id]?.trim() && overrides[input.id]) inputs[input.id] = overrides[input.id] ?? '';
      const plan = runbook.plan(step.id, inputs, mode, {
        journal: false,
        values: {
          ...(overrides.internalUrl ? { internalUrl: overrides.internalUrl } : {}),
          ...(overrides.externalUrl ? { externalUrl: overrides.externalUrl } : {}),
          ...(overrides.tenantId ? { tenantId: overrides.tenantId } : {}),
        },
      });
      const known = { ...values, internalUrl: values.internalUrl ?? overrides.internalUrl ?? null };
      return {
        id: step.id,
        title: step.title,
        cloud: step.cloud,
        why: step.why,
        status: state.steps[step.id]?.status ?? 'not-started',
        lastChangedAt: views[index]?.lastChangedAt ?? null,
        inputs,
        plan: { actions: plan.actions, notes: plan.notes },
        confirmations: state.confirmations[step.id]?.lines ?? [],
        record:
          mode === 'offline' && step.cloud ? (CONFIRMATIONS[step.id]?.fields ?? []).map((field) => field.label) : [],
        byHand: step.cloud ? [] : (handSteps(step.id, known) ?? []),
      };
    }),
  };
}
