import { docs } from '../../runbook/docs.ts';
import {
  fail,
  networkFinding,
  pass,
  skipped,
  warn,
  type CheckSpec,
  type Finding,
  type ProbeContext,
} from '../check.ts';
import { ProbeFailure, ProxyRefusal } from '../probe-errors.ts';
import { type NetProbe } from '../../ports.ts';
import { endsAtServiceRoot, outboundEndpoints, type Endpoint } from './endpoints.ts';

export interface OutboundOptions {
  net: NetProbe;
  /** Normalised proxy URL, when the server goes out through one. */
  proxy?: string;
  tenantId?: string;
  /** Root fingerprints accepted besides Microsoft's service roots (the lab's own). */
  serviceRoots?: readonly string[];
}

const CRITICAL_HOSTS = new Set(['login.microsoftonline.com']);

function proxyFinding(error: ProxyRefusal, what: string): Finding {
  if (error.status === 407) {
    return fail(
      `The proxy demands authentication (407) for ${what}; the connector runs as Network Service and cannot authenticate to a proxy.`,
      'Allow the connector server through the proxy without authentication (by source address), or let it go out directly.',
      [`${what}: 407 ${error.statusText}`],
      'critical',
    );
  }
  return fail(
    `The proxy refused ${what} (${error.status} ${error.statusText}).`,
    "Allow CONNECT to port 443 and plain HTTP to port 80 for the connector's endpoints on the proxy.",
    [`${what}: ${error.status} ${error.statusText}`],
  );
}

/** Names every server with internet access resolves; if none does, no endpoint can be judged. */
const PUBLIC_NAMES = ['login.microsoftonline.com', 'www.microsoft.com'];
const NO_PUBLIC_DNS =
  'This server resolves no public name, so no Microsoft endpoint can be reached: its DNS servers do not answer for internet names, or the internet is reached only through a proxy.';

interface PublicDns {
  /** What resolved, when something did: only a real answer counts. */
  seen: string | null;
  /** Why nothing did (no such name, or no answer in time), one line per name. */
  failures: string[];
}

/** Whether this server resolves public names at all, asked once per run, whoever asks first. */
function publicDnsOnce(net: NetProbe): (context: ProbeContext) => Promise<PublicDns> {
  let answer: Promise<PublicDns> | undefined;
  return (context) =>
    (answer ??= (async () => {
      const failures: string[] = [];
      for (const name of PUBLIC_NAMES) {
        try {
          const addresses = await net.resolve(name, { timeoutMs: context.timeoutMs, signal: context.signal });
          return { seen: `${name} → ${addresses.slice(0, 2).join(', ')}`, failures };
        } catch (error) {
          failures.push(`${name}: ${(error as Error).message}`);
        }
      }
      return { seen: null, failures };
    })());
}

function endpointCheck(
  endpoint: Endpoint,
  options: OutboundOptions,
  publicDns: (context: ProbeContext) => Promise<PublicDns>,
): CheckSpec {
  const name = `${endpoint.host}:${endpoint.port}`;
  const severity = endpoint.tunnel || CRITICAL_HOSTS.has(endpoint.host) ? 'critical' : 'warning';
  return {
    id: `outbound.${name}`,
    group: 'outbound',
    title: `${name} (${endpoint.use})`,
    severity,
    docUrl: docs.configureConnectors,
    probe: async (context) => {
      const via = options.proxy ? ` via ${options.proxy}` : '';
      try {
        const evidence: string[] = [];
        if (!options.proxy) {
          let addresses: string[];
          try {
            addresses = await options.net.resolve(endpoint.host, {
              timeoutMs: context.timeoutMs,
              signal: context.signal,
            });
          } catch (error) {
            // With no public DNS at all, sixteen near-identical failures would say one thing
            // sixteen times: the DNS check says it once, and this endpoint could not be tried.
            if (
              error instanceof ProbeFailure &&
              (error.kind === 'dns' || error.kind === 'timeout') &&
              (await publicDns(context)).seen === null
            ) {
              return skipped(
                `Could not run: ${NO_PUBLIC_DNS}`,
                'could-not-run',
                'See "This server resolves public names".',
              );
            }
            throw error;
          }
          evidence.push(`DNS: ${addresses.slice(0, 3).join(', ')}`);
        }
        if (endpoint.port === 80) {
          const answer = await options.net.httpGet(`http://${endpoint.host}/`, {
            timeoutMs: context.timeoutMs,
            signal: context.signal,
            ...(options.proxy ? { proxy: options.proxy } : {}),
          });
          // Directly, any HTTP answer proves the path (a CRL host may well say 404 for "/").
          // Through a proxy, a 403 or a 5xx is the proxy's own block or failure page.
          if (options.proxy && (answer.status === 403 || answer.status >= 500)) {
            return fail(
              `The proxy answered HTTP ${answer.status} for ${name}: it blocks or cannot fetch it, so certificate revocation checks fail.`,
              `Allow plain HTTP to ${endpoint.host} on the proxy for this server.`,
              [...evidence, `HTTP ${answer.status}${via}`],
              'warning',
            );
          }
          return pass(...evidence, `HTTP ${answer.status}${via}`);
        }
        const tls = await options.net.tls(endpoint.host, endpoint.port, {
          timeoutMs: context.timeoutMs,
          signal: context.signal,
          ...(options.proxy ? { proxy: options.proxy } : {}),
        });
        const leaf = tls.chain[0];
        const top = tls.chain.at(-1);
        const root = top?.issuer ?? '';
        evidence.push(
          `${tls.protocol ?? 'TLS'}${via}; certificate ${leaf?.subject ?? '?'}; issued by ${leaf?.issuer ?? '?'}; chain ends at ${root || '?'}`,
        );
        if (endpoint.tunnel && !endsAtServiceRoot(tls.chain, options.serviceRoots)) {
          return fail(
            `TLS to ${endpoint.host} is intercepted: the chain ends at "${root}", not at one of the Microsoft or DigiCert roots Microsoft's services use (compared by fingerprint). The connector's client-certificate authentication breaks under TLS inspection.`,
            `Exempt *.msappproxy.net and *.servicebus.windows.net from TLS inspection on the proxy or firewall (bypass list), then run readiness again.`,
            evidence,
            'critical',
          );
        }
        if (!tls.authorized)
          return fail(
            `The certificate of ${endpoint.host} is not trusted here (${tls.authorizationError ?? 'unknown reason'}).`,
            "Update the server's trusted root certificates (Windows Update or certutil -generateSSTFromWU) and check for TLS inspection.",
            evidence,
          );
        if (tls.protocol && tls.protocol !== 'TLSv1.2' && tls.protocol !== 'TLSv1.3')
          return fail(
            `${endpoint.host} negotiated ${tls.protocol}; the service needs TLS 1.2.`,
            'Enable TLS 1.2 (see the TLS check above).',
            evidence,
          );
        return pass(...evidence);
      } catch (error) {
        if (error instanceof ProxyRefusal) return proxyFinding(error, name);
        const finding = networkFinding(error, name);
        if (error instanceof ProbeFailure && error.kind === 'timeout') {
          finding.cause = `${name}: no answer within ${context.timeoutMs / 1000} s. A firewall most likely drops the traffic (${endpoint.use}).`;
          finding.remediation = `Allow outbound TCP ${endpoint.port} to ${endpoint.host}${options.proxy ? ' on the proxy' : ' on the firewall'} for the connector server.`;
        }
        if (endpoint.port === 80 && finding.status === 'fail') finding.severity = 'warning';
        return finding;
      }
    },
  };
}

export function outboundChecks(options: OutboundOptions): CheckSpec[] {
  const publicDns = publicDnsOnce(options.net);
  const specs: CheckSpec[] = [
    {
      id: 'outbound.dns',
      group: 'outbound',
      title: 'This server resolves public names',
      severity: 'critical',
      docUrl: docs.configureConnectors,
      probe: async (context) => {
        if (options.proxy) return skipped(`Names are resolved by the proxy (${options.proxy}), not by this server.`);
        const { seen, failures } = await publicDns(context);
        return seen
          ? pass(seen)
          : fail(
              NO_PUBLIC_DNS,
              "Check this server's DNS servers resolve internet names (nslookup login.microsoftonline.com); if the internet is reached only through a proxy, give the proxy address and configure the connector to use it (step 5).",
              failures,
            );
      },
    },
    ...outboundEndpoints(options.tenantId).map((endpoint) => endpointCheck(endpoint, options, publicDns)),
  ];
  specs.push({
    id: 'outbound.clock',
    group: 'outbound',
    title: "This server's clock agrees with Microsoft's",
    severity: 'critical',
    docUrl: docs.troubleshootConnectors,
    probe: async (context) => {
      try {
        const answer = await options.net.httpGet('http://www.microsoft.com/', {
          timeoutMs: context.timeoutMs,
          signal: context.signal,
          ...(options.proxy ? { proxy: options.proxy } : {}),
        });
        const date = answer.headers.date ? new Date(answer.headers.date) : null;
        if (!date || Number.isNaN(date.getTime()))
          return warn(
            'The answer carried no Date header to compare with.',
            'Compare the clock by hand: w32tm /stripchart /computer:time.windows.com /samples:3',
            [],
            'info',
          );
        const offset = Math.round((context.now.getTime() - date.getTime()) / 1000);
        const evidence = [
          `Server time ${context.now.toISOString()}, Microsoft's ${date.toISOString()}: ${offset >= 0 ? '+' : ''}${offset} s`,
        ];
        if (Math.abs(offset) > 300)
          return fail(
            `The clock is ${Math.abs(offset)} s ${offset > 0 ? 'ahead' : 'behind'}: tokens and certificates are refused beyond 5 minutes of skew.`,
            'Synchronise Windows Time (w32tm /resync) and fix its source.',
            evidence,
          );
        if (Math.abs(offset) > 60)
          return warn(
            `The clock is ${Math.abs(offset)} s off.`,
            'Synchronise Windows Time (w32tm /resync).',
            evidence,
            'warning',
          );
        return pass(...evidence);
      } catch (error) {
        if (error instanceof ProxyRefusal) return proxyFinding(error, 'www.microsoft.com:80');
        const finding = networkFinding(error, 'Clock comparison');
        finding.severity = 'info';
        finding.status = finding.status === 'fail' ? 'warn' : finding.status;
        return finding;
      }
    },
  });
  return specs;
}
