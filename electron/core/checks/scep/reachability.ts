import { randomBytes } from 'node:crypto';
import type { CheckGroup } from '../../../contract/model.ts';
import { docs } from '../../runbook/docs.ts';
import { fail, pass, warn, type CheckSpec, type Finding, type ProbeContext } from '../check.ts';
import type { HttpProbe, HttpResult } from '../../ports.ts';
import { readAppProxy } from './appproxy.ts';
import { looksLikeCapabilities, parseCapabilities } from './caps.ts';
import { parseCaCert, type CaCertBundle } from './cacert.ts';

export const MSCEP_PATH = 'certsrv/mscep/mscep.dll';
export const EXPIRY_WARNING_DAYS = 30;

export interface ReachabilityOptions {
  /** Base URL ending in "/", already checked by the input rules. */
  baseUrl: string;
  role: 'internal' | 'external';
  probe: HttpProbe;
  /** Size of the long-URL PKIOperation probe (LONG_URL_KB in input-rules.ts). */
  longUrlKb: number;
  /** The outbound proxy the external URL is reached through (never used for the internal URL). */
  proxy?: string;
  /**
   * Called exactly once when the GetCACert probe ends: with the parsed bundle, or null when
   * there was none. The cross-URL comparison waits on it.
   */
  onCaBundle?(bundle: CaCertBundle | null): void;
}

/** The requests the SCEP/IIS checks make at one URL: what they probe, and what plans show. */
export function scepRequests(
  baseUrl: string,
  role: 'internal' | 'external',
  longUrlKb: number,
): { title: string; detail: string }[] {
  const mscep = `${baseUrl}${MSCEP_PATH}`;
  return [
    { title: 'IIS answers at the site root', detail: `GET ${baseUrl}` },
    { title: 'mscep.dll answers 403 (Intune connector loaded)', detail: `GET ${mscep}` },
    { title: 'GetCACaps', detail: `GET ${mscep}?operation=GetCACaps&message=default` },
    { title: 'GetCACert: CA and RA certificates', detail: `GET ${mscep}?operation=GetCACert&message=default` },
    {
      title: `A ${longUrlKb} KB SCEP request passes the URL limits (a test message, nothing is enrolled)`,
      detail: `GET ${mscep}?operation=PKIOperation&message=<${longUrlKb} KB of random base64>`,
    },
    ...(role === 'external'
      ? [
          { title: 'mscep_admin is not published', detail: `GET ${baseUrl}certsrv/mscep_admin/` },
          {
            title: 'The TLS certificate is valid for this host',
            detail: `TLS handshake with ${URL.canParse(baseUrl) ? new URL(baseUrl).host : baseUrl}`,
          },
        ]
      : []),
  ];
}

function serverOf(result: HttpResult): string {
  return result.headers.server ? ` from ${result.headers.server}` : '';
}

function titleOf(result: HttpResult): string | null {
  const match = /<title>([^<]*)<\/title>/i.exec(result.body.toString('latin1'));
  return match?.[1]?.trim() ?? null;
}

/** The SCEP/IIS reachability checks for one URL (internal or external), as data plus probes. */
export function reachabilityChecks(options: ReachabilityOptions): CheckSpec[] {
  const { baseUrl, role, probe } = options;
  const group: CheckGroup = role === 'internal' ? 'scep-internal' : 'scep-external';
  const label = role === 'internal' ? 'internal URL' : 'external URL';
  const mscep = `${baseUrl}${MSCEP_PATH}`;
  const proxy = role === 'external' ? options.proxy : undefined;
  const get = (url: string, context: ProbeContext) =>
    probe.get(url, { timeoutMs: context.timeoutMs, signal: context.signal, ...(proxy ? { proxy } : {}) });
  // On the external URL, application proxy's own answers (504, 502, sign-in redirect) win.
  const viaProxy = (result: HttpResult, classify: (result: HttpResult) => Finding): Finding => {
    if (role === 'external') {
      const view = readAppProxy(result);
      if (view.problem) return view.problem;
    }
    return classify(result);
  };
  const id = (name: string) => `${role}.${name}`;

  const specs: CheckSpec[] = [
    {
      id: id('iis-root'),
      group,
      title: `IIS answers at the ${label}`,
      severity: 'critical',
      docUrl: docs.protectNdes,
      probe: async (context) =>
        viaProxy(await get(baseUrl, context), (result) => {
          const title = titleOf(result);
          const evidence = [`GET ${baseUrl} → HTTP ${result.status}${serverOf(result)}${title ? ` "${title}"` : ''}`];
          if (result.status === 200)
            return pass(
              ...evidence,
              title === 'IIS Windows Server' ? 'IIS welcome page' : 'a page other than the IIS welcome page',
            );
          if (result.status === 404 || result.status === 403) {
            return warn(
              'The IIS welcome page is not there. Hardened servers remove it; that is fine as long as the SCEP checks below pass.',
              "Nothing to do if mscep.dll answers below. The seed guide's browser test expects the welcome page, so do not rely on it.",
              evidence,
              'info',
            );
          }
          if (result.status === 503)
            return fail(
              'IIS answers 503 Service Unavailable at the site root.',
              'Start the Default Web Site and its application pool in IIS Manager.',
              evidence,
            );
          return fail(
            `The site root answered HTTP ${result.status}.`,
            'Open the URL in a browser on this server and check the IIS logs.',
            evidence,
          );
        }),
    },
    {
      id: id('mscep'),
      group,
      title: `mscep.dll answers 403 at the ${label} (Intune connector loaded)`,
      severity: 'critical',
      docUrl: docs.troubleshootScep,
      probe: async (context) =>
        viaProxy(await get(mscep, context), (result) => {
          const body = result.body.toString('utf8');
          const evidence = [`GET ${mscep} → HTTP ${result.status}${serverOf(result)}`];
          if (result.status === 403) {
            // Through application proxy, a 403 proves NDES answered only when a connector carried
            // it (x-ms-proxy-connector-id, reference/scep.md §6.3, a secondary source): anything
            // in between (a WAF, a firewall page) can say 403 too.
            if (role === 'external') {
              const view = readAppProxy(result);
              if (!view.connectorId) {
                return warn(
                  `HTTP 403 came back, but without application proxy's x-ms-proxy-connector-id header, so it is not confirmed that a connector carried it to NDES${view.recognized ? ' (application proxy answered itself)' : ' (no application proxy headers at all)'}.`,
                  'Check the external URL is the one Entra shows for the app, and that nothing between (a web application firewall, a proxy) answers in its place. GetCACert below shows whether NDES really answers.',
                  evidence,
                  'warning',
                );
              }
              return pass(
                ...evidence,
                `HTTP 403 from NDES, carried by connector ${view.connectorId}: the healthy answer (the Intune policy module intercepts non-SCEP requests).`,
              );
            }
            return pass(
              ...evidence,
              'HTTP 403 is the healthy answer: the Intune policy module intercepts non-SCEP requests.',
            );
          }
          if (
            result.status === 200 &&
            body.includes('This URL is used by network devices to submit certificate requests')
          ) {
            return fail(
              'mscep.dll shows the NDES information page (200): NDES runs but the Intune Certificate Connector is not installed or not working.',
              'Install or repair the Intune Certificate Connector on the NDES server, restart its service, then expect 403 here.',
              evidence,
            );
          }
          if (result.status === 503)
            return fail(
              'HTTP 503: the SCEP application pool is stopped or crashing (intermediate certificates in Trusted Root, CRL unreachable, or an expired NDES policy certificate).',
              'In IIS Manager start the SCEP application pool; if it stops again, read the Application event log for the cause.',
              evidence,
            );
          if (result.status === 500)
            return fail(
              'HTTP 500: NDES failed inside mscep.dll, usually the NDES service account is locked or expired, or the MSCEP-RA certificates have expired.',
              'Check the NDES service account, the RA certificates in the computer store, and that IIS_IUSRS has "Impersonate a client after authentication".',
              evidence,
            );
          if (result.status === 404)
            return fail(
              'HTTP 404: there is no /certsrv/mscep/mscep.dll at this URL.',
              role === 'external'
                ? 'Check the published internal URL is the NDES server root (https://ndes-server/), not a sub-path.'
                : 'Check the NDES role service is installed on this server.',
              evidence,
            );
          if (result.status === 401)
            return fail(
              'HTTP 401: the SCEP endpoint asks for authentication; devices cannot authenticate.',
              'Set anonymous authentication on /certsrv/mscep in IIS.',
              evidence,
            );
          return fail(
            `mscep.dll answered HTTP ${result.status}.`,
            'Compare with the IIS logs on the NDES server.',
            evidence,
          );
        }),
    },
    {
      id: id('getcacaps'),
      group,
      title: `GetCACaps at the ${label}`,
      severity: 'warning',
      docUrl: docs.troubleshootScep,
      probe: async (context) =>
        viaProxy(await get(`${mscep}?operation=GetCACaps&message=default`, context), (result) => {
          const evidence = [
            `GetCACaps → HTTP ${result.status}, Content-Type: ${result.headers['content-type'] ?? '(none)'}`,
          ];
          if (result.status !== 200)
            return warn(
              `GetCACaps answered HTTP ${result.status}; a client then assumes no capabilities (RFC 8894 §3.5.2).`,
              'Check the mscep.dll result above; a modern NDES answers 200.',
              evidence,
            );
          if (!looksLikeCapabilities(result.body))
            return fail(
              'GetCACaps answered with something that is not a capability list (an HTML page or binary).',
              'Something between the client and NDES rewrites the answer; check the URL and any proxy in front.',
              evidence,
              'critical',
            );
          const caps = parseCapabilities(result.body);
          return pass(
            ...evidence,
            caps.keywords.length
              ? `Capabilities: ${caps.keywords.join(', ')}`
              : 'No capabilities advertised (empty list).',
          );
        }),
    },
    {
      id: id('getcacert'),
      group,
      title: `GetCACert at the ${label}: CA and RA certificates`,
      severity: 'critical',
      docUrl: docs.scepConfigure,
      probe: async (context) => {
        let bundle: CaCertBundle | null = null;
        try {
          const result = await get(`${mscep}?operation=GetCACert&message=default`, context);
          const problem = role === 'external' ? readAppProxy(result).problem : undefined;
          if (problem) return problem;
          const evidence = [
            `GetCACert → HTTP ${result.status}, Content-Type: ${result.headers['content-type'] ?? '(none)'}, ${result.body.length} bytes`,
          ];
          if (result.status !== 200)
            return fail(
              `GetCACert answered HTTP ${result.status}: devices cannot fetch the CA and RA certificates.`,
              'Check the mscep.dll result above and the RA certificates on the NDES server.',
              evidence,
            );
          try {
            bundle = await parseCaCert(result.body, result.headers['content-type'] ?? null, context.now);
          } catch (error) {
            return fail(
              `GetCACert answered, but not with certificates: ${(error as Error).message}`,
              'Check that the URL reaches NDES and not another web application.',
              evidence,
            );
          }
          return judgeBundle(bundle, evidence);
        } finally {
          options.onCaBundle?.(bundle);
        }
      },
    },
    {
      id: id('long-url'),
      group,
      title: `A ${options.longUrlKb} KB SCEP request passes the URL limits at the ${label}`,
      severity: 'critical',
      docUrl: docs.scepConfigure,
      probe: async (context) => {
        const message = encodeURIComponent(
          randomBytes(Math.ceil((options.longUrlKb * 1024 * 3) / 4)).toString('base64'),
        ).slice(0, options.longUrlKb * 1024);
        const url = `${mscep}?operation=PKIOperation&message=${message}`;
        // Judged by status alone, as Microsoft's Validate-NDESUrl does (reference/domain.md §8.5):
        // 200 means the URL got through; 414 and 400 come from HTTP.sys, 404 from IIS request
        // filtering. The body only adds the sub-status where IIS shows it.
        return viaProxy(await get(url, context), (result) => {
          const body = result.body.toString('latin1');
          const substatus = /404\.(14|15)/.exec(body)?.[0];
          const evidence = [
            `GET with a ${url.length}-character URL → HTTP ${result.status}${substatus ? ` (${substatus})` : ''}${serverOf(result)}`,
          ];
          const fixHttpSys =
            'Set HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters MaxFieldLength and MaxRequestBytes to 65534 (DWORD), then reboot the server (not iisreset).';
          const fixIis =
            'In IIS Manager > Default Web Site > Request Filtering > Edit Feature Settings, set Maximum URL length and Maximum query string to 65534, then reboot the server.';
          if (result.status === 200)
            return pass(
              ...evidence,
              `NDES accepts a ${options.longUrlKb} KB URL (it answers 200 to this test message without enrolling anything).`,
            );
          if (result.status === 414)
            return fail(
              'HTTP 414 from HTTP.sys: the URL is longer than MaxFieldLength allows. Intune devices send long GET requests and will fail to enrol.',
              fixHttpSys,
              evidence,
            );
          if (result.status === 400)
            return fail(
              'HTTP 400 for a long request: HTTP.sys refuses requests larger than MaxRequestBytes or with a field longer than MaxFieldLength.',
              fixHttpSys,
              evidence,
            );
          if (result.status === 404)
            return fail(
              `HTTP 404 for a long request to mscep.dll: IIS request filtering rejects it (${substatus ?? '404.14, URL too long, or 404.15, query string too long; the sub-status shows only on the server itself'}).`,
              fixIis,
              evidence,
            );
          return fail(
            `A long SCEP request got HTTP ${result.status}, not 200 as NDES answers when the URL gets through (Microsoft's Validate-NDESUrl counts only 200).`,
            'Read the IIS log on the NDES server (status, sub-status and Win32 status of the mscep.dll line) for what refused it.',
            evidence,
          );
        });
      },
    },
  ];

  if (role === 'external') {
    specs.push({
      id: id('mscep-admin'),
      group,
      title: 'mscep_admin is not published to the internet',
      severity: 'warning',
      docUrl: docs.protectNdes,
      probe: async (context) => {
        const url = `${baseUrl}certsrv/mscep_admin/`;
        const result = await get(url, context);
        const evidence = [`GET ${url} → HTTP ${result.status}`];
        if (result.status === 401 || result.status === 200 || result.status === 301 || result.status === 302) {
          return warn(
            'The NDES admin page (challenge passwords) answers through the external URL.',
            'Intune does not need mscep_admin from outside. Publish only what SCEP needs, or block /certsrv/mscep_admin at NDES for requests from the connector.',
            evidence,
          );
        }
        return pass(...evidence);
      },
    });
    specs.push({
      id: id('tls'),
      group,
      title: "The external URL's TLS certificate is valid",
      severity: 'critical',
      docUrl: docs.protectNdes,
      probe: async (context) => {
        const result = await get(baseUrl, context);
        const tls = result.tls;
        if (!tls)
          return fail('The external URL is not https.', 'Use the https:// external URL shown for the application.');
        const leaf = tls.chain[0];
        const evidence = [
          `${tls.protocol ?? 'TLS'}; ${leaf ? `subject ${leaf.subject}; issuer ${leaf.issuer}; valid to ${leaf.validTo}` : 'no certificate'}`,
        ];
        if (!tls.authorized && /ALTNAME|hostname/i.test(tls.authorizationError ?? '')) {
          return fail(
            `The certificate does not cover ${new URL(baseUrl).hostname} (${tls.authorizationError}).`,
            'On a custom domain, upload a certificate whose subject or SAN names this host (a wildcard covers one label); on msappproxy.net, check the external URL is typed as Entra shows it.',
            evidence,
          );
        }
        if (!tls.authorized)
          return fail(
            `The certificate is not trusted here: ${tls.authorizationError ?? 'unknown reason'}.`,
            'On an msappproxy.net URL this usually means TLS inspection by a proxy in between; on a custom domain, upload a certificate with the full chain.',
            evidence,
          );
        if (leaf) {
          const days = Math.floor((new Date(leaf.validTo).getTime() - context.now.getTime()) / 86_400_000);
          if (days < EXPIRY_WARNING_DAYS)
            return warn(
              `The certificate expires in ${days} days.`,
              "Renew the custom-domain certificate in the application's settings before it expires.",
              evidence,
            );
        }
        return pass(...evidence);
      },
    });
  }
  return specs;
}

function judgeBundle(bundle: CaCertBundle, evidence: string[]): Finding {
  const lines = [
    ...evidence,
    `${bundle.shape === 'pkcs7' ? 'PKCS#7 bundle' : 'single certificate'} with ${bundle.certificates.length} certificate(s)`,
    ...bundle.certificates.map(
      (cert) =>
        `${cert.role}: ${cert.subject}${cert.template ? ` [${cert.template}]` : ''}; KU ${cert.keyUsage.join('+') || '-'}; EKU ${cert.extendedKeyUsage.join(', ') || '-'}; expires ${cert.notAfter.slice(0, 10)} (${cert.daysToExpiry} days)`,
    ),
  ];
  const expired = bundle.certificates.filter((cert) => cert.daysToExpiry < 0);
  if (expired.length) {
    return fail(
      `${expired.map((cert) => `${cert.role} certificate ${cert.subject}`).join(' and ')} expired ${-Math.max(...expired.map((cert) => cert.daysToExpiry))} day(s) ago: NDES cannot sign or decrypt enrolments.`,
      'Renew the NDES RA certificates (Exchange Enrollment Agent (Offline request) and CEP Encryption), grant the NDES service account read access to their keys, and restart IIS.',
      lines,
    );
  }
  const hasCa = bundle.certificates.some((cert) => cert.role === 'ca');
  const hasSigning = bundle.certificates.some((cert) => cert.role === 'ra-signing' || cert.role === 'ra');
  const hasEncryption = bundle.certificates.some((cert) => cert.role === 'ra-encryption' || cert.role === 'ra');
  if (!hasCa || !hasSigning || !hasEncryption) {
    const missing = [
      !hasCa && 'CA',
      !hasSigning && 'RA signing (digitalSignature)',
      !hasEncryption && 'RA encryption (keyEncipherment)',
    ]
      .filter(Boolean)
      .join(', ');
    return fail(
      `GetCACert lacks: ${missing}. NDES normally sends the CA and two RA certificates; Apple and Android clients need all three.`,
      "Check the RA certificates in the NDES server's computer store and reinstall NDES if they are missing.",
      lines,
    );
  }
  const soon = bundle.certificates.filter((cert) => cert.daysToExpiry < EXPIRY_WARNING_DAYS);
  if (soon.length) {
    return warn(
      `${soon.map((cert) => `${cert.role} certificate`).join(' and ')} expire(s) in ${Math.min(...soon.map((cert) => cert.daysToExpiry))} days.`,
      'Renew the NDES RA certificates before they expire; enrolment stops the day they do.',
      lines,
      'warning',
    );
  }
  return pass(...lines);
}
