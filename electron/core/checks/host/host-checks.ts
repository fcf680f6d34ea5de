import type { CheckSpec } from '../check.ts';
import { checkKit } from './check-kit.ts';
import type { HostFacts } from './facts.ts';
import { ndesChecks } from './ndes-checks.ts';
import { serverChecks } from './server-checks.ts';

export { HOST_FACTS_TIMEOUT_MS } from './check-kit.ts';

/** The host and NDES checks, by group, over one read of the host facts (one PowerShell run). */
export function hostChecks(facts: () => Promise<HostFacts>): CheckSpec[] {
  const kit = checkKit(facts);
  return [...serverChecks(kit), ...ndesChecks(kit)];
}
