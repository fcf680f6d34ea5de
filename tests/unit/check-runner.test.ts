import { describe, expect, it } from 'vitest';
import { pass, runChecks, skipped, worstFirst, type CheckSpec } from '../../electron/core/checks/check.ts';
import { verdictLine, verdictOf } from '../../electron/contract/verdict.ts';

/** A probe that answers after `ms`, or when cancelled, like a network probe would. */
function delayed(id: string, ms: number, log: string[] = []): CheckSpec {
  return {
    id,
    group: 'outbound',
    title: id,
    severity: 'critical',
    docUrl: 'https://learn.microsoft.com/',
    probe: (context) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(pass(`${id} answered`)), ms);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          log.push(`${id} aborted`);
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      }),
  };
}

describe('the check runner', () => {
  it('runs probes side by side: every probe is under way before any answers', async () => {
    // Each probe answers only once all four have started: a runner that took them one after
    // another would never start the second, and every probe would fail at its timeout.
    const started = new Set<string>();
    let allStarted: () => void = () => undefined;
    const together = new Promise<void>((resolve) => (allStarted = resolve));
    const waitsForAll = (id: string): CheckSpec => ({
      ...delayed(id, 0),
      probe: async () => {
        started.add(id);
        if (started.size === 4) allStarted();
        await together;
        return pass(`${id} answered`);
      },
    });
    const results = await runChecks(['a', 'b', 'c', 'd'].map(waitsForAll), { timeoutMs: 60_000 });
    expect(results.map((result) => result.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('a probe that ignores its timeout is cut off by the runner, and the others are not held up', async () => {
    const stuck: CheckSpec = { ...delayed('stuck', 0), probe: () => new Promise(() => undefined) };
    const results = await runChecks([stuck, delayed('quick', 0)], { timeoutMs: 300 });
    expect(results[0]).toMatchObject({ id: 'stuck', status: 'fail' });
    expect(results[0]?.cause).toMatch(/no answer within 0\.3 s/i);
    expect(results[1]).toMatchObject({ id: 'quick', status: 'pass' });
  });

  it('a probe that throws becomes a failure; it never hides the others', async () => {
    const broken: CheckSpec = { ...delayed('broken', 0), probe: async () => Promise.reject(new Error('boom')) };
    const results = await runChecks([broken, delayed('fine', 5)], { timeoutMs: 1_000 });
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ['broken', 'fail'],
      ['fine', 'pass'],
    ]);
  });

  it('cancellation stops every running probe and reports them skipped', async () => {
    // The probes never answer by themselves within the run's timeout: only the cancel, sent once
    // both are under way, can end them before their timeout would fail them.
    const controller = new AbortController();
    const log: string[] = [];
    const under = new Set<string>();
    const probeThenCancel = (id: string): CheckSpec => {
      const inner = delayed(id, 3_600_000, log);
      return {
        ...inner,
        probe: (context) => {
          under.add(id);
          if (under.size === 2) setImmediate(() => controller.abort());
          return inner.probe(context);
        },
      };
    };
    const results = await runChecks([probeThenCancel('x'), probeThenCancel('y')], {
      timeoutMs: 3_600_000,
      signal: controller.signal,
    });
    expect(results.map((result) => result.status)).toEqual(['skipped', 'skipped']);
    expect(log.sort()).toEqual(['x aborted', 'y aborted']);
  });

  it('orders worst first and knows when a critical check failed', async () => {
    const results = await runChecks(
      [
        delayed('ok', 1),
        { ...delayed('bad', 0), probe: async () => ({ status: 'fail', evidence: [], cause: 'c', remediation: 'r' }) },
      ],
      { timeoutMs: 1_000 },
    );
    expect(worstFirst(results).map((result) => result.id)).toEqual(['bad', 'ok']);
    expect(verdictOf(results)).toBe('not-ready');
  });
});

describe('the verdict never says Ready when a critical check could not look', () => {
  const critical = (id: string, probe: CheckSpec['probe']): CheckSpec => ({ ...delayed(id, 0), probe });
  it('a critical check that could not run makes it Incomplete, and says so', async () => {
    const results = await runChecks(
      [
        delayed('ok', 1),
        critical('host.os', async () =>
          skipped('Windows PowerShell is not available on this machine.', 'could-not-run'),
        ),
      ],
      { timeoutMs: 1_000 },
    );
    expect(results.find((result) => result.id === 'host.os')?.skip).toBe('could-not-run');
    expect(verdictOf(results)).toBe('incomplete');
    expect(verdictLine(results)).toMatch(/^Incomplete: 1 critical check\(s\) could not run/);
  });
  it('a check that does not apply here leaves it Ready', async () => {
    const results = await runChecks(
      [delayed('ok', 1), critical('ndes.app-pool', async () => skipped('NDES is not installed on this server.'))],
      { timeoutMs: 1_000 },
    );
    expect(verdictOf(results)).toBe('ready');
  });
  it('a cancelled run is Incomplete', async () => {
    const controller = new AbortController();
    const running = runChecks([delayed('slow', 5_000)], { timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    const results = await running;
    expect(results[0]?.skip).toBe('cancelled');
    expect(verdictOf(results)).toBe('incomplete');
  });
  it('a failure outranks a check that could not run', async () => {
    const results = await runChecks(
      [
        critical('a', async () => ({ status: 'fail', evidence: [], cause: 'c', remediation: 'r' })),
        critical('b', async () => skipped('x', 'could-not-run')),
      ],
      { timeoutMs: 1_000 },
    );
    expect(verdictOf(results)).toBe('not-ready');
  });
});
