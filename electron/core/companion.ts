import type { ProcessTable } from './ports.ts';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudHttp } from './ports.ts';
import { cloudOf } from './cloud/clouds.ts';
import { SignIn } from './cloud/sign-in.ts';
import type { INetworkModule } from '@azure/msal-node';
import { Graph } from './cloud/graph.ts';
import { acquireRegistrationToken } from './cloud/registration-token.ts';
import { type SignInWindow } from './ports.ts';
import { checkUrl } from './checks/input-rules.ts';
import type { AppInfo } from '../contract/channels.ts';
import type { HostKind } from '../contract/model.ts';
import { CompanionError } from './errors.ts';
import type { Handlers } from './ipc/gateway.ts';
import type { PowerShellRunner } from './ports.ts';
import type { HttpProbe, NetProbe } from './ports.ts';
import type { CloudChoice, CloudServices, ReportService } from './services.ts';
import { isAllowedExternalUrl } from './runbook/docs.ts';
import { Runbook } from './runbook/runbook.ts';
import { emptyState, parseState, type RunbookState } from './runbook/state.ts';
import { openJournal, readJournal, type Journal } from './store/journal.ts';
import { buildReport, type RunbookReport } from './report/report.ts';
import { reportView, type ReportViewOptions } from './runbook/report-view.ts';
import { exportReport, writeRunbook, type ExportFormat } from './report/export.ts';
import { type PdfPrinter } from './ports.ts';
import { progressReporter } from './store/progress.ts';
import { recordingRunner } from './powershell/recording-runner.ts';
import { buildSupportBundle, SCRIPT_OUTPUTS_FOLDER, type SupportBundle } from './report/support-bundle.ts';
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
  /** When this server last started (the hosts: from the OS uptime): a pending restart is then known to have happened. */
  bootTime?: () => Date;
  /** The companion's own executable where the host can reopen it after a restart (the packaged app on Windows); absent elsewhere. */
  relaunch?: { appPath: string };
  /** Started by the scheduled task after a restart (--resume-after-restart): the task is removed. */
  launchedToResume?: boolean;
  /** Root fingerprints the outbound checks accept besides Microsoft's (the lab's own). */
  serviceRoots?: readonly string[];
  /** Whether a process that saved a step as running still runs: its id and start time (electron/platform/process-table.ts). */
  processes: ProcessTable;
  /** What the host did before the journal opened that the admin should read (a data folder moved aside). */
  startupNotices?: readonly string[];
  /** HTTPS to Microsoft Entra ID and Graph; without it this host cannot sign in. */
  cloudHttp?: CloudHttp;
  /** The host's sign-in window, for the registration token; absent where the host has none. */
  signInWindow?: SignInWindow;
  /** The host's print-to-PDF, for the runbook; absent where the host has none. */
  printPdf?: PdfPrinter;
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
  /** The runbook with evidence as it stands, redacted (CLI runbook: with its values, in offline mode). */
  report(extra?: ReportViewOptions): RunbookReport;
  /** Writes it into a folder (null: a dated folder under the data folder's Reports), journaled. */
  writeRunbook(
    folder: string | null,
    formats: readonly ExportFormat[],
    extra?: ReportViewOptions,
  ): Promise<{ folder: string; written: string[]; notes: string[] }>;
  /** Where the journal, the state and the token cache are kept. */
  dataDir: string;
  /** The support bundle as things stand (reads this server, calls no cloud), journaled. */
  supportBundle(progress?: (message: string) => void): Promise<SupportBundle>;
  printPdf?: PdfPrinter;
  close(): void;
}

/** Composition of the host-agnostic core: every host builds one and serves its handlers. */
export function createCompanion(options: CompanionOptions): Companion {
  const { redactor } = options;
  const now = options.now ?? (() => new Date());
  const journal = openJournal(join(options.dataDir, 'journal.jsonl'), redactor, now);
  const store = createStateStore<RunbookState>(join(options.dataDir, 'state.json'), emptyState, parseState, {
    onNotice: (message) => journal.append({ kind: 'state-notice', message }),
  });
  /** Offline runbook mode makes no cloud call at all: every way to Entra ID and Graph stops here. */
  const online = (): CloudHttp => {
    if (runbook.mode === 'offline')
      throw new CompanionError(
        'NOT_AVAILABLE',
        'Offline runbook mode: the companion makes no call to Microsoft Entra ID or Graph.',
        'Do this step in the portal as the plan says and record what you read there, or switch to guided mode before the first cloud call.',
      );
    const http = options.cloudHttp;
    if (!http)
      throw new CompanionError(
        'NOT_AVAILABLE',
        'This host cannot reach Microsoft Entra ID.',
        'Use the CLI or the app on the server.',
      );
    return http;
  };
  /** MSAL's network, noting the first call to Microsoft (from then on the runbook stays guided). */
  const msalNetwork = (http: CloudHttp, through: string | undefined): INetworkModule => {
    const network = http.msalNetwork(through);
    return {
      sendGetRequestAsync: (url, request, timeout) => {
        online();
        runbook.noteCloudCall();
        return network.sendGetRequestAsync(url, request, timeout);
      },
      sendPostRequestAsync: (url, request) => {
        online();
        runbook.noteCloudCall();
        return network.sendPostRequestAsync(url, request);
      },
    };
  };
  const signIn = (choice: CloudChoice = {}): SignIn => {
    const http = online();
    const cloud = cloudOf(choice.cloud);
    let proxy: string | undefined;
    if (choice.proxy?.trim()) {
      const verdict = checkUrl(choice.proxy, 'proxy');
      if (!verdict.ok)
        throw new CompanionError(
          'INVALID_REQUEST',
          `The proxy address was refused: ${verdict.message}`,
          'Type it as http://host:port.',
        );
      proxy = verdict.normalized;
    }
    return new SignIn({
      cloud,
      dataDir: options.dataDir,
      network: (through) => msalNetwork(http, through),
      ...(choice.tenant ? { tenant: choice.tenant } : {}),
      ...(choice.clientId ? { clientId: choice.clientId } : {}),
      ...(proxy ? { proxy } : {}),
    });
  };

  const graph = (choice: CloudChoice = {}, runId?: string): Graph => {
    const session = signIn(choice);
    const base = online();
    // Graph goes where the sign-in went: through its proxy, when it had one.
    const through = session.proxy;
    const http: CloudHttp = through
      ? {
          request: (method, url, request) => base.request(method, url, { ...request, proxy: through }),
          msalNetwork: () => base.msalNetwork(through),
        }
      : base;
    return new Graph({
      http,
      cloud: session.cloud,
      token: (request) => session.graphToken(request),
      onCall: (call) => {
        online();
        runbook.noteCloudCall();
        journal.append({
          kind: 'graph-call',
          ...(runId ? { runId } : {}),
          message: `${call.method} ${call.url}${through ? ` (via ${through})` : ''}`,
        });
      },
      // Every write's answer, and every refusal, is on the record with the id Microsoft support asks for.
      onAnswer: (answer) => {
        if (answer.method === 'GET' && answer.status < 400) return;
        journal.append({
          kind: 'graph-answer',
          ...(runId ? { runId } : {}),
          message: `${answer.method} ${answer.url}: ${answer.status}${answer.code ? ` ${answer.code}` : ''}${answer.requestId ? ` (request id ${answer.requestId})` : ''}`,
        });
      },
    });
  };

  const registrationToken: CloudServices['registrationToken'] = async (request) => {
    const http = online();
    const cloud = cloudOf(request.cloud);
    // Through the proxy the admin signed in through, if any: the same way out as every cloud call.
    const through = signIn({ cloud: cloud.name }).proxy;
    journal.append({
      kind: 'sign-in',
      message: `Signing in for a connector registration token (${request.method === 'device-code' ? 'device code' : 'sign-in window'}, tenant ${request.tenantId}, ${cloud.name})${through ? ` via ${through}` : ''}.`,
    });
    const token = await acquireRegistrationToken({
      cloud,
      tenantId: request.tenantId,
      network: msalNetwork(http, through),
      ...(through ? { proxy: through } : {}),
      method: request.method,
      ...(options.signInWindow ? { window: options.signInWindow } : {}),
      ...(request.onDeviceCode ? { onDeviceCode: request.onDeviceCode } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    journal.append({
      kind: 'sign-in',
      message: `Registration token issued for ${token.username || 'the account'} in tenant ${token.tenantId}; it is kept in memory for this run only.`,
    });
    return token;
  };

  const app = { name: 'NDES Proxy Companion', version: options.version, host: options.host };
  /** The support bundle as things stand: it reads this server (read-only) and calls no cloud. */
  const supportBundle = async (progress?: (message: string) => void): Promise<SupportBundle> => {
    const bundle = await buildSupportBundle({
      dataDir: options.dataDir,
      report: report(),
      redactor,
      powershell: options.powershell.host ? options.powershell : null,
      ...(options.printPdf ? { printPdf: options.printPdf } : {}),
      now: now(),
      signal: closing.signal,
      ...(progress ? { progress } : {}),
    });
    journal.append({
      kind: 'support-bundle',
      message: `Support bundle made: ${bundle.fileName}, ${bundle.manifest.files.length} file(s).${bundle.manifest.notes.length ? ` Missing: ${bundle.manifest.notes.join(' ')}` : ''}`,
    });
    return bundle;
  };
  /** The runbook with evidence, as it stands now (redacted). */
  const report = (extra: ReportViewOptions = {}) =>
    buildReport({
      view: reportView(runbook, extra),
      journal: readJournal(join(options.dataDir, 'journal.jsonl')).entries,
      redactor,
      app,
      now: now(),
    });
  const reports = createStateStore<{ folder: string; written: string[]; at: string } | null>(
    join(options.dataDir, 'report.json'),
    () => null,
    (raw) => {
      const value = raw as { folder?: unknown; written?: unknown; at?: unknown } | null;
      return value && typeof value.folder === 'string' && typeof value.at === 'string' && Array.isArray(value.written)
        ? {
            folder: value.folder,
            at: value.at,
            written: value.written.filter((path): path is string => typeof path === 'string'),
          }
        : null;
    },
  );
  const reportService: ReportService & {
    writeWith(
      folder: string | null,
      formats: readonly ExportFormat[],
      extra: ReportViewOptions,
    ): ReturnType<ReportService['write']>;
  } = {
    write(folder, formats) {
      return this.writeWith(folder, formats, {});
    },
    async writeWith(folder, formats, extra) {
      const at = now();
      const target = folder ?? join(options.dataDir, 'Reports', at.toISOString().replace(/[:.]/g, '-'));
      const result = await writeRunbook(report(extra), target, formats, options.printPdf);
      reports.write({ folder: target, written: result.written, at: at.toISOString() });
      journal.append({
        kind: 'report-written',
        message: `Runbook written to ${target}: ${result.written.length} file(s).${result.notes.length ? ` ${result.notes.join(' ')}` : ''}`,
      });
      return { folder: target, ...result };
    },
    last: () => reports.read(),
  };

  // Every step's script output is kept (redacted) for the support bundle.
  const powershell = recordingRunner(options.powershell, join(options.dataDir, SCRIPT_OUTPUTS_FOLDER), redactor, now);
  const services = {
    report: reportService,
    powershell,
    http: options.http,
    net: options.net,
    now,
    cloud: {
      signIn,
      graph,
      registrationToken,
      dataDir: options.dataDir,
      ...(options.openSignInBrowser ? { openSignInBrowser: options.openSignInBrowser } : {}),
    },
    ...(options.serviceRoots ? { serviceRoots: options.serviceRoots } : {}),
  };
  const runbook = new Runbook({
    services,
    store,
    journal,
    redactor,
    now,
    processes: options.processes,
    ...(options.bootTime ? { bootTime: options.bootTime } : {}),
    ...(options.relaunch ? { relaunch: options.relaunch } : {}),
  });
  // The task that reopened the companion is removed once it has (after use); a restart that
  // has happened closes its pending entry. PowerShell runs in the background, journaled.
  const removing = options.launchedToResume
    ? runbook.removeResumeTask({ evenIfUnknown: true })
    : runbook.restartClosing()
      ? runbook.removeResumeTask()
      : Promise.resolve();
  removing.catch(() => undefined);
  // A sign-in kept from an earlier session (or an earlier version, before the first cloud call was
  // noted) means Microsoft was called: offline mode is no longer a choice for this runbook.
  if (readdirSync(options.dataDir).some((name) => /^sign-in-[a-z]+\.json$/.test(name))) runbook.noteCloudCall();
  // Closing the companion stops what it started (PowerShell included) instead of leaving it running.
  const closing = new AbortController();
  journal.append({
    kind: 'session',
    message: `Companion ${options.version} started (${options.host} host${options.lab ? ', lab' : ''}).`,
  });
  for (const notice of options.startupNotices ?? []) journal.append({ kind: 'data-folder', message: notice });

  const handlers: Handlers = {
    'app:info': async (): Promise<AppInfo> => ({
      name: 'NDES Proxy Companion',
      version: options.version,
      host: options.host,
      platform: options.platform,
      mode: runbook.mode,
      lab: options.lab,
    }),
    'runbook:list': async () => ({
      mode: runbook.mode,
      steps: runbook.list(),
      pendingRestart: runbook.pendingRestart(),
    }),
    'host:restart': async () => runbook.restartServer(),
    'runbook:plan': async ({ stepId, inputs, mode }) => runbook.plan(stepId, inputs, mode),
    'runbook:run': async ({ stepId, inputs, runId, whatIf, secrets }, { emit }) =>
      runbook.run(
        stepId,
        inputs,
        runId,
        emit,
        whatIf === true,
        secrets?.pfxPassword ? { pfxPassword: secrets.pfxPassword } : {},
      ),
    'runbook:verify': async ({ stepId, inputs, runId }, { emit }) => runbook.verify(stepId, inputs, runId, emit),
    'runbook:cancel': async ({ runId }) => runbook.cancel(runId),
    'checks:run': async ({ scope, groups, inputs, runId }, { emit }) =>
      runbook.checks(scope, groups, inputs ?? {}, runId, emit),
    'settings:set-mode': async ({ mode }) => ({ mode: runbook.setMode(mode) }),
    'host:identity': async (_request, { emit }) => {
      const runId = `host-${now().getTime()}`;
      const progress = progressReporter(journal, emit, runId);
      progress('Reading host identity with PowerShell.');
      const result = await powershell.run('Get-HostIdentity', {
        onProgress: (message) => progress(message),
        signal: closing.signal,
      });
      journal.append({
        kind: 'host-identity',
        runId,
        message: `Host ${result.data.computerName}: ${result.data.osCaption} (build ${result.data.osBuild}).`,
        data: result.data,
      });
      runbook.noteHost(result.data);
      return result.data;
    },
    'journal:tail': async ({ limit }) => ({ entries: journal.tail(limit ?? 100) }),
    'runbook:resume-point': async () => ({ point: runbook.resumePoint() }),
    'report:export': async ({ format }) => {
      const file = await exportReport(report(), format, options.printPdf);
      journal.append({ kind: 'report-exported', message: `Runbook exported as ${format} (${file.fileName}).` });
      return file;
    },
    'support:bundle': async (_request, { emit }) => {
      const runId = `support-${now().getTime()}`;
      const progress = progressReporter(journal, emit, runId);
      const bundle = await supportBundle((message) => progress(message));
      return {
        fileName: bundle.fileName,
        mimeType: 'application/zip',
        base64: Buffer.from(bundle.zip).toString('base64'),
        files: bundle.manifest.files.length,
        notes: bundle.manifest.notes,
      };
    },
    'help:open': async ({ url }) => {
      if (!isAllowedExternalUrl(url)) {
        throw new CompanionError(
          'NOT_ALLOWED',
          'The companion only opens Microsoft documentation and admin portals.',
          'Copy the address and open it yourself if you trust it.',
        );
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
    report,
    writeRunbook: (folder, formats, extra = {}) => reportService.writeWith(folder, formats, extra),
    supportBundle,
    dataDir: options.dataDir,
    ...(options.printPdf ? { printPdf: options.printPdf } : {}),
    close: () => {
      closing.abort();
      runbook.cancelAll();
      journal.close();
    },
  };
}
