import type { StepResult } from '../steps/step.ts';
import { GraphError, type Graph } from './graph.ts';
import { PORTAL } from './graph-causes.ts';
import { ROLES } from './tenant.ts';

/**
 * Before the first write of a cloud step: may this admin, in this tenant, make the change at all?
 * Read fresh from Microsoft Graph each time (a sign-in an hour old says nothing about a role
 * activated or expired since): the active directory roles, the licences, and for publishing
 * whether application proxy is enabled. Anything missing refuses the step before it writes;
 * a read Graph refuses is "could not check", which refuses too (reference docs/reference/domain.md §4.3, §5.3, §5.4).
 * Pointing Intune at the external URL also needs application proxy on; rolling Intune back does not,
 * since going back to the internal URL is the way out when application proxy fails.
 */
export type CloudChange = 'publish' | 'intune-apply' | 'intune-rollback';

export interface PreflightCheck {
  name: 'role' | 'licence' | 'application proxy' | 'Intune permission';
  status: 'ok' | 'missing' | 'could not check';
  message: string;
  remedy?: string;
}

export interface Preflight {
  ready: boolean;
  checks: PreflightCheck[];
}

export interface PreflightOptions {
  signal?: AbortSignal;
  /** The delegated permissions the sign-in's token carries, or null when they cannot be told. */
  grantedScopes?: () => Promise<string[] | null>;
}

type Read<T> = { ok: true; value: T } | { ok: false; why: string };

/** A read Graph refuses (4xx) becomes "could not check", with Graph's own words; anything else stops the step. */
async function read<T>(what: Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await what };
  } catch (error) {
    if (
      error instanceof GraphError &&
      error.status >= 400 &&
      error.status < 500 &&
      error.status !== 401 &&
      error.status !== 429
    ) {
      return {
        ok: false,
        why: `${error.graphCode}${error.answer?.message ? `: ${error.answer.message.replace(/[.\s]+$/, '')}` : ''} (request id ${error.answer?.requestId ?? 'not given'})`,
      };
    }
    throw error;
  }
}

const PROFILE = '/onPremisesPublishingProfiles/applicationProxy';
const WRITE_CONFIGURATIONS = 'DeviceManagementConfiguration.ReadWrite.All';

export interface PreflightFacts {
  roles: Read<string[]>;
  plans: Read<string[]>;
  /** null: Graph answered without isEnabled. */
  appProxy?: Read<boolean | null>;
  connectors?: Read<{ machineName: string; status: string }[]>;
  scopes?: string[] | null;
}

export async function readPreflightFacts(
  graph: Graph,
  change: CloudChange,
  options: PreflightOptions = {},
): Promise<PreflightFacts> {
  const signal = options.signal ? { signal: options.signal } : {};
  const [roles, plans, appProxy, connectors, scopes] = await Promise.all([
    read(
      graph
        .list<{ roleTemplateId: string }>('/me/transitiveMemberOf/microsoft.graph.directoryRole?$count=true', {
          ...signal,
          headers: { ConsistencyLevel: 'eventual' },
        })
        .then((items) => items.map((role) => role.roleTemplateId)),
    ),
    read(
      graph
        .list<{ capabilityStatus: string; servicePlans: { servicePlanName: string; provisioningStatus: string }[] }>(
          '/subscribedSkus',
          signal,
        )
        .then((skus) =>
          skus
            .filter((sku) => sku.capabilityStatus === 'Enabled' || sku.capabilityStatus === 'Warning')
            .flatMap((sku) =>
              sku.servicePlans
                .filter((plan) => plan.provisioningStatus === 'Success')
                .map((plan) => plan.servicePlanName),
            ),
        ),
    ),
    change !== 'intune-rollback'
      ? read(
          graph
            .get<{ isEnabled?: boolean }>(PROFILE, { ...signal, version: 'beta' })
            .then((profile) => (typeof profile.isEnabled === 'boolean' ? profile.isEnabled : null)),
        )
      : Promise.resolve(undefined),
    change !== 'intune-rollback'
      ? read(
          graph.list<{ machineName: string; status: string }>(`${PROFILE}/connectors`, { ...signal, version: 'beta' }),
        )
      : Promise.resolve(undefined),
    change !== 'publish' && options.grantedScopes ? options.grantedScopes() : Promise.resolve(undefined),
  ]);
  return {
    roles,
    plans,
    ...(appProxy ? { appProxy } : {}),
    ...(connectors ? { connectors } : {}),
    ...(scopes !== undefined ? { scopes } : {}),
  };
}

const couldNot = (name: PreflightCheck['name'], what: string, why: string, remedy: string): PreflightCheck => ({
  name,
  status: 'could not check',
  message: `Could not check ${what}: Microsoft Graph refused the read (${why}).`,
  remedy,
});

function judgeAppProxy(facts: PreflightFacts, then: string): PreflightCheck {
  const appProxy = facts.appProxy;
  const admin =
    facts.roles.ok &&
    (facts.roles.value.includes(ROLES.globalAdministrator) ||
      facts.roles.value.includes(ROLES.applicationAdministrator));
  if (!appProxy || !appProxy.ok || appProxy.value === null) {
    const why = appProxy && !appProxy.ok ? appProxy.why : 'Graph gave no isEnabled';
    // Refused although the role allows it: a permission the sign-in lacks, not a role to get.
    const remedy = admin
      ? `Your role may read it, so the sign-in may lack a permission for it: have an administrator consent for the organisation (${PORTAL.consent}), sign in again, and if it repeats, quote the request id to Microsoft support.`
      : 'Sign in with Application Administrator (or Global Administrator), which may read it.';
    return couldNot('application proxy', 'whether application proxy is enabled', why, remedy);
  }
  if (appProxy.value)
    return { name: 'application proxy', status: 'ok', message: 'Application proxy is enabled for the tenant.' };
  const unlicensed =
    facts.plans.ok && !facts.plans.value.some((plan) => plan === 'AAD_PREMIUM' || plan === 'AAD_PREMIUM_P2');
  // "Enable application proxy" stays greyed out until P1/P2 is back (docs/reference/domain.md §4.3).
  const turnOn = `${unlicensed ? 'Restore the Microsoft Entra ID P1 or P2 licence first, then turn' : 'Turn'} it on: ${PORTAL.appProxy}; then run this step again.`;
  const connectors = facts.connectors;
  if (!connectors || !connectors.ok)
    return {
      name: 'application proxy',
      status: 'missing',
      message: `Application proxy is turned off for this tenant (the connectors could not be read: ${connectors && !connectors.ok ? connectors.why : 'not read'}); ${then}.`,
      remedy: turnOn,
    };
  if (connectors.value.length > 0) {
    const active = connectors.value.filter((connector) => connector.status === 'active');
    return {
      name: 'application proxy',
      status: 'missing',
      message: `Application proxy is turned off for this tenant, although ${connectors.value.length} connector(s) are registered (${active.length} active: ${active.map((connector) => connector.machineName).join(', ') || 'none'}); ${then}.`,
      remedy: turnOn,
    };
  }
  return {
    name: 'application proxy',
    status: 'missing',
    message: `Application proxy is not enabled for this tenant yet, and no connector is registered; ${then}.`,
    remedy: `Register this server's connector (step 4): the service is enabled with the first connector; if it stays off, ${PORTAL.appProxy}.`,
  };
}

/** Global Administrator, or the role the change needs, active now; otherwise what is missing and where to get it. */
function judgeRole(
  facts: PreflightFacts,
  role: { id: string; name: string },
  missing: { message: string; remedy: string },
): PreflightCheck {
  if (!facts.roles.ok)
    return couldNot(
      'role',
      'your directory roles',
      facts.roles.why,
      `Sign in with an account that holds ${role.name} (or Global Administrator): ${PORTAL.roles}.`,
    );
  if (facts.roles.value.includes(ROLES.globalAdministrator))
    return { name: 'role', status: 'ok', message: 'Global Administrator is active.' };
  if (facts.roles.value.includes(role.id)) return { name: 'role', status: 'ok', message: `${role.name} is active.` };
  return { name: 'role', status: 'missing', ...missing };
}

function judgeLicence(
  facts: PreflightFacts,
  plans: string[],
  ok: string,
  missing: { message: string; remedy: string },
): PreflightCheck {
  if (!facts.plans.ok)
    return couldNot(
      'licence',
      'the licences',
      facts.plans.why,
      `Have an administrator consent to Organization.Read.All for the organisation (${PORTAL.consent}), then sign in again.`,
    );
  const held = facts.plans.value;
  return plans.some((plan) => held.includes(plan))
    ? { name: 'licence', status: 'ok', message: ok }
    : { name: 'licence', status: 'missing', ...missing };
}

export function judgePreflight(facts: PreflightFacts, change: CloudChange): Preflight {
  const checks: PreflightCheck[] = [];
  if (change === 'publish') {
    const cloudAppAdmin = facts.roles.ok && facts.roles.value.includes(ROLES.cloudApplicationAdministrator);
    checks.push(
      judgeRole(
        facts,
        { id: ROLES.applicationAdministrator, name: 'Application Administrator' },
        {
          message: cloudAppAdmin
            ? 'Cloud Application Administrator is active, but it covers every part of enterprise applications except application proxy.'
            : 'Neither Application Administrator nor Global Administrator is active for your account.',
          remedy: `Have Application Administrator assigned (${PORTAL.roles}), or activate it if you are eligible (${PORTAL.pim}); then sign in again.`,
        },
      ),
      judgeLicence(facts, ['AAD_PREMIUM', 'AAD_PREMIUM_P2'], 'Microsoft Entra ID P1 or P2 is licensed.', {
        message: 'The tenant has no Microsoft Entra ID P1 or P2 licence, which application proxy needs.',
        remedy: `Add Microsoft Entra ID P1 or P2: ${PORTAL.licences}.`,
      }),
      judgeAppProxy(facts, 'apps published now would not answer'),
    );
    return { ready: checks.every((check) => check.status === 'ok'), checks };
  }
  checks.push(
    judgeRole(
      facts,
      { id: ROLES.intuneAdministrator, name: 'Intune Administrator' },
      {
        message:
          'Neither Intune Administrator nor Global Administrator is active for your account, so changing device configurations cannot be confirmed (an Intune role with device configuration rights cannot be read from here).',
        remedy: `Activate Intune Administrator (${PORTAL.pim}) or have it assigned (${PORTAL.roles}), then sign in again; with an Intune role instead (${PORTAL.intuneRoles}), change the profiles by hand as this step's manual steps say.`,
      },
    ),
    judgeLicence(facts, ['INTUNE_A'], 'Intune is licensed.', {
      message: "The tenant has no Intune licence: Intune's Graph API answers only an Intune-licensed tenant.",
      remedy: `Add an Intune licence: ${PORTAL.licences}.`,
    }),
  );
  if (facts.scopes === null || facts.scopes === undefined)
    checks.push({
      name: 'Intune permission',
      status: 'could not check',
      message: `Could not tell whether the sign-in carries ${WRITE_CONFIGURATIONS}.`,
      remedy: 'Sign out and sign in again (ndes-companion logout, then login).',
    });
  else if (
    facts.scopes.some((scope) => scope.replace(/^.*\//, '').toLowerCase() === WRITE_CONFIGURATIONS.toLowerCase())
  )
    checks.push({ name: 'Intune permission', status: 'ok', message: `The sign-in carries ${WRITE_CONFIGURATIONS}.` });
  else
    checks.push({
      name: 'Intune permission',
      status: 'missing',
      message: `The sign-in does not carry ${WRITE_CONFIGURATIONS}: an administrator has not consented to it.`,
      remedy: `Grant admin consent once (${PORTAL.consent}), then sign in again.`,
    });
  if (change === 'intune-apply')
    checks.push(judgeAppProxy(facts, 'devices sent to the external URL would not reach NDES'));
  return { ready: checks.every((check) => check.status === 'ok'), checks };
}

export async function preflight(graph: Graph, change: CloudChange, options: PreflightOptions = {}): Promise<Preflight> {
  return judgePreflight(await readPreflightFacts(graph, change, options), change);
}

export const preflightLine = (check: PreflightCheck): string =>
  `Before any change, ${check.name}: ${check.status === 'ok' ? 'OK' : check.status.toUpperCase()}. ${check.message}`;

/** The step's answer when the preflight refuses: nothing was changed, what is missing, and how to fix each. */
export function refusal(result: Preflight, what: string): StepResult {
  const open = result.checks.filter((check) => check.status !== 'ok');
  return {
    passed: false,
    summary: `Refused, nothing was changed (${what}, checked first): ${open.map((check) => check.message).join(' ')}`,
    remedy: [...new Set(open.map((check) => check.remedy).filter(Boolean))].join(' '),
    details: result.checks.map(preflightLine),
  };
}
