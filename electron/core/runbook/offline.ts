import type { StepId } from '../../contract/model.ts';
import type { ConfirmSpec, RunbookValues } from '../steps/shared/offline-text.ts';
import { stepById, steps } from '../steps/index.ts';

export type { Confirmation, ConfirmSpec, RunbookValues } from '../steps/shared/offline-text.ts';

/**
 * Offline runbook mode (docs/reference/design.md §1): cloud steps become the portal path of
 * Microsoft's guide, written with this admin's values, and what the admin reads off the portal is
 * recorded as "confirmed by the admin", never as verified. Each step's text is in its own folder
 * (steps/<step>/offline.ts); these read it by step.
 */

/** The portal path of a cloud step, with this runbook's values; null for a local step. */
export function manualSteps(stepId: StepId, values: RunbookValues): string[] | null {
  return stepById(stepId).offline?.portal?.(values) ?? null;
}

/** A local step done without the app, for a reader of the printed runbook; null for a cloud step. */
export function handSteps(stepId: StepId, values: RunbookValues): string[] | null {
  return stepById(stepId).offline?.byHand?.(values) ?? null;
}

/** What the admin records per cloud step in offline mode, and how it is checked. */
export const CONFIRMATIONS: Partial<Record<StepId, ConfirmSpec>> = Object.fromEntries(
  steps.flatMap((step) => (step.offline?.confirm ? [[step.id, step.offline.confirm]] : [])),
);
