import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pesterCounts, playwrightCounts, summary, vitestCounts } from '../../tools/test-stages.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-stages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('what npm test reads from each stage', () => {
  it("Pester: the one summary line Invoke-PesterSuites.ps1 prints, among Pester's own lines", () => {
    const output =
      'Tests completed in 103.18s\nTests Passed: 183, Failed: 1\nPester on PowerShell Core 7.6.9: 183 passed, 1 failed, 2 skipped, 1 not run, in 11 suite(s)\n  Compatibility.Tests.ps1: 42 test(s), Passed\n';
    expect(pesterCounts(output)).toEqual({ passed: 183, failed: 1, skipped: 3 });
    // Pester's own summary is prose for people and is not read.
    expect(pesterCounts('Tests Passed: 183, Failed: 0')).toBeUndefined();
  });

  it('Vitest: its JSON report, where a file that did not load is one failure', () => {
    const report = file('vitest.json', {
      numPassedTests: 10,
      numFailedTests: 1,
      numPendingTests: 2,
      numTodoTests: 0,
      testResults: [
        { status: 'failed', assertionResults: [{ status: 'failed' }, { status: 'passed' }] },
        { status: 'failed', assertionResults: [] },
        { status: 'passed', assertionResults: [{ status: 'passed' }] },
      ],
    });
    expect(vitestCounts(report)).toEqual({ passed: 10, failed: 2, skipped: 2 });
    expect(vitestCounts(join(dir, 'missing.json'))).toBeUndefined();
    expect(vitestCounts(file('torn.json', '{"numPassedTests": 4'))).toBeUndefined();
  });

  it('Playwright: its JSON report, where a flaky test counts as failed', () => {
    expect(
      playwrightCounts(file('pw.json', { stats: { expected: 36, unexpected: 1, flaky: 1, skipped: 0 }, errors: [] })),
    ).toEqual({ passed: 36, failed: 2, skipped: 0 });
    // An error outside every test (a fixture that would not start) is a failure too.
    expect(
      playwrightCounts(
        file('pw-error.json', {
          stats: { expected: 0, unexpected: 0, flaky: 0, skipped: 0 },
          errors: [{ message: 'boom' }],
        }),
      ),
    ).toEqual({ passed: 0, failed: 1, skipped: 0 });
  });

  it('ends with one line per stage, the whole run\'s time, and "N passed, N failed"', () => {
    const lines = summary(
      [
        { name: 'Lint and types', passed: 3, failed: 0, skipped: 0, seconds: 18.4 },
        { name: 'Pester', passed: 184, failed: 0, skipped: 0, seconds: 103.2 },
        { name: 'Vitest', passed: 900, failed: 1, skipped: 2, seconds: 240.6 },
        {
          name: 'Playwright',
          passed: 0,
          failed: 1,
          skipped: 0,
          seconds: 2,
          problem: 'no results to read; exit code 1',
        },
      ],
      330.2,
    );
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^Pester\s+184 passed, 0 failed\s+103 s$/);
    expect(lines[2]).toMatch(/^Vitest\s+900 passed, 1 failed, 2 skipped\s+241 s$/);
    expect(lines[3]).toContain('(no results to read; exit code 1)');
    // Stages that ran side by side overlap: the whole run is its own measure, not their sum.
    expect(lines[4]).toMatch(/^Whole run\s+330 s$/);
    expect(lines.at(-1)).toBe('1087 passed, 2 failed');
  });
});
