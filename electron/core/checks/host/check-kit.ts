import { CompanionError } from '../../errors.ts';
import { skipped, type CheckSpec, type Finding } from '../check.ts';
import type { HostFacts, RaCertificate } from './facts.ts';

export const DOTNET_472 = 461_808;
export const LIMIT = 65_534;
export const DAY = 86_400_000;
/**
 * How long the host facts may take: Windows PowerShell 5.1 starts cold in seconds on a busy
 * server, then appcmd, w32tm and whoami run. The runner stops PowerShell at this deadline and
 * says it was slow; the checks wait a little longer so that message, not a network one, wins.
 */
export const HOST_FACTS_TIMEOUT_MS = 90_000;

export type Ndes = NonNullable<HostFacts['ndes']>;
export type Judge = (facts: HostFacts, now: Date) => Finding;

/**
 * A fact Windows would not give: the check could not look, so it is skipped as "could not run"
 * with the reason (never a pass, and never a verdict about the server), and the verdict
 * becomes Incomplete.
 */
export function unreadable(facts: HostFacts, fact: string, what: string): Finding {
  const problem = facts.problems.find((entry) => entry.fact === fact);
  const reason = problem
    ? `${problem.message} (${problem.errorId}, ${problem.category})`
    : 'Windows did not report it.';
  const remediation =
    problem?.category === 'PermissionDenied'
      ? 'Start the companion with "Run as administrator" so it can read this setting, then run the checks again.'
      : `Read ${what} by hand on this server; if WMI or the registry is damaged, repair it and run the checks again.`;
  return skipped(`Could not run: ${what} could not be read. ${reason}`, 'could-not-run', remediation);
}

/**
 * When PowerShell could not read the server at all, a check did not look: it is skipped as
 * "could not run" with the reason (never passed), and the verdict becomes Incomplete.
 */
export function couldNotRead(error: unknown): Finding {
  if (error instanceof CompanionError && error.code === 'CANCELLED')
    return skipped('Cancelled before PowerShell finished.', 'cancelled');
  const message = error instanceof Error ? error.message : String(error);
  const remediation =
    error instanceof CompanionError
      ? error.remediation
      : 'Run the checks again; if it repeats, export the support bundle.';
  return skipped(`Could not run: PowerShell could not read this server. ${message}`, 'could-not-run', remediation);
}

/** A value Windows may hold as a DWORD or, when a script wrote it, the string "True"/"False". */
export function isOn(value: number | string | null): boolean {
  return value === 1 || (typeof value === 'string' && /^(1|true)$/i.test(value));
}

/** The newest valid RA certificate of a role, if any; old ones beside it are only leftovers. */
export function newestValid(certs: RaCertificate[], role: RaCertificate['role'], now: Date): RaCertificate | undefined {
  return certs
    .filter(
      (cert) =>
        cert.role === role &&
        new Date(cert.notBefore).getTime() <= now.getTime() &&
        new Date(cert.notAfter).getTime() > now.getTime(),
    )
    .sort((a, b) => new Date(b.notAfter).getTime() - new Date(a.notAfter).getTime())[0];
}

/**
 * Host and NDES/IIS checks, all judged from one PowerShell run (Get-HostReadiness.ps1).
 * `facts` is shared: however many checks there are, PowerShell starts once.
 */
/**
 * What every host and NDES check is made with, over one read of the host facts: `spec` (the
 * check, skipped for NDES where NDES is not installed), and judges of one fact that say when
 * Windows would not give it.
 */
export function checkKit(facts: () => Promise<HostFacts>) {
  const spec = (
    id: string,
    group: 'host' | 'ndes',
    title: string,
    severity: CheckSpec['severity'],
    docUrl: string,
    judge: Judge,
  ): CheckSpec => ({
    id,
    group,
    title,
    severity,
    docUrl,
    timeoutMs: HOST_FACTS_TIMEOUT_MS + 5_000,
    probe: async (context) => {
      let value: HostFacts;
      try {
        value = await facts();
      } catch (error) {
        return couldNotRead(error);
      }
      if (group === 'ndes' && value.ndes === null)
        return skipped('NDES is not installed on this server (the connector may run elsewhere).');
      return judge(value, context.now);
    },
  });
  /** Judges one NDES fact, or says why it could not be read. */
  const ndesFact =
    <K extends keyof Ndes>(
      key: K,
      what: string,
      judge: (value: NonNullable<Ndes[K]>, facts: HostFacts, now: Date) => Finding,
    ): Judge =>
    (facts, now) => {
      const ndes = facts.ndes as Ndes;
      const value = ndes[key];
      return value === null ? unreadable(facts, String(key), what) : judge(value as NonNullable<Ndes[K]>, facts, now);
    };
  const hostFact =
    <K extends keyof HostFacts>(
      key: K,
      what: string,
      judge: (value: NonNullable<HostFacts[K]>, facts: HostFacts, now: Date) => Finding,
    ): Judge =>
    (facts, now) => {
      const value = facts[key];
      return value === null
        ? unreadable(facts, String(key), what)
        : judge(value as NonNullable<HostFacts[K]>, facts, now);
    };
  return { facts, spec, ndesFact, hostFact };
}

export type CheckKit = ReturnType<typeof checkKit>;
