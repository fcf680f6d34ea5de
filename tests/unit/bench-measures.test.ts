import { describe, expect, it } from 'vitest';
import { CONCURRENCY_BUDGET, concurrencyRatio } from '../../tools/bench-measures.ts';

// The measure itself, on the numbers a run reports: timing a real run here would make the test
// depend on how busy the machine is, which is the bench's job, not a test's.
const probes = (...durations: number[]) => durations.map((durationMs) => ({ durationMs }));

describe("bench's readiness row compares one run with its own slowest probe", () => {
  it('is within budget when the probes ran at once (the run took about its slowest probe)', () => {
    expect(concurrencyRatio(probes(60, 55, 61, 58, 60, 59, 57, 62), 70)).toEqual({ ratio: 70 / 62, slowestMs: 62 });
    expect(concurrencyRatio(probes(60, 55, 61, 58, 60, 59, 57, 62), 70).ratio).toBeLessThanOrEqual(CONCURRENCY_BUDGET);
  });

  it('goes over budget when the probes ran one after another (the run took their sum)', () => {
    const durations = [60, 55, 61, 58, 60, 59, 57, 62];
    const sum = durations.reduce((total, ms) => total + ms, 0);
    expect(concurrencyRatio(probes(...durations), sum).ratio).toBeGreaterThan(CONCURRENCY_BUDGET);
  });

  it('a run a quarter longer than its slowest probe is the edge of the budget', () => {
    expect(concurrencyRatio(probes(100), 125).ratio).toBeLessThanOrEqual(CONCURRENCY_BUDGET);
    expect(concurrencyRatio(probes(100), 126).ratio).toBeGreaterThan(CONCURRENCY_BUDGET);
  });
});
