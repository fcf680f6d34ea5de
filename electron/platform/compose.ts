import type { HostKind } from '../contract/model.ts';
import { createCompanion, type Companion } from '../core/companion.ts';
import { Redactor } from '../core/store/redact.ts';
import { choosePowerShell, defaultDataDir, readLabConfig } from './environment.ts';
import { createPowerShellRunner } from './powershell-runner.ts';
import { createHttpProbe } from './http-probe.ts';
import { createNetProbe } from './net-probe.ts';

export interface ComposeOptions {
  host: HostKind;
  version: string;
  scriptsDir: string;
  openExternal(url: string): Promise<boolean>;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The composition root every host shares: picks the real edge adapters, or the lab's when
 * NDES_COMPANION_LAB names a lab world, and builds the core over them.
 */
export function composeCompanion(options: ComposeOptions): Companion {
  const env = options.env ?? process.env;
  const lab = readLabConfig(env);
  const redactor = new Redactor();
  return createCompanion({
    host: options.host,
    version: options.version,
    platform: process.platform,
    dataDir: options.dataDir ?? lab?.dataDir ?? defaultDataDir(env),
    powershell: createPowerShellRunner({ host: choosePowerShell(lab), scriptsDir: options.scriptsDir, redactor, env }),
    http: createHttpProbe(lab ? { hosts: lab.hosts, extraCaPem: lab.extraCaPem, closedWorld: lab.closedWorld } : {}),
    net: createNetProbe(lab ? { hosts: lab.hosts, extraCaPem: lab.extraCaPem, closedWorld: lab.closedWorld } : {}),
    redactor,
    openExternal: options.openExternal,
    lab: lab !== null,
  });
}
