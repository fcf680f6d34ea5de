import { describe, expect, it } from 'vitest';
import { pass, runChecks, type CheckSpec } from '../../electron/core/checks/check.ts';
import { CONCURRENCY_BUDGET, concurrencyRatio } from '../../scripts/bench-measures.ts';

const probe = (index: number): CheckSpec => ({
  id: `probe-${index}`,
  group: 'outbound',
  title: `probe ${index}`,
  severity: 'info',
  docUrl: 'https://learn.microsoft.com/',
  probe: () => new Promise((resolve) => setTimeout(() => resolve(pass('waited')), 60)),
});

describe("bench's readiness row compares one run with its own slowest probe", () => {
  it('is within budget when the probes run at once', async () => {
    const specs = Array.from({ length: 8 }, (_, index) => probe(index));
    const started = performance.now();
    const results = await runChecks(specs, { timeoutMs: 5_000 });
    expect(concurrencyRatio(results, performance.now() - started).ratio).toBeLessThanOrEqual(CONCURRENCY_BUDGET);
  });

  it('goes over budget when the probes run one after another', async () => {
    const results = [];
    const started = performance.now();
    for (let index = 0; index < 8; index += 1) results.push(...(await runChecks([probe(index)], { timeoutMs: 5_000 })));
    expect(concurrencyRatio(results, performance.now() - started).ratio).toBeGreaterThan(CONCURRENCY_BUDGET);
  });
});
