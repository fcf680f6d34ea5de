import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { windowsPowerShell, type PowerShellHost } from './powershell-runner.ts';

/**
 * The lab world (`npm run lab`, tests) is named by one environment variable pointing at a
 * JSON file the lab wrote. Only composition roots read it, and a host in lab mode says so
 * on screen, so a rehearsal is never mistaken for the real server.
 */
export const LAB_ENV = 'NDES_COMPANION_LAB';

const LabConfigSchema = z.object({
  powershell: z.object({ file: z.string(), prefixArgs: z.array(z.string()) }),
  dataDir: z.string().optional(),
  /** The lab resolver: real names → loopback "address:port" of the lab's servers. */
  hosts: z.record(z.string(), z.string()).default({}),
  /** Lab CA certificates (PEM) trusted in addition to the system's, as an enterprise root would be. */
  extraCaPem: z.array(z.string()).default([]),
  /** Nothing outside `hosts` is reachable: a rehearsal never touches the real internet. */
  closedWorld: z.boolean().default(true),
});
export type LabConfig = z.infer<typeof LabConfigSchema>;

export function readLabConfig(env: NodeJS.ProcessEnv = process.env): LabConfig | null {
  const file = env[LAB_ENV];
  if (!file) return null;
  try {
    return LabConfigSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new Error(`${LAB_ENV} points at ${file}, which is not a lab configuration: ${(error as Error).message}`, { cause: error });
  }
}

export function choosePowerShell(lab: LabConfig | null, platform: NodeJS.Platform = process.platform): PowerShellHost | null {
  if (lab) return { file: lab.powershell.file, prefixArgs: lab.powershell.prefixArgs, label: 'Windows PowerShell (lab)' };
  return platform === 'win32' ? windowsPowerShell() : null;
}

/** Where state and journal live when the host has no better place (CLI, preview host). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.NDES_COMPANION_DATA) return env.NDES_COMPANION_DATA;
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'NDES Proxy Companion');
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'ndes-proxy-companion');
}
