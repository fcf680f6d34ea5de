import { randomUUID } from 'node:crypto';
import type { CheckGroup, CheckReport, CheckResult } from '../../contract/model.ts';
import { CompanionError } from '../errors.ts';
import { docs } from '../runbook/docs.ts';
import { fail, pass, runChecks, skipped, worstFirst, type CheckSpec } from './check.ts';
import { verdictOf } from '../../contract/verdict.ts';
import type { Clock, HttpProbe, NetProbe, PowerShellRunner } from '../ports.ts';
import { outboundChecks } from './outbound/outbound-checks.ts';
import { HOST_FACTS_TIMEOUT_MS, hostChecks } from './host/host-checks.ts';
import type { HostFacts } from './host/facts.ts';
import { GUID, LONG_URL_KB, checkUrl, isLongUrlKb } from './input-rules.ts';
import type { CaCertBundle } from './scep/cacert.ts';
import { reachabilityChecks } from './scep/reachability.ts';

export type CheckScope = 'readiness' | 'verify' | 'all';

export interface CheckRequest {
  scope: CheckScope;
  internalUrl?: string;
  externalUrl?: string;
  proxyAddress?: string;
  /** Tenant GUID, for the connector's bootstrap endpoint <tenant>.bootstrap.msappproxy.net. */
  tenantId?: string;
  /** Only these groups (re-run one group); all of the scope's groups when absent. */
  groups?: CheckGroup[];
  timeoutMs: number;
  longUrlKb: number;
  verifiedDomains?: string[];
  /** How long Get-HostReadiness.ps1 may take (HOST_FACTS_TIMEOUT_MS unless a test shortens it). */
  hostFactsTimeoutMs?: number;
}

/** What the checks reach the world through: the probes, PowerShell and the clock. */
export interface CheckServices {
  powershell: PowerShellRunner;
  http: HttpProbe;
  net: NetProbe;
  now: Clock;
  /** Root fingerprints accepted besides Microsoft's service roots: the lab's own, none in a shipped build. */
  serviceRoots?: readonly string[];
}

export const SCOPE_GROUPS: Record<CheckScope, CheckGroup[]> = {
  readiness: ['host', 'ndes', 'outbound', 'scep-internal'],
  verify: ['scep-internal', 'scep-external'],
  all: ['host', 'ndes', 'outbound', 'scep-internal', 'scep-external'],
};

function refuse(message: string): never {
  throw new CompanionError('INVALID_REQUEST', message, 'Correct the URL and run the checks again.');
}

/** Validates the typed URLs first: bad input never reaches a probe. */
export function normalizeRequest(request: CheckRequest): CheckRequest & { notes: string[] } {
  const notes: string[] = [];
  const { internalUrl: _internal, externalUrl: _external, proxyAddress: _proxy, ...rest } = request;
  const out: CheckRequest & { notes: string[] } = { ...rest, notes };
  if (request.timeoutMs < 500 || request.timeoutMs > 120_000 || !Number.isFinite(request.timeoutMs))
    refuse('The probe timeout must be between 0.5 and 120 seconds.');
  if (!isLongUrlKb(request.longUrlKb))
    refuse(`The long-URL probe size must be a whole number of KB from ${LONG_URL_KB.min} to ${LONG_URL_KB.max}.`);
  for (const [key, role] of [
    ['internalUrl', 'internal'],
    ['externalUrl', 'external'],
    ['proxyAddress', 'proxy'],
  ] as const) {
    const raw = request[key];
    if (raw === undefined || raw.trim() === '') continue;
    const verdict = checkUrl(raw, role, { verifiedDomains: request.verifiedDomains ?? [] });
    const label = role === 'internal' ? 'Internal URL' : role === 'external' ? 'External URL' : 'Proxy address';
    if (!verdict.ok) refuse(`${label}: ${verdict.message}`);
    out[key] = verdict.normalized;
    notes.push(...verdict.notes.map((note) => `${label}: ${note}`));
  }
  for (const domain of request.verifiedDomains ?? []) {
    // A registered domain, at least two labels: "com" would admit every .com host.
    if (!/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/i.test(domain)) {
      throw new CompanionError(
        'INVALID_REQUEST',
        `Verified domain "${domain}" is not a domain name like contoso.com.`,
        'Type each custom domain verified in your tenant (Microsoft Entra admin center > Custom domain names) without https:// or a path, e.g. contoso.com.',
      );
    }
  }
  if (request.tenantId !== undefined && request.tenantId.trim() !== '') {
    const tenant = request.tenantId.trim();
    if (!GUID.test(tenant))
      refuse(
        'Tenant ID: type the directory (tenant) ID, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (Microsoft Entra admin center > Overview).',
      );
    out.tenantId = tenant.toLowerCase();
  } else {
    delete out.tenantId;
  }
  if (request.scope === 'verify' && !out.externalUrl)
    refuse('Verify needs the external URL (https://<app>-<tenant>.msappproxy.net/) from the Publish step.');
  return out;
}

/** The checks of one run, as data plus probes; PowerShell starts at most once for all of them. */
export function buildChecks(request: CheckRequest, services: CheckServices, signal?: AbortSignal): CheckSpec[] {
  const groups = new Set(request.groups ?? SCOPE_GROUPS[request.scope]);
  const specs: CheckSpec[] = [];
  if (groups.has('host') || groups.has('ndes')) {
    let facts: Promise<HostFacts> | undefined;
    // Cancelling the run stops PowerShell too, not just the checks waiting on it.
    const once = () =>
      (facts ??= services.powershell
        .run('Get-HostReadiness', {
          timeoutMs: request.hostFactsTimeoutMs ?? HOST_FACTS_TIMEOUT_MS,
          ...(signal ? { signal } : {}),
        })
        .then((run) => run.data));
    specs.push(...hostChecks(once).filter((spec) => groups.has(spec.group)));
  }
  if (groups.has('outbound'))
    specs.push(
      ...outboundChecks({
        net: services.net,
        ...(request.proxyAddress ? { proxy: request.proxyAddress } : {}),
        ...(request.tenantId ? { tenantId: request.tenantId } : {}),
        ...(services.serviceRoots ? { serviceRoots: services.serviceRoots } : {}),
      }),
    );
  // Each GetCACert probe settles its role's bundle exactly once; the same-CA check awaits both.
  const bundleSetters: Partial<Record<'internal' | 'external', (bundle: CaCertBundle | null) => void>> = {};
  const bundles = {
    internal: new Promise<CaCertBundle | null>((resolve) => (bundleSetters.internal = resolve)),
    external: new Promise<CaCertBundle | null>((resolve) => (bundleSetters.external = resolve)),
  };
  for (const role of ['internal', 'external'] as const) {
    const group: CheckGroup = role === 'internal' ? 'scep-internal' : 'scep-external';
    const baseUrl = role === 'internal' ? request.internalUrl : request.externalUrl;
    if (!groups.has(group) || !baseUrl) bundleSetters[role]?.(null);
    if (!groups.has(group)) continue;
    if (!baseUrl) {
      specs.push({
        id: `${role}.url`,
        group,
        title: `SCEP checks at the ${role} URL`,
        severity: 'info',
        docUrl: docs.protectNdes,
        probe: async () => skipped(`No ${role} URL given.`),
      });
      continue;
    }
    specs.push(
      ...reachabilityChecks({
        baseUrl,
        role,
        probe: services.http,
        longUrlKb: request.longUrlKb,
        ...(request.proxyAddress ? { proxy: request.proxyAddress } : {}),
        onCaBundle: (bundle) => bundleSetters[role]?.(bundle),
      }),
    );
  }
  if (groups.has('scep-external') && request.internalUrl && request.externalUrl) {
    specs.push({
      id: 'external.same-ca',
      group: 'scep-external',
      title: 'The same CA answers through both URLs',
      severity: 'critical',
      docUrl: docs.protectNdes,
      probe: async (context) => {
        const cancelled = new Promise<null>((resolve) =>
          context.signal.addEventListener('abort', () => resolve(null), { once: true }),
        );
        const [internalBundle, externalBundle] = await Promise.all([
          Promise.race([bundles.internal, cancelled]),
          Promise.race([bundles.external, cancelled]),
        ]);
        const ca = (bundle: CaCertBundle | null) => bundle?.certificates.find((cert) => cert.role === 'ca');
        const internal = ca(internalBundle);
        const external = ca(externalBundle);
        if (!internal || !external)
          return skipped(
            'GetCACert did not return a CA certificate through both URLs (see above), so they could not be compared.',
            'could-not-run',
            'Fix the GetCACert failures above, then run the checks again.',
          );
        const evidence = [
          `internal CA ${internal.subject} SHA-256 ${internal.sha256}`,
          `external CA ${external.subject} SHA-256 ${external.sha256}`,
        ];
        return internal.sha256 === external.sha256
          ? pass(...evidence)
          : fail(
              'The external URL reaches a different SCEP server than the internal URL: devices would trust the wrong CA.',
              'Check the internal URL published in the application points at this NDES server.',
              evidence,
            );
      },
    });
  }
  return specs;
}

export async function runCheckSuite(
  request: CheckRequest,
  services: CheckServices,
  options: { signal?: AbortSignal; runId?: string; onResult?: (result: CheckResult) => void } = {},
): Promise<CheckReport> {
  const normalized = normalizeRequest(request);
  const startedAt = services.now().toISOString();
  const results = await runChecks(buildChecks(normalized, services, options.signal), {
    timeoutMs: normalized.timeoutMs,
    now: services.now,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
  });
  return {
    runId: options.runId ?? randomUUID(),
    startedAt,
    finishedAt: services.now().toISOString(),
    results: worstFirst(results),
    verdict: verdictOf(results),
    passed: verdictOf(results) === 'ready',
    notes: normalized.notes,
  };
}
