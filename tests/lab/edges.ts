import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Edges } from '../../electron/compose.ts';
import type { NameOverrides } from '../../electron/core/ports.ts';

/**
 * The lab's edges: what the lab's own entry points (npm run lab, the lab CLI, the tests) hand the
 * composition root instead of the production ones. A lab world writes this file (lab.json).
 */
export const LabConfigSchema = z.object({
  powershell: z.object({ file: z.string(), prefixArgs: z.array(z.string()) }),
  dataDir: z.string(),
  /** The lab resolver: real names → loopback "address:port" of the lab's servers. */
  hosts: z.record(z.string(), z.string()).default({}),
  /** The lab's CA certificates (PEM), trusted as an enterprise root would be. */
  trustAnchors: z.array(z.string()).default([]),
  /** The lab's CNAME records: a custom domain's external name → the msappproxy.net name it points to. */
  cnames: z.record(z.string(), z.string()).default({}),
  /** Nothing outside `hosts` is reachable: a rehearsal never touches the real internet. */
  closedWorld: z.boolean().default(true),
  /** The lab's stand-in for Microsoft's service roots, by SHA-256 fingerprint. */
  serviceRoots: z.array(z.string()).default([]),
});
export type LabConfig = z.infer<typeof LabConfigSchema>;

export function readLabConfig(file: string): LabConfig {
  try {
    return LabConfigSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new Error(`${file} is not a lab configuration: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The lab resolver: "name" or "name:port" → "address" or "address:port". Without a port (a DNS
 * question) any "name:port" entry means the name exists. A name with a CNAME in `cnames` answers
 * that record, and resolves as its target does.
 */
export function labNames(
  hosts: Record<string, string>,
  closedWorld = true,
  cnames: Record<string, string> = {},
): NameOverrides {
  const aliases = new Map(Object.entries(cnames).map(([name, target]) => [name.toLowerCase(), target.toLowerCase()]));
  const map = (host: string, port: number | undefined, hops = 0): { address: string; port?: number } | undefined => {
    const name = host.toLowerCase();
    const alias = aliases.get(name);
    if (alias) return hops < 8 ? map(alias, port, hops + 1) : undefined;
    const anyPort =
      port === undefined ? Object.entries(hosts).find(([key]) => key.startsWith(`${name}:`))?.[1] : undefined;
    const value = (port !== undefined ? hosts[`${name}:${port}`] : undefined) ?? hosts[name] ?? anyPort;
    if (!value) return undefined;
    const match = /^(.*):(\d+)$/.exec(value);
    return match && !value.startsWith('[')
      ? { address: match[1] ?? value, port: Number(match[2]) }
      : { address: value };
  };
  return { closedWorld, cname: (host) => aliases.get(host.toLowerCase()), map: (host, port) => map(host, port) };
}

/** A world where nothing exists: tests that must never reach past this machine. */
export const closedWorld: NameOverrides = labNames({}, true);

export function labEdges(config: LabConfig): Edges {
  return {
    powershell: { ...config.powershell, label: 'Windows PowerShell (lab)' },
    names: labNames(config.hosts, config.closedWorld, config.cnames),
    trustAnchors: config.trustAnchors,
    serviceRoots: config.serviceRoots,
    dataDir: config.dataDir,
    restrictDataDir: false,
    lab: true,
    // The admin's browser in the lab goes out through the lab's proxy, which reaches its Entra ID.
    ...(config.hosts['proxy.contoso.local:8080']
      ? {
          signInBrowser: {
            proxyServer: `http://${config.hosts['proxy.contoso.local:8080']}`,
            acceptLabCertificates: true,
          },
        }
      : {}),
  };
}
