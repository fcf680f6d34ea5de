import type { StepContext, StepResult } from '../step.ts';
import { confirmedRoleRemedy } from '../../cloud/graph-causes.ts';
import { GraphError } from '../../cloud/graph.ts';
import type { Preflight } from '../../cloud/preflight.ts';

/**
 * Taking back a part-way publish. Every write records how to undo it before it is sent (a write
 * Graph leaves unconfirmed may have landed); when a later write fails, the undos run: first what
 * was moved or changed goes back (newest first), then what this run created is removed, then a
 * connector group it created, which Graph deletes only once empty. Each is said in progress (so
 * journaled) and in the result. Only what this run created, moved or changed is touched; what
 * cannot be taken back (an app an earlier run made, an object Graph did not confirm) is named with
 * its ids, and then the tenant is never called "as it was".
 */
export interface Undo {
  /** What is taken back, with its ids. */
  what: string;
  /** Where to do it by hand when the undo itself fails. */
  byHand: string;
  /** 2: moves and changes put back; 1: created objects removed; 3: a created group deleted, last. */
  order: 1 | 2 | 3;
  run(): Promise<unknown>;
}

export async function undoAll(context: StepContext, undo: Undo[]): Promise<{ undone: string[]; left: Undo[] }> {
  const rank = (item: Undo) => (item.order === 2 ? 0 : item.order === 1 ? 1 : 2);
  const sequence = undo
    .map((item, index) => ({ item, index }))
    .sort((a, b) => rank(a.item) - rank(b.item) || b.index - a.index)
    .map((entry) => entry.item);
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
      context.progress(`Undo: could not take back ${item.what}: ${(error as Error).message}`, 'error');
    }
  }
  return { undone, left };
}

export interface FailedState {
  undo: Undo[];
  details: string[];
  /** The role the preflight found active just before, when it did. */
  roleConfirmed: string | null;
  /** The preflight read again after the refusal, when something is now missing. */
  nowMissing?: Preflight;
}

/** The remedy for the failure: from what the tenant shows now, else from Graph's answer. */
function remedyOf(error: unknown, state: FailedState): string {
  const missing = state.nowMissing?.checks.filter((check) => check.status !== 'ok') ?? [];
  if (missing.length)
    return `Read again after the refusal: ${missing.map((check) => `${check.message}${check.remedy ? ` ${check.remedy}` : ''}`).join(' ')}`;
  const remediation = (error as { remediation?: string }).remediation ?? 'Run the step again.';
  // A role confirmed a moment ago (and a token refreshed since) is not what Graph refused.
  if (error instanceof GraphError && error.graphCause === 'role' && state.roleConfirmed) {
    return confirmedRoleRemedy(
      state.roleConfirmed,
      error.answer?.requestId,
      'the role itself',
      'a tenant setting or a policy',
    );
  }
  return remediation;
}

/** The answer when a write failed part-way: the cause, what was taken back, and what is left to delete by hand. */
export async function failedPart(context: StepContext, error: unknown, state: FailedState): Promise<StepResult> {
  const message = error instanceof Error ? error.message : String(error);
  const remedy = remedyOf(error, state);
  // A new app Graph has not replicated yet is left for the next run, which finds and completes it.
  if (error instanceof GraphError && error.graphCode === 'retries-exhausted' && error.status === 404) {
    return {
      passed: false,
      summary: `Publishing stopped: ${message} ${state.details.join(' ')} It is left as it is: the next run finds it and completes it.`,
      remedy,
      details: state.details,
    };
  }
  if (state.undo.length === 0) {
    return {
      passed: false,
      summary: `Publishing failed: ${message}${state.details.length ? ` Done before that: ${state.details.join(' ')}` : ' Nothing had been changed.'}`,
      remedy: `${remedy} Running this step again finds what exists and completes it.`,
      details: state.details,
    };
  }
  const { undone, left } = await undoAll(context, state.undo);
  const details = [
    ...state.details,
    ...undone.map((what) => `Undone: ${what}.`),
    ...left.map((item) => `NOT undone: ${item.what}. By hand: ${item.byHand}.`),
  ];
  const summary = left.length
    ? `Publishing failed part-way, and not all of it could be undone: ${message} Undone: ${undone.join('; ') || 'nothing'}. Still in the tenant: ${left.map((item) => item.what).join('; ')}.`
    : `Publishing failed part-way, and what this run changed was undone, so the tenant is as it was: ${message} Undone: ${undone.join('; ')}.`;
  return {
    passed: false,
    summary,
    remedy: `${remedy}${left.length ? ` Then, by hand: ${left.map((item) => item.byHand).join('; ')}.` : ''}`,
    details,
  };
}
