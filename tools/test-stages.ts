import { existsSync, readFileSync } from 'node:fs';

/**
 * What `npm test` reports for each stage, read from the files the stages themselves write (the
 * runners' JSON reports, and the one summary line Invoke-PesterSuites.ps1 prints), never from
 * their prose for people.
 */
export interface StageResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** Set when the stage gave no counts to read (it crashed, or never started). */
  problem?: string;
}

export interface StageCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** `Pester on PowerShell Core 7.6.9: 184 passed, 0 failed, 0 skipped, 0 not run, in 11 suite(s)` */
export function pesterCounts(output: string): StageCounts | undefined {
  const match = /^Pester on PowerShell [^:]+: (\d+) passed, (\d+) failed, (\d+) skipped, (\d+) not run/m.exec(output);
  if (!match) return undefined;
  const [, passed, failed, skipped, notRun] = match.map(Number);
  return { passed: passed ?? 0, failed: failed ?? 0, skipped: (skipped ?? 0) + (notRun ?? 0) };
}

/** Vitest's JSON reporter (numPassedTests, numFailedTests, numPendingTests, numTodoTests, testResults). */
export function vitestCounts(file: string): StageCounts | undefined {
  const report = readJson(file) as
    | {
        numPassedTests?: number;
        numFailedTests?: number;
        numPendingTests?: number;
        numTodoTests?: number;
        testResults?: { status?: string; assertionResults?: { status?: string }[] }[];
      }
    | undefined;
  if (!report || typeof report.numPassedTests !== 'number') return undefined;
  // A file that failed before any of its tests ran (it did not load) is one failure of its own.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: (report.numFailedTests ?? 0) + brokenFiles,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

/** Playwright's JSON reporter: stats.expected, unexpected, flaky, skipped. A flaky test failed once: it counts as failed. */
export function playwrightCounts(file: string): StageCounts | undefined {
  const report = readJson(file) as
    | { stats?: { expected?: number; unexpected?: number; flaky?: number; skipped?: number }; errors?: unknown[] }
    | undefined;
  if (!report?.stats || typeof report.stats.expected !== 'number') return undefined;
  const errors = Array.isArray(report.errors) ? report.errors.length : 0;
  return {
    passed: report.stats.expected,
    failed: (report.stats.unexpected ?? 0) + (report.stats.flaky ?? 0) + errors,
    skipped: report.stats.skipped ?? 0,
  };
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A stage's line in the summary: name, counts, seconds. */
export function stageLine(stage: StageResult, nameWidth: number): string {
  const counts = `${stage.passed} passed, ${stage.failed} failed${stage.skipped ? `, ${stage.skipped} skipped` : ''}`;
  const note = stage.problem ? ` (${stage.problem})` : '';
  return `${stage.name.padEnd(nameWidth)}  ${`${counts}${note}`.padEnd(44)}  ${String(Math.round(stage.seconds)).padStart(4)} s`;
}

/**
 * The summary `npm test` ends with: one line per stage (its own time; stages that ran side by
 * side overlap), the whole run's time, then `N passed, N failed`.
 */
export function summary(stages: readonly StageResult[], totalSeconds: number): string[] {
  const width = Math.max(...stages.map((stage) => stage.name.length), 'Whole run'.length);
  const passed = stages.reduce((total, stage) => total + stage.passed, 0);
  const failed = stages.reduce((total, stage) => total + stage.failed, 0);
  return [
    ...stages.map((stage) => stageLine(stage, width)),
    `${'Whole run'.padEnd(width)}  ${''.padEnd(44)}  ${String(Math.round(totalSeconds)).padStart(4)} s`,
    `${passed} passed, ${failed} failed`,
  ];
}
