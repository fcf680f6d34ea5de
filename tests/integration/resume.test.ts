import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournal, readJournal } from '../../electron/core/store/journal.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { parseState } from '../../electron/core/runbook/state.ts';
import { killProcessTree } from '../../electron/platform/process-tree.ts';
import { useLab } from '../helpers/cloud-lab.ts';
import { repoRoot } from '../helpers/companion.ts';

/**
 * Killed at any moment: the lab's CLI runs Readiness (our script in PowerShell over the fake
 * Windows, probes against the lab) and is SIGKILLed, on one data folder, at points chosen by
 * what it has printed: before its first line, or as soon as its k-th progress line arrives (k
 * random), never after a clock. After each kill the journal keeps every line the run had printed
 * (progress is journaled before it is shown), a torn last line is set aside, the state is whole,
 * and a restart marks the step interrupted, verifies it, and says where to carry on.
 */
const { lab, dir } = useLab('ndes-resume-');
const data = () => join(dir, 'data');
const cli = (args: string[]) => [
  join(repoRoot, 'dist', 'lab', 'cli.mjs'),
  ...lab().cliArgs,
  ...args,
  '--data-dir',
  data(),
];
const READINESS = ['run', 'readiness', '--input', 'internalUrl=http://ndes01.contoso.local/', '--verbose'];
const VERDICT = /^(Ready|Not ready|Incomplete)\b/;

/** A small seeded generator: the kill points are random, and the same on every run of the test. */
function seeded(seed: number): () => number {
  let value = seed;
  return () => {
    value = (value * 1103515245 + 12345) % 2 ** 31;
    return value / 2 ** 31;
  };
}

/**
 * Runs Readiness and SIGKILLs it once it has printed `afterLines` progress lines (0: as soon as
 * it started, before it printed anything). Whether the kill landed before the run ended by
 * itself is read from how it exited, never guessed from a clock.
 */
function runAndKill(afterLines: number): Promise<{ printed: string[]; killed: boolean; verdict: boolean }> {
  return new Promise((resolve) => {
    // The kill takes the PowerShell the CLI started too, as ending the companion's process tree
    // would, so no orphaned run goes on using the machine: here the CLI's own process group,
    // on Windows taskkill /T.
    const child = spawn(process.execPath, cli(READINESS), { detached: process.platform !== 'win32' });
    let stderr = '';
    let stdout = '';
    let sent = false;
    const kill = () => {
      if (!sent && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        sent = true;
        if (process.platform === 'win32') killProcessTree(child.pid);
        else process.kill(-child.pid, 'SIGKILL');
      }
    };
    if (afterLines === 0) child.once('spawn', kill);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.split('\n').length - 1 >= afterLines) kill();
    });
    child.on('close', (_code, signal) => {
      // Only whole lines were printed; the CLI adds "warn: "/"error: " before what the journal holds.
      const printed = stderr
        .split('\n')
        .slice(0, -1)
        .map((line) => line.replace(/^(warn|error): /, ''))
        .filter((line) => line.trim() !== '');
      // taskkill ends a process with exit code 1, not a signal: there, a run killed before its
      // verdict (printed once, on stdout, when the run ends) is one that printed none.
      const verdict = stdout.split('\n').some((line) => VERDICT.test(line));
      const killed = process.platform === 'win32' ? sent && !verdict : signal === 'SIGKILL';
      resolve({ printed, killed, verdict });
    });
  });
}

/** What a restart does first: open the journal (which repairs a torn end); then the checks. */
function expectWholeAfter(round: number, before: number, printed: string[]): void {
  const file = join(data(), 'journal.jsonl');
  openJournal(file, new Redactor()).close();
  const { entries, torn } = readJournal(file);
  expect(torn, `round ${round}: a torn line is left in the journal`).toBe(false);
  // Only this round's entries count: an earlier round's same words cannot hide a loss.
  const fresh = entries.slice(before).map((entry) => entry.message);
  let at = 0;
  for (const line of printed) {
    if (VERDICT.test(line) || /^\s/.test(line)) continue;
    const found = fresh.indexOf(line, at);
    expect(
      found,
      `round ${round}: "${line}" was shown but is not in this round's journal, in order`,
    ).toBeGreaterThanOrEqual(0);
    at = found;
  }
  // The state is always one whole version, never a torn file.
  expect(() => parseState(JSON.parse(readFileSync(join(data(), 'state.json'), 'utf8')))).not.toThrow();
}

describe('SIGKILL at any moment during a lab run', () => {
  it('50 kills at random points of its progress lose no journal entry, set a torn line aside, and leave the state whole', async () => {
    await lab().useScenario('healthy');
    const file = join(data(), 'journal.jsonl');
    // One whole run first: it says how many progress lines come before the verdict, and its
    // journal must hold them all too.
    const whole = await runAndKill(Number.POSITIVE_INFINITY);
    expect(whole.killed).toBe(false);
    expect(whole.verdict).toBe(true);
    expectWholeAfter(-1, 0, whole.printed);
    // Every progress line comes before the verdict, which is printed once, on stdout, at the end.
    const lines = whole.printed.length;
    expect(lines).toBeGreaterThan(10);

    // A kill can come after the run has already ended by itself (the last lines and the exit
    // follow each other closely): such a round still checks the journal and the state, but
    // only a kill that landed counts, and rounds go on until 50 have.
    const random = seeded(20261201);
    let kills = 0;
    let rounds = 0;
    const landed = new Set<number>();
    let cut = false;
    while (kills < 50) {
      rounds += 1;
      expect(
        rounds,
        'kills keep coming after the run ended: the CLI prints its lines later than it did',
      ).toBeLessThanOrEqual(200);
      const before = readJournal(file).entries.length;
      // Once, a line cut short by hand as well: the repair path must run and keep its bytes.
      if (kills === 25 && !cut) {
        appendFileSync(file, '{"at":"2026-12-01T00:00:00Z","kind":"progress","message":"cut sh');
        cut = true;
      }
      const afterLines = Math.floor(random() * (lines + 1));
      const { printed, killed } = await runAndKill(afterLines);
      expectWholeAfter(rounds, before, printed);
      if (killed) {
        kills += 1;
        landed.add(afterLines);
      }
    }
    // The kills landed all along the run: before its first line, in the probes, and after.
    expect(landed.size).toBeGreaterThanOrEqual(10);
    // Whatever was torn was kept beside the journal, not dropped: the hand-cut line at least.
    const repaired = readJournal(file).entries.filter((entry) => entry.kind === 'journal-repaired');
    const kept = readdirSync(data()).filter((name) => name.startsWith('journal.torn-'));
    expect(kept.length).toBe(repaired.length);
    expect(kept.map((name) => readFileSync(join(data(), name), 'utf8'))).toContain(
      '{"at":"2026-12-01T00:00:00Z","kind":"progress","message":"cut sh',
    );
  });

  it('a restart marks the interrupted step, verifies it, and says where to carry on', async () => {
    await lab().useScenario('healthy');
    const { killed } = await runAndKill(3);
    expect(killed).toBe(true);
    const resumed = spawnSync(process.execPath, cli(['resume']), { encoding: 'utf8' });
    expect(resumed.stdout).toContain('Step 1 (Readiness) was interrupted when the companion stopped.');
    // Readiness was verified for real; where to carry on and the exit code follow from what it found.
    const outcome = /^Step 1 \(Readiness\), verified: (passed|failed)\. /m.exec(resumed.stdout)?.[1];
    expect(outcome).toBeDefined();
    expect(resumed.stdout).toMatch(
      outcome === 'passed' ? /^Carry on at Step 2 \(Sign-in\)\.$/m : /^Carry on at Step 1 \(Readiness\)\.$/m,
    );
    expect(resumed.status).toBe(outcome === 'passed' ? 0 : 1);
    const journal = readJournal(join(data(), 'journal.jsonl')).entries;
    expect(journal.some((entry) => entry.kind === 'step-interrupted' && entry.stepId === 'readiness')).toBe(true);
    expect(journal.some((entry) => entry.kind === 'verify-result' && entry.stepId === 'readiness')).toBe(true);
    // Verified, the step is no longer interrupted.
    const state = parseState(JSON.parse(readFileSync(join(data(), 'state.json'), 'utf8')));
    expect(state.steps.readiness?.status).not.toBe('interrupted');
  });
});
