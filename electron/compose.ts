import { homedir, uptime } from 'node:os';
import { join } from 'node:path';
import type { HostKind } from './contract/model.ts';
import type { NameOverrides } from './core/ports.ts';
import { createCompanion, type Companion } from './core/companion.ts';
import type { SignInWindow } from './core/ports.ts';
import type { PdfPrinter } from './core/ports.ts';
import { printHtmlToPdf } from './platform/pdf.ts';
import type { PowerShellHost } from './core/ports.ts';
import { Redactor } from './core/store/redact.ts';
import { prepareDataDir } from './platform/data-dir.ts';
import { createProcessTable } from './platform/process-table.ts';
import { createCloudHttp } from './platform/cloud-http.ts';
import { createHttpProbe } from './platform/http-probe.ts';
import { createNetProbe } from './platform/net-probe.ts';
import { createPowerShellRunner, windowsPowerShell } from './platform/powershell-runner.ts';
import { BUILD_SCRIPT_HASHES } from './platform/script-integrity.ts';
import { systemRoot } from './platform/windows-paths.ts';

/**
 * The composition root every host shares (Electron main, the preview host, the CLI): it builds
 * the core over the edge adapters it is given. It reads no environment variable: the edges a
 * shipped build runs with come from productionEdges(), and only the lab's own entry points
 * (tests/lab) hand in lab edges.
 */
export interface Edges {
  powershell: PowerShellHost | null;
  /** Names resolved differently from DNS (the lab world); none in a shipped build. */
  names?: NameOverrides;
  /** Trusted roots added to the system's (the lab's own CA); none in a shipped build. */
  trustAnchors?: readonly string[];
  /** Root fingerprints accepted as Microsoft's service roots (the lab's own); none in a shipped build. */
  serviceRoots?: readonly string[];
  dataDir: string;
  /** False when the admin named an existing folder (--data-dir): it is used, not re-ACLed. */
  restrictDataDir?: boolean;
  /** Shown on screen, so a rehearsal is never mistaken for the real server. */
  lab: boolean;
  /**
   * How the preview host's sign-in browser reaches the sign-in host in the lab (its proxy, its
   * CA accepted); none in a shipped build, and the Electron host has no such option at all.
   */
  signInBrowser?: { proxyServer: string; acceptLabCertificates: boolean };
}

/** Where state and journal live: under ProgramData on Windows (found from the OS, not %ProgramData%). */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, root: () => string = systemRoot): string {
  if (platform === 'win32') return `${root().slice(0, 2)}\\ProgramData\\NDES Proxy Companion`;
  return join(homedir(), '.local', 'state', 'ndes-proxy-companion');
}

/** What the shipped app runs with: the in-box Windows PowerShell, the system's DNS and roots. */
export function productionEdges(options: { platform?: NodeJS.Platform; dataDir?: string } = {}): Edges {
  const platform = options.platform ?? process.platform;
  return {
    powershell: platform === 'win32' ? windowsPowerShell() : null,
    dataDir: options.dataDir ?? defaultDataDir(platform),
    restrictDataDir: options.dataDir === undefined,
    lab: false,
  };
}

export interface ComposeOptions {
  host: HostKind;
  version: string;
  scriptsDir: string;
  openExternal(url: string): Promise<boolean>;
  edges: Edges;
  /** The host's sign-in window for the connector registration token. */
  signInWindow?: SignInWindow;
  /** Opens a sign-in address in this machine's browser (loopback sign-in). */
  openSignInBrowser?: (url: string, proxy?: string) => Promise<void>;
  /** Print-to-PDF for the runbook; by default a Chromium-family browser on this machine. */
  printPdf?: PdfPrinter;
  /** The installed app's own executable, which a scheduled task may start after a restart (Electron, packaged, Windows only). */
  relaunch?: { appPath: string };
  /** This start came from that scheduled task. */
  launchedToResume?: boolean;
  /**
   * A data folder the host already made its own before composing (the Electron CLI, for its
   * profile), with what that did: not prepared a second time, and said in the journal.
   */
  prepared?: { dir: string; notices: readonly string[] };
}

export function composeCompanion(options: ComposeOptions): Companion {
  const { edges } = options;
  const preparedByHost = options.prepared?.dir === edges.dataDir ? options.prepared : undefined;
  const prepared =
    preparedByHost ??
    prepareDataDir(edges.dataDir, {
      restrict: edges.restrictDataDir ?? true,
      scripts: { dir: options.scriptsDir, expectedHashes: BUILD_SCRIPT_HASHES },
      ...(edges.powershell ? { host: edges.powershell } : {}),
    });
  const redactor = new Redactor();
  const probeConfig = {
    ...(edges.names ? { names: edges.names } : {}),
    ...(edges.trustAnchors ? { trustAnchors: edges.trustAnchors } : {}),
  };
  return createCompanion({
    host: options.host,
    version: options.version,
    platform: process.platform,
    dataDir: edges.dataDir,
    powershell: createPowerShellRunner({
      host: edges.powershell,
      scriptsDir: options.scriptsDir,
      redactor,
      expectedHashes: BUILD_SCRIPT_HASHES,
    }),
    http: createHttpProbe(probeConfig),
    net: createNetProbe(probeConfig),
    cloudHttp: createCloudHttp(probeConfig),
    redactor,
    processes: createProcessTable({
      scripts: {
        dir: options.scriptsDir,
        expectedHashes: BUILD_SCRIPT_HASHES,
        ...(edges.powershell ? { host: edges.powershell } : {}),
      },
    }),
    openExternal: options.openExternal,
    ...(options.signInWindow ? { signInWindow: options.signInWindow } : {}),
    ...(options.openSignInBrowser ? { openSignInBrowser: options.openSignInBrowser } : {}),
    printPdf:
      options.printPdf ?? ((html) => printHtmlToPdf(html, { workDir: join(edges.dataDir, 'Reports', '.print') })),
    lab: edges.lab,
    ...(edges.serviceRoots ? { serviceRoots: edges.serviceRoots } : {}),
    // The lab's fake Windows never restarts: this machine's own boot time would say nothing of it.
    ...(edges.lab ? {} : { bootTime: () => new Date(Date.now() - uptime() * 1000) }),
    ...(options.relaunch ? { relaunch: options.relaunch } : {}),
    ...(options.launchedToResume ? { launchedToResume: true } : {}),
    // The host's own notices about another folder (its default, when --data-dir names a second one) are said too.
    startupNotices: [...(preparedByHost ? [] : (options.prepared?.notices ?? [])), ...prepared.notices],
  });
}

/**
 * The CLI's companion, one composition for the three ways the CLI starts: from Node
 * (electron/cli), inside the installed app (electron/main, --cli), and the lab's own CLI
 * (tests/lab/cli.ts, which hands in its edges): on the data folder asked for, no browser to open.
 */
export function composeCliCompanion(options: {
  version: string;
  scriptsDir: string;
  dataDir?: string;
  signInWindow?: SignInWindow;
  printPdf?: (dataDir: string) => PdfPrinter;
  prepared?: { dir: string; notices: readonly string[] };
  /** The edges on a data folder: the production ones unless the lab's entry point gives its own. */
  edges?: (dataDir: string | undefined) => Edges;
}): Companion {
  const edges = options.edges
    ? options.edges(options.dataDir)
    : productionEdges(options.dataDir ? { dataDir: options.dataDir } : {});
  return composeCompanion({
    host: 'cli',
    version: options.version,
    scriptsDir: options.scriptsDir,
    openExternal: async () => false,
    ...(options.signInWindow ? { signInWindow: options.signInWindow } : {}),
    ...(options.printPdf ? { printPdf: options.printPdf(edges.dataDir) } : {}),
    ...(options.prepared ? { prepared: options.prepared } : {}),
    edges,
  });
}
