/**
 * What a refusal from Microsoft Graph means, said by its cause rather than by its status alone.
 * Microsoft Graph's error responses (learn.microsoft.com/graph/errors, docs/reference/graph-errors.md)
 * carry an HTTP status, a code and a message; a 403 means the signed-in user lacks a role or
 * permission, or the tenant lacks a licence, so the code and text decide which. The preflight
 * (preflight.ts) reads role, licence and feature flags before any write, so what reaches here
 * after it is the rare case: each cause still gets its own remedy, and a refusal nobody has seen
 * gets Graph's own words and the request id to quote to Microsoft support.
 */
export type GraphCause =
  | 'role'
  | 'licence'
  | 'consent'
  | 'conditional-access'
  | 'app-proxy-off'
  | 'throttled'
  | 'not-found'
  | 'bad-request'
  | 'conflict'
  | 'unknown';

const LICENCE = /licen[cs]e|premium|subscription|\bsku\b/i;
const APP_PROXY_OFF =
  /application proxy (is )?(not enabled|disabled|turned off)|app proxy (is )?(not enabled|disabled)|applicationProxy.*(not enabled|disabled)/i;

export function causeOf(status: number, code: string, message: string): GraphCause {
  if (status === 429 || code === 'throttled') return 'throttled';
  if (status === 403 || status === 401) {
    if (/insufficient_claims/i.test(`${code} ${message}`)) return 'conditional-access';
    if (/AADSTS65001|consent/i.test(message)) return 'consent';
    if (APP_PROXY_OFF.test(message)) return 'app-proxy-off';
    if (LICENCE.test(message)) return 'licence';
    return status === 403 ? 'role' : 'unknown';
  }
  if (status === 400 && APP_PROXY_OFF.test(message)) return 'app-proxy-off';
  if (status === 400 && LICENCE.test(message)) return 'licence';
  if (status === 400) return 'bad-request';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  return 'unknown';
}

/** Where each fix is made, named once so every message says it the same way (docs/reference/domain.md §4.3, §5.3). */
export const PORTAL = {
  roles: 'Microsoft Entra admin center > Identity > Roles & admins > Roles & admins',
  pim: 'Microsoft Entra admin center > Identity Governance > Privileged Identity Management > My roles',
  licences:
    'Microsoft 365 admin center > Billing > Purchase services (Microsoft 365 E3/E5 and EMS E3/E5 include Microsoft Entra ID P1 and Intune)',
  appProxy: 'Microsoft Entra admin center > Global Secure Access > Connect > Connectors: "Enable application proxy"',
  consent:
    'an administrator who may consent (Global Administrator, Privileged Role Administrator, Application Administrator or Cloud Application Administrator) signs in with the companion once and ticks "Consent on behalf of your organization"',
  intuneRoles: 'Intune admin center > Tenant administration > Roles',
} as const;

export interface Refusal {
  status: number;
  code: string;
  message: string;
  requestId: string | null;
  method: string;
  path: string;
}

const quoted = (refusal: Refusal) =>
  `Microsoft Graph said: ${refusal.code}${refusal.message ? `: ${refusal.message.replace(/[.\s]+$/, '')}` : ''} (request id ${refusal.requestId ?? 'not given'})`;

/** The message and remedy for a refused call; `needs` is the role the call needs, when the caller knows it. */
export function explainRefusal(refusal: Refusal, needs?: string): { message: string; remedy: string } {
  const what = `Microsoft Graph refused ${refusal.method} ${refusal.path}`;
  const said = quoted(refusal);
  switch (causeOf(refusal.status, refusal.code, refusal.message)) {
    case 'consent':
      return {
        message: `${what}: an administrator has not consented to the permission it needs. ${said}.`,
        remedy: `Consent once for the organisation: ${PORTAL.consent}${needs ? `; this call needs ${needs}` : ''}.`,
      };
    case 'conditional-access':
      return {
        message: `${what}: a Conditional Access policy asks for more than this sign-in gave. ${said}.`,
        remedy:
          'Sign out (ndes-companion logout) and sign in again, meeting the policy (multifactor authentication, a compliant device); or ask whoever owns the policy.',
      };
    case 'app-proxy-off':
      return {
        message: `${what}: application proxy is turned off for this tenant. ${said}.`,
        remedy: `Turn it on: ${PORTAL.appProxy}; then run this step again.`,
      };
    case 'licence':
      return {
        message: `${what}: the tenant lacks a licence this needs. ${said}.`,
        remedy: `Add the licence: ${PORTAL.licences}. Application proxy needs Microsoft Entra ID P1 or P2; the SCEP profiles need Intune. Then run this step again.`,
      };
    case 'role':
      return {
        message: `${what}: the signed-in account may not do this. ${said}.`,
        remedy: `${needs ? `This needs ${needs}. ` : ''}Have the role assigned (${/intune/i.test(needs ?? '') ? `${PORTAL.intuneRoles}, or ` : ''}${PORTAL.roles}), or activate it (${PORTAL.pim}); then sign in again (ndes-companion login) and run this step again.`,
      };
    case 'bad-request':
      return {
        message: `${what}: the request was not accepted. ${said}.`,
        remedy:
          "Graph's own words above say what it refused (a URL already in use, a certificate it did not take, …): fix that and run the step again. If they name a property the companion sets, export the support bundle (Report step) and file it with the request id.",
      };
    case 'not-found':
      return {
        message: `${what}: it does not exist (any more). ${said}.`,
        remedy: 'Someone may have removed it meanwhile: run the step again, which reads the tenant afresh.',
      };
    case 'conflict':
      return {
        message: `${what}: it changed meanwhile. ${said}.`,
        remedy: 'Run the step again, which reads the tenant afresh.',
      };
    case 'throttled':
      return {
        message: `${what}: Microsoft Graph is throttling this tenant. ${said}.`,
        remedy: 'Wait a few minutes and run the step again; it carries on from what exists.',
      };
    default:
      return {
        message: `${what} with ${refusal.status}. ${said}.`,
        remedy: `Nobody has seen this answer from Microsoft Graph before: run the step again in a few minutes; if it repeats, quote the request id ${refusal.requestId ?? '(none given)'} to Microsoft support, and export the support bundle (Report step).`,
      };
  }
}

/** A 403 for a role the preflight confirmed a moment before (and after the token was renewed): not the role; `instead` names what may refuse. */
export function confirmedRoleRemedy(
  roleConfirmed: string,
  requestId: string | null | undefined,
  notThe: string,
  instead: string,
): string {
  return `${roleConfirmed.replace(/\.$/, '')} (read just before, and the sign-in's token was renewed), so the refusal is not about ${notThe}; ${instead} may refuse. If it repeats, quote request id ${requestId ?? '(none given)'} to Microsoft support.`;
}
