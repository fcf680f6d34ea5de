import type { HttpResult } from '../../ports.ts';
import type { Finding } from '../check.ts';
import { fail } from '../check.ts';

export const APP_PROXY_ERROR_TEXT = "This corporate app can't be accessed";
const SIGN_IN_HOSTS = ['login.microsoftonline.com', 'login.microsoft.com', 'login.windows.net'];

export interface AppProxyView {
  /** Any x-ms-proxy-* header: the answer went through Microsoft Entra application proxy. */
  recognized: boolean;
  connectorId?: string;
  errorDetails?: string;
  /** Set when the answer is application proxy's own error, not NDES's. */
  problem?: Finding;
}

function header(result: HttpResult, name: string): string | undefined {
  return result.headers[name.toLowerCase()];
}

/**
 * Reads an answer from the external URL the way reference/scep.md §6.3 lays out: who
 * answered (application proxy or NDES behind it) and, for application proxy's own errors,
 * what they mean.
 */
export function readAppProxy(result: HttpResult): AppProxyView {
  const recognized = Object.keys(result.headers).some((name) => name.toLowerCase().startsWith('x-ms-proxy-'));
  const view: AppProxyView = { recognized };
  const connectorId = header(result, 'x-ms-proxy-connector-id');
  const errorDetails = header(result, 'x-ms-proxy-error-details');
  if (connectorId) view.connectorId = connectorId;
  if (errorDetails) view.errorDetails = errorDetails;
  const evidence = [
    `HTTP ${result.status}`,
    ...(errorDetails ? [`x-ms-proxy-error-details: ${errorDetails}`] : []),
    ...(recognized
      ? [connectorId ? `via connector ${connectorId}` : 'no x-ms-proxy-connector-id: no connector handled it']
      : []),
  ];
  const location = header(result, 'location');
  if (result.status >= 300 && result.status < 400 && location) {
    let host: string;
    try {
      host = new URL(location, result.url).hostname.toLowerCase();
    } catch {
      host = '';
    }
    if (SIGN_IN_HOSTS.includes(host)) {
      view.problem = fail(
        'The external URL redirects to a Microsoft sign-in page: pre-authentication is Microsoft Entra ID, not Passthrough. SCEP clients cannot sign in, so every enrolment fails.',
        'In Enterprise applications > (the NDES app) > Application proxy, set Pre Authentication to Passthrough and save.',
        [...evidence, `Location: ${location}`],
      );
      return view;
    }
  }
  const corporatePage = result.body.toString('utf8').includes(APP_PROXY_ERROR_TEXT);
  if (result.status === 504 && (recognized || corporatePage)) {
    view.problem = fail(
      'Application proxy has no active connector for this app (504 Gateway Timeout): the connector service is stopped, the server is offline, or the app is assigned to an empty connector group.',
      "On the connector server, start WAPCSvc and WAPCUpdaterSvc, check outbound 443 to *.msappproxy.net, and check the app's connector group has an active connector.",
      evidence,
    );
  } else if (result.status === 502 && (recognized || corporatePage)) {
    view.problem = fail(
      'The connector is up but cannot reach NDES (502 Bad Gateway): wrong internal URL, NDES down, or its TLS certificate not trusted by the connector.',
      'From the connector server, open the internal URL; check the internal URL in the app matches the NDES server name and that its certificate chain is trusted there.',
      evidence,
    );
  } else if (corporatePage) {
    view.problem = fail(
      `Application proxy answered with its own error page (HTTP ${result.status}).`,
      'Read the status and x-ms-proxy-error-details above, and see the application proxy troubleshooting guide.',
      evidence,
    );
  }
  return view;
}
