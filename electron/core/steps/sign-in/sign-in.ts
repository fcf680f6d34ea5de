import { GUID } from '../../checks/input-rules.ts';
import type { PlannedAction } from '../../../contract/model.ts';
import { CompanionError } from '../../errors.ts';
import { INPUT_REFUSED, type StepContext, type StepResult } from '../step.ts';
import { cloudOf, type CloudProfile } from '../../cloud/clouds.ts';
import { cloudServicesOf } from '../../services.ts';
import { DEFAULT_GRAPH_CLIENT_ID, GRAPH_PERMISSIONS } from '../../cloud/sign-in.ts';
import { judgeTenant, readTenantFacts, type TenantFacts, type TenantFinding } from '../../cloud/tenant.ts';

const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

function choiceOf(inputs: Record<string, string>): { cloud: CloudProfile; tenant?: string } {
  const cloud = cloudOf(inputs.cloud);
  const tenant = inputs.tenant?.trim() ?? '';
  if (tenant !== '' && !GUID.test(tenant) && !DOMAIN.test(tenant)) {
    throw new CompanionError(
      'INVALID_REQUEST',
      `"${tenant.slice(0, 80)}" is not a tenant ID or domain.`,
      'Give the tenant ID (a GUID) or a domain of the tenant such as contoso.onmicrosoft.com, or leave it empty.',
    );
  }
  return { cloud, ...(tenant ? { tenant: tenant.toLowerCase() } : {}) };
}

function methodOf(inputs: Record<string, string>): 'device code' | 'browser' {
  const value = inputs.method?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'device code' || value === 'device-code') return 'device code';
  if (value === 'browser') return 'browser';
  throw new CompanionError(
    'INVALID_REQUEST',
    `"${value.slice(0, 40)}" is not a sign-in method.`,
    'Choose device code or browser.',
  );
}

export function signInPlan(inputs: Record<string, string>): PlannedAction[] {
  let choice: { cloud: CloudProfile; tenant?: string };
  let method: 'device code' | 'browser';
  try {
    choice = choiceOf(inputs);
    method = methodOf(inputs);
  } catch (error) {
    return [{ kind: 'manual', title: INPUT_REFUSED, detail: (error as Error).message, changesSystem: false }];
  }
  const authority = `https://${choice.cloud.authorityHost}/${choice.tenant ?? 'organizations'}`;
  const graph = choice.cloud.graph;
  return [
    method === 'browser'
      ? {
          kind: 'graph',
          title: "Sign in in this server's browser (MSAL), unless already signed in",
          detail: `GET ${authority}/oauth2/v2.0/authorize (auth code + PKCE, redirect http://localhost:<free port>, form_post; client ${DEFAULT_GRAPH_CLIENT_ID}, Microsoft Graph Command Line Tools; delegated ${GRAPH_PERMISSIONS.join(', ')}), then POST ${authority}/oauth2/v2.0/token`,
          changesSystem: false,
        }
      : {
          kind: 'graph',
          title: 'Sign in with a device code (MSAL), unless already signed in',
          detail: `POST ${authority}/oauth2/v2.0/devicecode (client ${DEFAULT_GRAPH_CLIENT_ID}, Microsoft Graph Command Line Tools; delegated ${GRAPH_PERMISSIONS.join(', ')}); the code is shown here, typed in any browser`,
          changesSystem: false,
        },
    {
      kind: 'graph',
      title: 'Read the tenant and its domains',
      detail: `GET ${graph}/v1.0/organization`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Read your active directory roles',
      detail: `GET ${graph}/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole?$count=true (ConsistencyLevel: eventual)`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Read the roles you are eligible for in PIM',
      detail: `GET ${graph}/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Read licences (Entra ID P1/P2, Intune)',
      detail: `GET ${graph}/v1.0/subscribedSkus`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Check Application Proxy is enabled',
      detail: `GET ${graph}/beta/onPremisesPublishingProfiles/applicationProxy`,
      changesSystem: false,
    },
    {
      kind: 'graph',
      title: 'Read the connectors registered (application proxy turned off with connectors present is a failure)',
      detail: `GET ${graph}/beta/onPremisesPublishingProfiles/applicationProxy/connectors`,
      changesSystem: false,
    },
  ];
}

function result(who: { username: string }, facts: TenantFacts, findings: TenantFinding[]): StepResult {
  const failed = findings.find((finding) => finding.status === 'fail');
  const details = [
    `Tenant ${facts.displayName} (${facts.tenantId}); initial domain ${facts.initialDomain ?? 'unknown'}; verified domains ${facts.verifiedDomains.join(', ')}`,
    `Active roles: ${facts.activeRoles.map((role) => role.name).join(', ') || 'none'}`,
    `Eligible roles (PIM): ${facts.eligibleRoles === null ? 'could not be read' : facts.eligibleRoles.map((role) => role.name).join(', ') || 'none'}`,
    ...findings.map(
      (finding) =>
        `${finding.status.toUpperCase()} ${finding.message}${finding.remedy ? ` What to do: ${finding.remedy}` : ''}`,
    ),
  ];
  const summary = `Signed in as ${who.username} to ${facts.displayName} (${facts.tenantId}).${failed ? ` ${failed.message}` : ' Roles, licence and Application Proxy are in order.'}`;
  return { passed: !failed, summary, ...(failed?.remedy ? { remedy: failed.remedy } : {}), details, evidence: facts };
}

export async function runSignIn(context: StepContext): Promise<StepResult> {
  const cloudServices = cloudServicesOf(context);
  const choice = choiceOf(context.inputs);
  const request = {
    cloud: choice.cloud.name,
    ...(choice.tenant ? { tenant: choice.tenant } : {}),
    ...(context.inputs.proxy?.trim() ? { proxy: context.inputs.proxy.trim() } : {}),
  };
  const session = cloudServices.signIn(request);
  let who = await session.current();
  if (who && choice.tenant && GUID.test(choice.tenant) && who.tenantId.toLowerCase() !== choice.tenant) who = null;
  if (!who) {
    const method = methodOf(context.inputs);
    if (context.whatIf)
      return {
        passed: true,
        summary: `-WhatIf: nobody is signed in yet; Run starts a ${method === 'browser' ? 'browser' : 'device-code'} sign-in. Nothing was sent.`,
      };
    if (method === 'browser') {
      const open = cloudServices.openSignInBrowser;
      if (!open)
        throw new CompanionError(
          'NOT_AVAILABLE',
          'This host has no browser to open for the sign-in.',
          'Choose the device code sign-in.',
        );
      context.progress("Opening the sign-in page in this server's browser; finish the sign-in there and return here.");
      who = await session.withBrowser(open, context.signal);
    } else {
      context.progress('Starting a device-code sign-in with Microsoft Entra ID.');
      who = await session.withDeviceCode(
        (prompt) =>
          context.progress(
            `To sign in, open ${prompt.verificationUri} in any browser and enter the code ${prompt.userCode} (it expires in ${Math.round(prompt.expiresInSeconds / 60)} minutes).`,
            'warn',
          ),
        context.signal,
      );
    }
    context.progress(`Signed in as ${who.username}.`);
  }
  const facts = await readTenantFacts(cloudServices.graph(request, context.runId), context.signal);
  const mismatch = wrongTenant(choice.tenant, facts);
  if (mismatch) return mismatch;
  return result(who, facts, judgeTenant(facts));
}

/** A tenant asked for by domain that the signed-in tenant does not hold. */
function wrongTenant(tenant: string | undefined, facts: TenantFacts): StepResult | null {
  if (!tenant || GUID.test(tenant) || facts.verifiedDomains.some((domain) => domain.toLowerCase() === tenant))
    return null;
  return {
    passed: false,
    summary: `Signed in to ${facts.displayName} (${facts.tenantId}), which does not hold the domain ${tenant}.`,
    remedy:
      'Sign out (ndes-companion logout) and sign in to the tenant that holds the domain, or clear the tenant field.',
  };
}

/** Never prompts: who is signed in now, and what Graph says about the tenant and the admin. */
export async function verifySignIn(context: StepContext): Promise<StepResult> {
  const cloudServices = cloudServicesOf(context);
  const choice = choiceOf(context.inputs);
  const request = { cloud: choice.cloud.name, ...(choice.tenant ? { tenant: choice.tenant } : {}) };
  const who = await cloudServices.signIn(request).current();
  if (!who)
    return {
      passed: false,
      summary: 'Nobody is signed in.',
      remedy: 'Run this step (a device code), or ndes-companion login --device-code.',
    };
  const facts = await readTenantFacts(cloudServices.graph(request, context.runId), context.signal);
  return wrongTenant(choice.tenant, facts) ?? result(who, facts, judgeTenant(facts));
}
