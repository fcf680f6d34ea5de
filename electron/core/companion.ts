import { join } from 'node:path';
import type { CloudHttp } from './cloud/cloud-http-types.ts';
import { cloudOf } from './cloud/clouds.ts';
import { SignIn } from './cloud/sign-in.ts';
import { Graph } from './cloud/graph.ts';
import { acquireRegistrationToken, type SignInWindow } from './cloud/registration-token.ts';
import { checkUrl } from './checks/input-rules.ts';
import type { AppInfo } from '../contract/channels.ts';
import type { HostKind } from '../contract/model.ts';
import { CompanionError } from './errors.ts';
import type { Handlers } from './ipc/gateway.ts';
import type { PowerShellRunner } from './powershell/runner.ts';
import type { HttpProbe, NetProbe } from './checks/http-types.ts';
import type { CloudChoice, CloudServices } from './checks/suite.ts';
import { isAllowedExternalUrl } from './runbook/docs.ts';
import { Runbook, emptyState, parseState, type RunbookState } from './runbook/runbook.ts';
import { openJournal, type Journal } from './store/journal.ts';
import { progressReporter } from './store/progress.ts';
import type { Redactor } from './store/redact.ts';
import { createStateStore } from './store/state-store.ts';

export interface CompanionOptions {
  host: HostKind;
  version: string;
  platform: string;
  /** Folder for state.json and journal.jsonl. */
  dataDir: string;
  powershell: PowerShellRunner;
  http: HttpProbe;
  net: NetProbe;
  /** The redaction hook shared with the PowerShell runner, so every path out is redacted alike. */
  redactor: Redactor;
  /** Opens an allowlisted URL in the system browser; false when this host cannot. */
  openExternal(url: string): Promise<boolean>;
  lab: boolean;
  now?: () => Date;
  /** Root fingerprints the outbound checks accept besides Microsoft's (the lab's own). */
  serviceRoots?: readonly string[];
  /** HTTPS to Microsoft Entra ID and Graph; without it this host cannot sign in. */
  cloudHttp?: CloudHttp;
  /** The host's sign-in window, for the registration token; absent where the host has none. */
  signInWindow?: SignInWindow;
  /** Opens a sign-in address in this machine's browser, for the loopback sign-in. */
  openSignInBrowser?: (url: string, proxy?: string) => Promise<void>;
}

export interface Companion {
  handlers: Handlers;
  runbook: Runbook;
  journal: Journal;
  redactor: Redactor;
  /** The sign-in for a cloud (and tenant, client id), its token cache in the data folder. */
  signIn(options?: CloudChoice): SignIn;
  /** Microsoft Graph as that sign-in; every call is journaled (method and URL) before it is sent. */
  graph(options?: CloudChoice, runId?: string): Graph;
  close(): void;
}

/** Composition of the host-agnostic core: every host builds one and serves its handlers. */
export function createCompanion(options: CompanionOptions): Companion {
  const { redactor } = options;
  const now = options.now ?? (() => new Date());
  const journal = openJournal(join(options.dataDir, 'journal.jsonl'), redactor, now);
  const store = createStateStore<RunbookState>(join(options.dataDir, 'state.json'), emptyState, parseState);
  const signIn = (choice: CloudChoice = {}): SignIn => {
    const http = options.cloudHttp;
    if (!http) throw new CompanionError('NOT_AVAILABLE', 'This host cannot reach Microsoft Entra ID.', 'Use the CLI or the app on the server.');
    const cloud = cloudOf(choice.cloud);
    let proxy: string | undefined;
    if (choice.proxy?.trim()) {
      const verdict = checkUrl(choice.proxy, 'proxy');
      if (!verdict.ok) throw new CompanionError('INVALID_REQUEST', `The proxy address was refused: ${verdict.message}`, 'Type it as http://host:port.');
      proxy = verdict.normalized;
    }
    return new SignIn({ cloud, dataDir: options.dataDir, network: (through) => http.msalNetwork(through), ...(choice.tenant ? { tenant: choice.tenant } : {}), ...(choice.clientId ? { clientId: choice.clientId } : {}), ...(proxy ? { proxy } : {}) });
  };

  const graph = (choice: CloudChoice = {}, runId?: string): Graph => {
    const session = signIn(choice);
    const base = options.cloudHttp;
    if (!base) throw new CompanionError('NOT_AVAILABLE', 'This host cannot reach Microsoft Graph.', 'Use the CLI or the app on the server.');
    // Graph goes where the sign-in went: through its proxy, when it had one.
    const through = session.proxy;
    const http: CloudHttp = through ? { request: (method, url, request) => base.request(method, url, { ...request, proxy: through }), msalNetwork: () => base.msalNetwork(through) } : base;
    return new Graph({ http, cloud: session.cloud, token: (request) => session.graphToken(request), onCall: (call) => journal.append({ kind: 'graph-call', ...(runId ? { runId } : {}), message: `${call.method} ${call.url}${through ? ` (via ${through})` : ''}` }) });
  };

  const registrationToken: CloudServices['registrationToken'] = async (request) => {
    const http = options.cloudHttp;
    if (!http) throw new CompanionError('NOT_AVAILABLE', 'This host cannot reach Microsoft Entra ID.', 'Use the CLI or the app on the server.');
    const cloud = cloudOf(request.cloud);
    // Through the proxy the admin signed in through, if any: the same way out as every cloud call.
    const through = signIn({ cloud: cloud.name }).proxy;
    journal.append({ kind: 'sign-in', message: `Signing in for a connector registration token (${request.method === 'device-code' ? 'device code' : 'sign-in window'}, tenant ${request.tenantId}, ${cloud.name})${through ? ` via ${through}` : ''}.` });
    const token = await acquireRegistrationToken({ cloud, tenantId: request.tenantId, network: http.msalNetwork(through), ...(through ? { proxy: through } : {}), method: request.method, ...(options.signInWindow ? { window: options.signInWindow } : {}), ...(request.onDeviceCode ? { onDeviceCode: request.onDeviceCode } : {}), ...(request.signal ? { signal: request.signal } : {}) });
    journal.append({ kind: 'sign-in', message: `Registration token issued for ${token.username || 'the account'} in tenant ${token.tenantId}; it is kept in memory for this run only.` });
    return token;
  };

  const services = { powershell: options.powershell, http: options.http, net: options.net, now, cloud: { signIn, graph, registrationToken, dataDir: options.dataDir, ...(options.openSignInBrowser ? { openSignInBrowser: options.openSignInBrowser } : {}) }, ...(options.serviceRoots ? { serviceRoots: options.serviceRoots } : {}) };
  const runbook = new Runbook({ services, store, journal, redactor, now });
  // Closing the companion stops what it started (PowerShell included) instead of leaving it running.
  const closing = new AbortController();
  journal.append({ kind: 'session', message: `Companion ${options.version} started (${options.host} host${options.lab ? ', lab' : ''}).` });

  const handlers: Handlers = {
    'app:info': async (): Promise<AppInfo> => ({
      name: 'NDES Proxy Companion',
      version: options.version,
      host: options.host,
      platform: options.platform,
      mode: runbook.mode,
      lab: options.lab,
    }),
    'runbook:list': async () => ({ mode: runbook.mode, steps: runbook.list() }),
    'runbook:plan': async ({ stepId, inputs, mode }) => runbook.plan(stepId, inputs, mode),
    'runbook:run': async ({ stepId, inputs, runId, whatIf, secrets }, { emit }) => runbook.run(stepId, inputs, runId, emit, whatIf === true, secrets?.pfxPassword ? { pfxPassword: secrets.pfxPassword } : {}),
    'runbook:verify': async ({ stepId, inputs, runId }, { emit }) => runbook.verify(stepId, inputs, runId, emit),
    'runbook:cancel': async ({ runId }) => runbook.cancel(runId),
    'checks:run': async ({ scope, groups, inputs, runId }, { emit }) => runbook.checks(scope, groups, inputs ?? {}, runId, emit),
    'settings:set-mode': async ({ mode }) => ({ mode: runbook.setMode(mode) }),
    'host:identity': async (_request, { emit }) => {
      const runId = `host-${now().getTime()}`;
      const progress = progressReporter(journal, emit, runId);
      progress('Reading host identity with PowerShell.');
      const result = await options.powershell.run('Get-HostIdentity', { onProgress: (message) => progress(message), signal: closing.signal });
      journal.append({ kind: 'host-identity', runId, message: `Host ${result.data.computerName}: ${result.data.osCaption} (build ${result.data.osBuild}).`, data: result.data });
      return result.data;
    },
    'journal:tail': async ({ limit }) => ({ entries: journal.tail(limit ?? 100) }),
    'help:open': async ({ url }) => {
      if (!isAllowedExternalUrl(url)) {
        throw new CompanionError('NOT_ALLOWED', 'The companion only opens Microsoft documentation and admin portals.', 'Copy the address and open it yourself if you trust it.');
      }
      const opened = await options.openExternal(url);
      journal.append({ kind: 'open-external', message: `${opened ? 'Opened' : 'Could not open'} ${url}` });
      return { opened, url };
    },
  };

  return {
    handlers,
    runbook,
    journal,
    redactor,
    signIn,
    graph,
    close: () => {
      closing.abort();
      runbook.cancelAll();
      journal.close();
    },
  };
}
