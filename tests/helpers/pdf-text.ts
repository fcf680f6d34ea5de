import { spawnSync } from 'node:child_process';

/**
 * A PDF's text as poppler's pdftotext reads it (a reader we did not write): Debian's
 * poppler-utils here (npm test installs it), Chocolatey's poppler in the Windows workflow.
 * A missing pdftotext is said as such, never read as an empty PDF.
 */
export function pdfText(pdf: Buffer | string, layout = false): string {
  const fromFile = typeof pdf === 'string';
  const run = spawnSync('pdftotext', [...(layout ? ['-layout'] : []), fromFile ? pdf : '-', '-'], {
    encoding: 'utf8',
    ...(fromFile ? {} : { input: pdf }),
  });
  if (run.error)
    throw new Error(
      `pdftotext could not be run (${run.error.message}): install poppler (Debian: poppler-utils; Windows: choco install poppler).`,
    );
  if (run.status !== 0) throw new Error(`pdftotext failed (exit code ${String(run.status)}): ${run.stderr.trim()}`);
  return run.stdout;
}
