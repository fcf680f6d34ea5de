import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompanionError } from '../errors.ts';
import type { Redactor } from '../store/redact.ts';
import type { PowerShellRunner, RunOptions } from '../ports.ts';

/** How many script outputs are kept: the newest, enough for a whole change window's runs. */
export const KEPT_OUTPUTS = 200;

/** One script run as the support bundle carries it: what was asked, what came back, redacted. */
export interface RecordedRun {
  script: string;
  at: string;
  params: Record<string, unknown>;
  durationMs?: number;
  exitCode?: number;
  data?: unknown;
  error?: { code: string; message: string };
}

/**
 * Keeps every script's JSON output (or its failure) in the data folder, redacted, so that the
 * support bundle carries what each step saw. Stdin (a secret) is never recorded. A failure to
 * record never fails the run.
 */
export function recordingRunner(
  inner: PowerShellRunner,
  folder: string,
  redactor: Redactor,
  now: () => Date,
  keep = KEPT_OUTPUTS,
): PowerShellRunner {
  let sequence = 0;
  const record = (entry: RecordedRun): void => {
    try {
      mkdirSync(folder, { recursive: true });
      sequence += 1;
      const name = `${entry.at.replace(/[:.]/g, '-')}-${process.pid}-${String(sequence).padStart(4, '0')}-${entry.script}.json`;
      writeFileSync(join(folder, name), `${JSON.stringify(redactor.value(entry), null, 2)}\n`, { mode: 0o600 });
      const files = readdirSync(folder)
        .filter((file) => file.endsWith('.json'))
        .sort();
      for (const old of files.slice(0, Math.max(0, files.length - keep))) rmSync(join(folder, old), { force: true });
    } catch {
      // The record is for support; the step's own result and journal entry stand without it.
    }
  };
  return {
    host: inner.host,
    async run(script, options: RunOptions = {}) {
      const at = now().toISOString();
      const params = { ...(options.params ?? {}) };
      try {
        const result = await inner.run(script, options);
        record({ script, at, params, durationMs: result.durationMs, exitCode: result.exitCode, data: result.data });
        return result;
      } catch (error) {
        record({
          script,
          at,
          params,
          error:
            error instanceof CompanionError
              ? { code: error.code, message: error.message }
              : { code: 'UNEXPECTED', message: String(error) },
        });
        throw error;
      }
    },
  };
}
