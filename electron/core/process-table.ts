/**
 * A process as the runbook state records it: its id, and when it started. Windows and Linux
 * hand a finished process's id to the next one, so an id alone could make a step look "running
 * elsewhere" until some unrelated process ends; with the start time it cannot.
 */
export interface ProcessMark {
  pid: number;
  /** ISO time the process started; absent in state written before it was recorded. */
  started?: string;
}

/** The port through which the core asks about processes (electron/platform/process-table.ts). */
export interface ProcessTable {
  /** This process's own mark, saved beside a step it runs. */
  self(): ProcessMark;
  /** Whether the process a mark names still runs: the same id, and the same start. */
  running(mark: ProcessMark): boolean;
}
