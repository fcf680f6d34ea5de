import type { CheckResult } from '../electron/contract/model.ts';

/**
 * Readiness runs its probes at once, so one run's wall time should be close to its own slowest
 * probe. Both numbers come from the same run: a runner that took the probes one after another
 * would show a wall time near the sum of the probes, and a ratio far over budget.
 */
export function concurrencyRatio(
  results: readonly Pick<CheckResult, 'durationMs'>[],
  wallMs: number,
): { ratio: number; slowestMs: number } {
  const slowestMs = Math.max(...results.map((result) => result.durationMs));
  return { ratio: wallMs / slowestMs, slowestMs };
}

export const CONCURRENCY_BUDGET = 1.25;
