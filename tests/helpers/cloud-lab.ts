import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { GraphCall } from '../lab/entra/fake-graph.ts';
import { startLabWorld, type LabWorld } from '../lab/world.ts';
import { repoRoot, testCompanion, type TestCompanion } from './companion.ts';

/**
 * One lab world for a test file (its servers started once, stopped and removed at the end), and a
 * companion signed in to the lab's Entra ID with a device code, the code "entered" as a person
 * would: what every cloud-step test starts from.
 */
export function useLab(prefix: string): { lab: () => LabWorld; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let lab: LabWorld | undefined;
  beforeAll(async () => {
    lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'lab') });
  });
  afterAll(async () => {
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    lab: () => {
      if (!lab) throw new Error('the lab has not started yet');
      return lab;
    },
  };
}

export async function signedInCompanion(
  lab: LabWorld,
  scenario: string,
): Promise<TestCompanion & { graphCalls: () => GraphCall[] }> {
  await lab.useScenario(scenario);
  const test = testCompanion({ lab: lab.config() });
  await test.companion.signIn().withDeviceCode((prompt) => lab.entra?.approveDeviceCode(prompt.userCode));
  const from = lab.graph?.calls.length ?? 0;
  return { ...test, graphCalls: () => lab.graph?.calls.slice(from) ?? [] };
}
