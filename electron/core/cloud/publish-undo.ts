import type { StepContext, StepResult } from '../runbook/step.ts';
import { GraphError } from './graph.ts';

/**
 * Taking back a part-way publish. Every write that lands records how to undo it; when a later write
 * fails, the undos run backwards (order 1 last among equals: the app goes after what points at it,
 * and a created connector group, which Graph deletes only when empty, after everything), each said
 * in progress (so journaled) and in the result. Only what this run created or moved is touched.
 */
export interface Undo {
  /** What is taken back, with its ids. */
  what: string;
  /** Where to do it by hand when the undo itself fails. */
  byHand: string;
  /** 2: moves put back; 1: created objects removed; 3: a created group deleted, last. */
  order: 1 | 2 | 3;
  run(): Promise<unknown>;
}

export async function undoAll(context: StepContext, undo: Undo[]): Promise<{ undone: string[]; left: Undo[] }> {
  const rank = (item: Undo) => (item.order === 2 ? 0 : item.order === 1 ? 1 : 2);
  const sequence = undo.map((item, index) => ({ item, index })).sort((a, b) => rank(a.item) - rank(b.item) || b.index - a.index).map((entry) => entry.item);
  const undone: string[] = [];
  const left: Undo[] = [];
  for (const item of sequence) {
    context.progress(`Undo: taking back ${item.what}.`, 'warn');
    try {
      await item.run();
      undone.push(item.what);
      context.progress(`Undo: took back ${item.what}.`, 'warn');
    } catch (error) {
      left.push(item);
      context.progress(`Undo failed for ${item.what}: ${(error as Error).message}`, 'error');
    }
  }
  return { undone, left };
}

/** The answer when a write failed part-way: the cause, what was taken back, and what is left to delete by hand. */
export async function failedPart(context: StepContext, error: unknown, state: { undo: Undo[]; details: string[]; roleConfirmed: string | null }): Promise<StepResult> {
  const failure = error as GraphError;
  const message = failure instanceof Error ? failure.message : String(error);
  let remedy = (failure as { remediation?: string }).remediation ?? 'Run the step again.';
  // A role confirmed a moment ago is not what Graph refused: said so, instead of asking for the role again.
  if (failure instanceof GraphError && failure.graphCause === 'role' && state.roleConfirmed) {
    remedy = `${state.roleConfirmed.replace(/\.$/, '')} (read just before), so the refusal is not about the role itself: a role activated minutes ago can take a while to apply, and a tenant setting can also refuse. Run the step again in a few minutes; if it repeats, quote request id ${failure.answer?.requestId ?? '(none given)'} to Microsoft support.`;
  }
  if (state.undo.length === 0) {
    return { passed: false, summary: `Publishing failed: ${message}${state.details.length ? ` Done before that: ${state.details.join(' ')}` : ' Nothing had been changed.'}`, remedy: `${remedy} Running this step again finds what exists and completes it.`, details: state.details };
  }
  const { undone, left } = await undoAll(context, state.undo);
  const details = [...state.details, ...undone.map((what) => `Undone: ${what}.`), ...left.map((item) => `NOT undone: ${item.what}. By hand: ${item.byHand}.`)];
  const summary = left.length
    ? `Publishing failed part-way and could not all be undone: ${message} Undone: ${undone.join('; ') || 'nothing'}. Still in the tenant: ${left.map((item) => item.what).join('; ')}.`
    : `Publishing failed part-way, and what this run changed was undone, so the tenant is as it was: ${message} Undone: ${undone.join('; ')}.`;
  return { passed: false, summary, remedy: `${remedy}${left.length ? ` Then remove by hand what is left: ${left.map((item) => item.byHand).join('; ')}.` : ''}`, details };
}
