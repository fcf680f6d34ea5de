import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournal, readJournal } from '../../electron/core/store/journal.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { parseState } from '../../electron/core/runbook/runbook.ts';
import { useLab } from '../helpers/cloud-lab.ts';
import { repoRoot } from '../helpers/companion.ts';

/**
 * Killed at any moment: the lab's CLI runs Readiness (our script in PowerShell over the fake
 * Windows, probes against the lab) and is SIGKILLed at random points, 50 times, on one data
 * folder. After each kill the journal keeps every line the run had printed (progress is
 * journaled before it is shown), a torn last line is set aside, the state is whole, and a
 * restart marks the step interrupted, verifies it, and says where to carry on.
 */
const { lab, dir } = useLab('ndes-resume-');
const data = () => join(dir, 'data');
const cli = (args: string[]) => [join(repoRoot, 'dist', 'lab', 'cli.mjs'), ...lab().cliArgs, ...args, '--data-dir', data()];
const READINESS = ['run', 'readiness', '--input', 'internalUrl=http://ndes01.contoso.local/', '--verbose'];

/** A small seeded generator: the kill points are random, and the same on every run of the test. */
function seeded(seed: number): () => number {
  let value = seed;
  return () => {
    value = (value * 1103515245 + 12345) % 2 ** 31;
    return value / 2 ** 31;
  };
}

/** Runs Readiness and kills it: after `delayMs`, or once it has printed three progress lines (the step is under way). */
function runAndKill(delayMs: number | 'under-way'): Promise<{ printed: string[]; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cli(READINESS));
    let stderr = '';
    let killed = false;
    const kill = () => {
      if (!killed && child.exitCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (delayMs === 'under-way' && stderr.split('\n').length > 3) kill();
    });
    const timer = delayMs === 'under-way' ? undefined : setTimeout(kill, delayMs);
    child.on('close', () => {
      clearTimeout(timer);
      // Only whole lines were printed; the CLI adds "warn: "/"error: " before what the journal holds.
      const printed = stderr.split('\n').slice(0, -1).map((line) => line.replace(/^(warn|error): /, '')).filter((line) => line.trim() !== '');
      resolve({ printed, killed });
    });
  });
}

describe('SIGKILL at any moment during a lab run', () => {
  it('50 kills at random points lose no journal entry, set a torn line aside, and leave the state whole', async () => {
    await lab().useScenario('healthy');
    const random = seeded(20261201);
    let kills = 0;
    const file = join(data(), 'journal.jsonl');
    for (let round = 0; round < 50; round += 1) {
      const before = readJournal(file).entries.length;
      // Once, a line cut short by hand as well: the repair path must run and keep its bytes.
      if (round === 25) appendFileSync(file, '{"at":"2026-12-01T00:00:00Z","kind":"progress","message":"cut sh');
      const { printed, killed } = await runAndKill(100 + Math.floor(random() * 2400));
      if (killed) kills += 1;
      // What a restart does first: open the journal (which repairs a torn end).
      openJournal(file, new Redactor()).close();
      const { entries, torn } = readJournal(file);
      expect(torn, `round ${round}: a torn line is left in the journal`).toBe(false);
      // Only this round's entries count: an earlier round's same words cannot hide a loss.
      const fresh = entries.slice(before).map((entry) => entry.message);
      let at = 0;
      for (const line of printed) {
        if (/^(Ready|Not ready|Incomplete)\b|^\s/.test(line)) continue;
        const found = fresh.indexOf(line, at);
        expect(found, `round ${round}: "${line}" was shown but is not in this round's journal, in order`).toBeGreaterThanOrEqual(0);
        at = found;
      }
      // The state is always one whole version, never a torn file.
      expect(() => parseState(JSON.parse(readFileSync(join(data(), 'state.json'), 'utf8')))).not.toThrow();
    }
    expect(kills).toBeGreaterThanOrEqual(40);
    // Whatever was torn was kept beside the journal, not dropped: the hand-cut line at least.
    const repaired = readJournal(file).entries.filter((entry) => entry.kind === 'journal-repaired');
    const kept = readdirSync(data()).filter((name) => name.startsWith('journal.torn-'));
    expect(kept.length).toBe(repaired.length);
    expect(kept.map((name) => readFileSync(join(data(), name), 'utf8'))).toContain('{"at":"2026-12-01T00:00:00Z","kind":"progress","message":"cut sh');
  }, 600_000);

  it('a restart marks the interrupted step, verifies it, and says where to carry on', async () => {
    await lab().useScenario('healthy');
    const { killed } = await runAndKill('under-way');
    expect(killed).toBe(true);
    const resumed = spawnSync(process.execPath, cli(['resume']), { encoding: 'utf8' });
    expect(resumed.stdout).toContain('Step 1 (Readiness) was interrupted when the companion stopped.');
    // Readiness was verified for real; where to carry on and the exit code follow from what it found.
    const outcome = /^Step 1 \(Readiness\), verified: (passed|failed)\. /m.exec(resumed.stdout)?.[1];
    expect(outcome).toBeDefined();
    expect(resumed.stdout).toMatch(outcome === 'passed' ? /^Carry on at Step 2 \(Sign-in\)\.$/m : /^Carry on at Step 1 \(Readiness\)\.$/m);
    expect(resumed.status).toBe(outcome === 'passed' ? 0 : 1);
    const journal = readJournal(join(data(), 'journal.jsonl')).entries;
    expect(journal.some((entry) => entry.kind === 'step-interrupted' && entry.stepId === 'readiness')).toBe(true);
    expect(journal.some((entry) => entry.kind === 'verify-result' && entry.stepId === 'readiness')).toBe(true);
    // Verified, the step is no longer interrupted.
    const state = parseState(JSON.parse(readFileSync(join(data(), 'state.json'), 'utf8')));
    expect(state.steps.readiness?.status).not.toBe('interrupted');
  }, 120_000);
});
