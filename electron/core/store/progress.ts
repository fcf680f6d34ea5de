import type { CheckStatus, CompanionEvent, StepId } from '../../contract/model.ts';
import type { Journal } from './journal.ts';

/** `inResult`: the line is also in the step's result (its details), so a host printing the result skips it live. */
export type Progress = (
  message: string,
  level?: 'info' | 'warn' | 'error',
  check?: { id: string; status: CheckStatus },
  percent?: number,
  inResult?: boolean,
) => void;

/** The step's own outcome lines (its summary and what to do): a host that prints the outcome itself skips them. */
export type OutcomeLine = (message: string, level: 'info' | 'warn' | 'error') => void;

/**
 * Progress goes to the journal first (redacted there) and then to the window, so what the
 * admin sees and what the record keeps are the same words.
 */
export function progressReporter(
  journal: Journal,
  emit: (event: CompanionEvent) => void,
  runId: string,
  stepId?: StepId,
): Progress {
  return (message, level = 'info', check, percent, inResult) => {
    // A run cancelled by the companion closing still reports on its way out; no one is left to tell.
    if (!journal.isOpen()) return;
    const entry = journal.append({ kind: 'progress', runId, ...(stepId ? { stepId } : {}), message });
    emit({
      type: 'progress',
      runId,
      ...(stepId ? { stepId } : {}),
      level,
      message: entry.message,
      at: entry.at,
      ...(check ? { check } : {}),
      ...(percent === undefined ? {} : { percent }),
      ...(inResult ? { outcome: true as const } : {}),
    });
  };
}

export function outcomeReporter(
  journal: Journal,
  emit: (event: CompanionEvent) => void,
  runId: string,
  stepId?: StepId,
): OutcomeLine {
  return (message, level) => {
    if (!journal.isOpen()) return;
    const entry = journal.append({ kind: 'progress', runId, ...(stepId ? { stepId } : {}), message });
    emit({
      type: 'progress',
      runId,
      ...(stepId ? { stepId } : {}),
      level,
      message: entry.message,
      at: entry.at,
      outcome: true,
    });
  };
}
