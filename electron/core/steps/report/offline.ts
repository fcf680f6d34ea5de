import type { StepOffline } from '../step.ts';

/** Offline runbook mode and the printed runbook, for this step. */
export const reportOffline: StepOffline = {
  /** The same step done without the app, for a reader of the printed runbook. */
  byHand: () => ["Keep this runbook with the change record; note each step's outcome in it as you go."],
};
