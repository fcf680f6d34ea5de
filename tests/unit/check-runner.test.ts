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
  it('runs probes side by side: wall time is the slowest probe, not the sum', async () => {
    const started = Date.now();
    const results = await runChecks([delayed('a', 300), delayed('b', 300), delayed('c', 300), delayed('d', 50)], { timeoutMs: 5_000 });
    expect(results.map((result) => result.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('a probe that ignores its timeout is cut off by the runner, and the others are not held up', async () => {
    const stuck: CheckSpec = { ...delayed('stuck', 0), probe: () => new Promise(() => undefined) };
    const results = await runChecks([stuck, delayed('quick', 10)], { timeoutMs: 300 });
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
    const controller = new AbortController();
    const log: string[] = [];
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const results = await runChecks([delayed('x', 5_000, log), delayed('y', 5_000, log)], { timeoutMs: 10_000, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(results.map((result) => result.status)).toEqual(['skipped', 'skipped']);
    expect(log.sort()).toEqual(['x aborted', 'y aborted']);
  });

  it('orders worst first and knows when a critical check failed', async () => {
    const results = await runChecks([delayed('ok', 1), { ...delayed('bad', 0), probe: async () => ({ status: 'fail', evidence: [], cause: 'c', remediation: 'r' }) }], { timeoutMs: 1_000 });
    expect(worstFirst(results).map((result) => result.id)).toEqual(['bad', 'ok']);
    expect(verdictOf(results)).toBe('not-ready');
  });
});

describe('the verdict never says Ready when a critical check could not look', () => {
  const critical = (id: string, probe: CheckSpec['probe']): CheckSpec => ({ ...delayed(id, 0), probe });
  it('a critical check that could not run makes it Incomplete, and says so', async () => {
    const results = await runChecks([delayed('ok', 1), critical('host.os', async () => skipped('Windows PowerShell is not available on this machine.', 'could-not-run'))], { timeoutMs: 1_000 });
    expect(results.find((result) => result.id === 'host.os')?.skip).toBe('could-not-run');
    expect(verdictOf(results)).toBe('incomplete');
    expect(verdictLine(results)).toMatch(/^Incomplete: 1 critical check\(s\) could not run/);
  });
  it('a check that does not apply here leaves it Ready', async () => {
    const results = await runChecks([delayed('ok', 1), critical('ndes.app-pool', async () => skipped('NDES is not installed on this server.'))], { timeoutMs: 1_000 });
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
    const results = await runChecks([critical('a', async () => ({ status: 'fail', evidence: [], cause: 'c', remediation: 'r' })), critical('b', async () => skipped('x', 'could-not-run'))], { timeoutMs: 1_000 });
    expect(verdictOf(results)).toBe('not-ready');
  });
});
