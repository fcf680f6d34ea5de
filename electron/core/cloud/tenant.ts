import { GraphError, type Graph } from './graph.ts';
import { PORTAL } from './graph-causes.ts';

/** Directory role template ids (reference docs/reference/domain.md §4.3). */
export const ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  intuneAdministrator: '3a2c62db-5318-420d-8d74-23affee5d9d5',
} as const;

const ROLE_NAMES: Record<string, string> = {
  [ROLES.globalAdministrator]: 'Global Administrator',
  [ROLES.applicationAdministrator]: 'Application Administrator',
  [ROLES.cloudApplicationAdministrator]: 'Cloud Application Administrator',
  [ROLES.intuneAdministrator]: 'Intune Administrator',
};

/** Service plans that carry the licences (docs/reference/domain.md §4.3). */
const ENTRA_PREMIUM = ['AAD_PREMIUM', 'AAD_PREMIUM_P2'];
const INTUNE = ['INTUNE_A'];

export interface TenantFacts {
  tenantId: string;
  displayName: string;
  initialDomain: string | null;
  verifiedDomains: string[];
  activeRoles: { templateId: string; name: string }[];
  /** null: eligibility could not be read (no permission for it). */
  eligibleRoles: { templateId: string; name: string }[] | null;
  entraPremium: boolean;
  intuneLicence: boolean;
  appProxyEnabled: boolean | null;
  /** Connectors registered in the tenant, or null when they could not be read. */
  connectors: { machineName: string; status: string }[] | null;
  /** What Graph refused to show (roles, licences), in its own words: judged "could not check", never a pass. */
  unread: { what: 'roles' | 'licences'; why: string }[];
}

export interface TenantFinding {
  status: 'pass' | 'warn' | 'fail';
  message: string;
  remedy?: string;
}

const named = (templateId: string) => ({ templateId, name: ROLE_NAMES[templateId] ?? templateId });

/** What the sign-in step reads about the tenant and the signed-in admin, in one go (concurrently). */
export async function readTenantFacts(graph: Graph, signal?: AbortSignal): Promise<TenantFacts> {
  const options = signal ? { signal } : {};
  const unread: TenantFacts['unread'] = [];
  // The sign-in stands even when Graph will not show roles or licences: said as "could not check".
  const refusedAs = (what: 'roles' | 'licences') => (error: unknown) => {
    if (!(error instanceof GraphError) || error.status < 400 || error.status >= 500 || error.status === 429)
      throw error;
    unread.push({
      what,
      why: `${error.graphCode}${error.answer?.message ? `: ${error.answer.message.replace(/[.\s]+$/, '')}` : ''} (request id ${error.answer?.requestId ?? 'not given'})`,
    });
    return [];
  };
  const refusedAsNull = (error: unknown) => {
    if (error instanceof GraphError && (error.status === 403 || error.status === 404)) return null;
    throw error;
  };
  const [organization, roles, eligible, skus, appProxy, connectors] = await Promise.all([
    graph.get<{
      value: { id: string; displayName: string; verifiedDomains: { name: string; isInitial: boolean }[] }[];
    }>('/organization', options),
    // The OData cast is an advanced query: ConsistencyLevel eventual and $count (docs/reference/domain.md §5.4).
    graph
      .list<{ roleTemplateId: string }>('/me/transitiveMemberOf/microsoft.graph.directoryRole?$count=true', {
        ...options,
        headers: { ConsistencyLevel: 'eventual' },
      })
      .catch(refusedAs('roles')),
    // Eligibility is a help, not a requirement: any refusal (no permission, no PIM licence) leaves it unknown.
    graph
      .list<{ roleDefinitionId: string }>(
        "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
        options,
      )
      .catch((error: unknown) => {
        if (error instanceof GraphError && error.status >= 400 && error.status < 500) return null;
        throw error;
      }),
    graph
      .list<{ capabilityStatus: string; servicePlans: { servicePlanName: string; provisioningStatus: string }[] }>(
        '/subscribedSkus',
        { ...options, needs: 'Organization.Read.All (consented)' },
      )
      .catch(refusedAs('licences')),
    graph
      .get<{ isEnabled?: boolean }>('/onPremisesPublishingProfiles/applicationProxy', { ...options, version: 'beta' })
      .catch(refusedAsNull),
    graph
      .list<{ machineName: string; status: string }>('/onPremisesPublishingProfiles/applicationProxy/connectors', {
        ...options,
        version: 'beta',
      })
      .catch(refusedAsNull),
  ]);
  const org = organization.value[0];
  if (!org)
    throw new GraphError(
      'GRAPH_FAILED',
      'Microsoft Graph returned no organization for this sign-in.',
      'Sign in with an account of the tenant itself.',
      200,
      'no-organization',
    );
  // A subscription in its grace period ("Warning") still works.
  const plans = skus
    .filter((sku) => sku.capabilityStatus === 'Enabled' || sku.capabilityStatus === 'Warning')
    .flatMap((sku) =>
      sku.servicePlans.filter((plan) => plan.provisioningStatus === 'Success').map((plan) => plan.servicePlanName),
    );
  const active = new Set(roles.map((role) => role.roleTemplateId));
  return {
    tenantId: org.id,
    displayName: org.displayName,
    initialDomain: org.verifiedDomains.find((domain) => domain.isInitial)?.name ?? null,
    verifiedDomains: org.verifiedDomains.map((domain) => domain.name),
    activeRoles: [...active].map(named),
    eligibleRoles:
      eligible === null
        ? null
        : [...new Set(eligible.map((role) => role.roleDefinitionId))].filter((id) => !active.has(id)).map(named),
    entraPremium: plans.some((plan) => ENTRA_PREMIUM.includes(plan)),
    intuneLicence: plans.some((plan) => INTUNE.includes(plan)),
    appProxyEnabled: appProxy === null ? null : appProxy.isEnabled === true,
    connectors:
      connectors === null
        ? null
        : connectors.map((connector) => ({ machineName: connector.machineName, status: connector.status })),
    unread,
  };
}

/** What the admin can and cannot do here, each with what to do about it. */
export function judgeTenant(facts: TenantFacts): TenantFinding[] {
  const findings: TenantFinding[] = [];
  const has = (id: string) => facts.activeRoles.some((role) => role.templateId === id);
  const eligible = (id: string) => facts.eligibleRoles?.some((role) => role.templateId === id) ?? false;
  const unreadRoles = facts.unread.find((item) => item.what === 'roles');
  const unreadLicences = facts.unread.find((item) => item.what === 'licences');
  if (unreadRoles) {
    findings.push({
      status: 'fail',
      message: `Your directory roles could not be read (Microsoft Graph said ${unreadRoles.why}), so whether you may publish is not known.`,
      remedy: 'Sign out and sign in again; if it repeats, quote the request id to Microsoft support.',
    });
  } else if (has(ROLES.globalAdministrator) || has(ROLES.applicationAdministrator)) {
    findings.push({
      status: 'pass',
      message: `${has(ROLES.globalAdministrator) ? 'Global Administrator' : 'Application Administrator'} is active: the connector can be registered and the app published.`,
    });
  } else if (eligible(ROLES.applicationAdministrator) || eligible(ROLES.globalAdministrator)) {
    findings.push({
      status: 'fail',
      message: `You are eligible for ${eligible(ROLES.globalAdministrator) ? 'Global Administrator' : 'Application Administrator'} in Privileged Identity Management, but it is not active.`,
      remedy:
        'Activate the role in Microsoft Entra admin center > Identity Governance > Privileged Identity Management > My roles, then sign in again.',
    });
  } else if (has(ROLES.cloudApplicationAdministrator)) {
    findings.push({
      status: 'fail',
      message: 'Cloud Application Administrator is not enough: it covers enterprise apps except Application Proxy.',
      remedy: 'Use an account with Application Administrator (or Global Administrator).',
    });
  } else {
    findings.push({
      status: 'fail',
      message: 'Your account holds neither Application Administrator nor Global Administrator.',
      remedy: 'Sign in with an account that has Application Administrator, or have it assigned.',
    });
  }
  if (!unreadRoles && !has(ROLES.globalAdministrator) && !has(ROLES.intuneAdministrator)) {
    findings.push({
      status: 'warn',
      message:
        'Changing Intune SCEP profiles needs Intune Administrator or an Intune role with device configuration rights; neither directory role is active.',
      remedy: 'Check your Intune role (Intune admin center > Tenant administration > Roles) before step 9.',
    });
  }
  if (unreadLicences)
    findings.push({
      status: 'fail',
      message: `The licences could not be read (Microsoft Graph said ${unreadLicences.why}).`,
      remedy: `Have an administrator consent to Organization.Read.All for the organisation (${PORTAL.consent}), then sign in again.`,
    });
  else
    findings.push(
      facts.entraPremium
        ? { status: 'pass', message: 'Microsoft Entra ID P1 or P2 is licensed.' }
        : {
            status: 'fail',
            message: 'No Microsoft Entra ID P1 or P2 licence was found: Application Proxy needs one.',
            remedy: 'Add a P1 or P2 subscription (Microsoft 365 E3/E5 and EMS include P1).',
          },
    );
  if (!unreadLicences)
    findings.push(
      facts.intuneLicence
        ? { status: 'pass', message: 'Intune is licensed.' }
        : {
            status: 'warn',
            message: 'No Intune licence was found: the Intune SCEP profiles cannot be read or changed.',
            remedy: 'Add an Intune subscription before step 9.',
          },
    );
  const registered = facts.connectors ?? [];
  if (facts.appProxyEnabled === false && registered.length > 0) {
    // Turned off on purpose or by a lapsed licence: a new connector will not turn it back on.
    findings.push({
      status: 'fail',
      message: `Application proxy is turned off for this tenant, although ${registered.length} connector(s) are registered (${registered.map((connector) => `${connector.machineName}, ${connector.status}`).join('; ')}).`,
      remedy: `Turn it on: ${PORTAL.appProxy}; then sign in again or run the step.`,
    });
  } else if (facts.appProxyEnabled === false) {
    findings.push({
      status: 'warn',
      message: 'Application proxy is not enabled in this tenant yet, and no connector is registered.',
      remedy: `It is enabled when the first connector registers (step 4); if it stays off, ${PORTAL.appProxy}.`,
    });
  } else if (facts.appProxyEnabled === null)
    findings.push({
      status: 'fail',
      message:
        'Whether application proxy is enabled could not be read (Microsoft Graph refused: it takes Application Administrator or Global Administrator).',
      remedy: `Check ${PORTAL.appProxy}.`,
    });
  else findings.push({ status: 'pass', message: 'Application proxy is enabled.' });
  return findings;
}
