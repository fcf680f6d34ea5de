import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CompanionError } from '../../electron/core/errors.ts';
import type { Catalogue } from '../../electron/core/powershell/catalogue.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import type { PowerShellHost } from '../../electron/core/ports.ts';
import { createPowerShellRunner, windowsPowerShell } from '../../electron/platform/powershell-runner.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { repoRoot } from '../helpers/companion.ts';
import { until } from '../helpers/until.ts';

/**
 * Hostile values through the real runner into a real PowerShell's own parameter binding: here
 * pwsh 7.6.9's console host; on Windows (the Windows workflow) the in-box Windows PowerShell
 * 5.1, where Node joins argv into one command line that powershell.exe splits by its own rules.
 */
const corpus = JSON.parse(
  readFileSync(join(repoRoot, 'tests', 'fixtures', 'powershell', 'hostile-strings.json'), 'utf8'),
) as { arrive: string[]; refused: string[]; longArrives: number; longRefused: number };
const dir = mkdtempSync(join(tmpdir(), 'ndes-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const state = join(dir, 'world.json');
writeFileSync(state, '{}');

const SLOTS = 8;
const valueParams = Object.fromEntries(
  Array.from({ length: SLOTS }, (_, index) => [`Value${index}`, 'string' as const]),
);
const catalogue = {
  'Show-Parameter': {
    file: 'Show-Parameter.ps1',
    params: { ...valueParams, HoldUntilFile: 'string' as const, EchoStdinAndFail: 'switch' as const },
    output: z.object({ values: z.array(z.array(z.number())), stdin: z.array(z.number()), arguments: z.number() }),
    defaultTimeoutMs: 60_000,
  },
} satisfies Catalogue;
const host: PowerShellHost = process.platform === 'win32' ? windowsPowerShell() : fakeWindowsHost(repoRoot, { state });
const runner = createPowerShellRunner({
  host,
  scriptsDir: join(repoRoot, 'tests', 'fixtures', 'powershell'),
  redactor: new Redactor(),
  catalogue,
});
const units = (text: string) => Array.from({ length: text.length }, (_, index) => text.charCodeAt(index));

const arrive = [...corpus.arrive, 'x'.repeat(corpus.longArrives)];
const batches: string[][] = [];
for (let index = 0; index < arrive.length; index += SLOTS) batches.push(arrive.slice(index, index + SLOTS));

describe('hostile parameter values', () => {
  it('the corpus is big enough to mean something', () => {
    expect(corpus.arrive.length + corpus.refused.length).toBeGreaterThanOrEqual(40);
  });

  it.concurrent.each(batches.map((batch, index) => [index, batch] as const))(
    'batch %i arrives byte-identical, one value per parameter',
    async (_index, batch) => {
      const params = Object.fromEntries(batch.map((value, slot) => [`Value${slot}`, value]));
      const run = await runner.run('Show-Parameter', { params });
      expect(run.data.arguments).toBe(0);
      batch.forEach((value, slot) => expect(run.data.values[slot], JSON.stringify(value)).toEqual(units(value)));
    },
  );

  it.each(
    [...corpus.refused, 'y'.repeat(corpus.longRefused)].map(
      (value) => [JSON.stringify(value).slice(0, 40), value] as const,
    ),
  )('%s is refused before any process starts', async (_label, value) => {
    // A PowerShell that does not exist: had the runner started a process, the error would say so.
    const nowhere = createPowerShellRunner({
      host: { file: join(dir, 'no-such-powershell'), prefixArgs: [], label: 'Windows PowerShell' },
      scriptsDir: join(repoRoot, 'tests', 'fixtures', 'powershell'),
      redactor: new Redactor(),
      catalogue,
    });
    const error = await nowhere.run('Show-Parameter', { params: { Value0: value } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CompanionError);
    expect((error as CompanionError).code).toBe('INVALID_REQUEST');
    expect((error as CompanionError).message).toMatch(/^The value for Value0 /);
  });
});

/** Every process command line visible right now (Linux /proc; Windows through CIM). */
function commandLines(): string[] {
  if (process.platform === 'win32') {
    return execFileSync(
      windowsPowerShell().file,
      [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        'Get-CimInstance Win32_Process | ForEach-Object { $_.CommandLine }',
      ],
      { encoding: 'utf8' },
    ).split(/\r?\n/);
  }
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      const file = join('/proc', pid, 'cmdline');
      try {
        return existsSync(file) ? readFileSync(file, 'utf8').replaceAll('\0', ' ') : '';
      } catch {
        return '';
      }
    });
}

describe('a secret on stdin', () => {
  it('arrives intact and is in no command line while the script runs', async () => {
    const secret = `tok-${'Zz9'.repeat(300)}.é€`;
    const release = join(dir, 'release-stdin-run');
    const running = runner.run('Show-Parameter', {
      params: { Value0: 'visible', HoldUntilFile: release },
      stdin: `${secret}\n`,
    });
    // The script holds until released, so it is caught running however slow its start.
    await until(
      () => commandLines().some((line) => line.includes('Show-Parameter.ps1') && line.includes('visible')),
      'the script to run',
    );
    const seen = commandLines();
    // The script was caught running, with its ordinary argument in view and the secret nowhere.
    expect(seen.some((line) => line.includes('Show-Parameter.ps1') && line.includes('visible'))).toBe(true);
    expect(seen.filter((line) => line.includes('Zz9Zz9'))).toEqual([]);
    writeFileSync(release, '');
    const run = await running;
    expect(run.data.stdin).toEqual(units(secret));
  });

  it('is redacted from whatever the run reports back, even when the script repeats it', async () => {
    const secret = `tok-${'Qq7'.repeat(40)}`;
    const error = await runner
      .run('Show-Parameter', { params: { EchoStdinAndFail: true }, stdin: `${secret}\n` })
      .catch((caught: unknown) => caught as CompanionError);
    expect(error).toBeInstanceOf(CompanionError);
    expect((error as CompanionError).message).toContain('could not use [redacted]');
    expect((error as CompanionError).message).not.toContain('Qq7Qq7');
  });
});
