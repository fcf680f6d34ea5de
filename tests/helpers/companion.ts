import { createProcessTable } from '../../electron/platform/process-table.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCompanion, type Companion } from '../../electron/core/companion.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import type { PowerShellHost } from '../../electron/core/ports.ts';
import { createPowerShellRunner } from '../../electron/platform/powershell-runner.ts';
import { printHtmlToPdf } from '../../electron/platform/pdf.ts';
import { closedWorld, labNames } from '../lab/edges.ts';
import type { LabConfig } from '../lab/edges.ts';
import { createHttpProbe } from '../../electron/platform/http-probe.ts';
import { createNetProbe } from '../../electron/platform/net-probe.ts';
import { createCloudHttp } from '../../electron/platform/cloud-http.ts';
import type { SignInWindow } from '../../electron/core/ports.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const scriptsDir = join(repoRoot, 'scripts', 'powershell');

export interface TestCompanion {
  companion: Companion;
  dataDir: string;
  opened: string[];
  dispose(): void;
}

/**
 * A real companion over a temporary data folder; PowerShell is absent unless a host is given.
 * With a lab configuration, PowerShell and the network are the lab world's (its fake Windows,
 * its loopback endpoints and proxy), and nothing else is reachable.
 */
export function testCompanion(
  options: {
    powershell?: PowerShellHost | null;
    dataDir?: string;
    lab?: LabConfig;
    signInWindow?: SignInWindow;
    printPdf?: boolean;
    bootTime?: () => Date;
    relaunch?: { appPath: string };
    launchedToResume?: boolean;
  } = {},
): TestCompanion {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ndes-companion-'));
  const redactor = new Redactor();
  const opened: string[] = [];
  const companion = createCompanion({
    host: 'cli',
    version: '0.0.0-test',
    platform: 'linux',
    dataDir,
    powershell: createPowerShellRunner({
      host: options.lab?.powershell
        ? { ...options.lab.powershell, label: 'Windows PowerShell (lab)' }
        : (options.powershell ?? null),
      scriptsDir,
      redactor,
    }),
    // Closed world: no test reaches beyond this machine, whatever a payload asks for.
    http: createHttpProbe(
      options.lab
        ? { names: labNames(options.lab.hosts, true), trustAnchors: options.lab.trustAnchors }
        : { names: closedWorld },
    ),
    net: createNetProbe(
      options.lab
        ? { names: labNames(options.lab.hosts, true, options.lab.cnames), trustAnchors: options.lab.trustAnchors }
        : { names: closedWorld },
    ),
    ...(options.lab
      ? {
          serviceRoots: options.lab.serviceRoots,
          cloudHttp: createCloudHttp({
            names: labNames(options.lab.hosts, true),
            trustAnchors: options.lab.trustAnchors,
          }),
        }
      : {}),
    redactor,
    processes: createProcessTable(),
    ...(options.signInWindow ? { signInWindow: options.signInWindow } : {}),
    // The machine's own Chromium prints, as the CLI's does.
    ...(options.printPdf
      ? { printPdf: (html: string) => printHtmlToPdf(html, { workDir: join(dataDir, '.print') }) }
      : {}),
    ...(options.bootTime ? { bootTime: options.bootTime } : {}),
    ...(options.relaunch ? { relaunch: options.relaunch } : {}),
    ...(options.launchedToResume ? { launchedToResume: true } : {}),
    openExternal: async (url) => {
      opened.push(url);
      return true;
    },
    lab: false,
  });
  return {
    companion,
    dataDir,
    opened,
    dispose() {
      companion.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
