import { z } from 'zod';

/**
 * A lab scenario is one imagined world: the Windows server our real scripts run on (the fake
 * Windows' world file, `windows`), the fake NDES and App Proxy front, and the outbound network.
 * `powershell` names a fault of the PowerShell process itself (it cannot start, hangs, crashes,
 * prints garbage, or refuses our script); `languageMode` runs our scripts as AppLocker or WDAC
 * script rules would.
 */
export const ProcessFaultSchema = z.enum(['missing', 'hang', 'crash', 'garbage', 'script-blocked']);
export type ProcessFault = z.infer<typeof ProcessFaultSchema>;

export const ScenarioSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** Behaviour of the fake NDES (tests/lab/ndes/behaviours.ts) and App Proxy front in this world. */
  ndes: z.string().default('healthy'),
  front: z.enum(['healthy', 'connector-down', 'backend-unreachable', 'preauth', 'firewall-403']).default('healthy'),
  /** The outbound world: endpoint behaviours by "host:port", clock skew, proxy authentication. */
  outbound: z
    .object({
      endpoints: z.record(z.string(), z.enum(['ok', 'inspected', 'blackholed', 'refused', 'nxdomain'])).optional(),
      clockSkewSeconds: z.number().optional(),
      proxy: z.object({ requireAuth: z.boolean().optional() }).optional(),
    })
    .default({}),
  powershell: ProcessFaultSchema.optional(),
  languageMode: z.enum(['FullLanguage', 'ConstrainedLanguage']).default('FullLanguage'),
  /** Public DNS records of the world beyond the lab's servers: CNAMEs of custom-domain names. */
  dns: z
    .object({ cnames: z.record(z.string(), z.string()).default({}) })
    .strict()
    .default({ cnames: {} }),
  /** The tenant as the lab's Microsoft Graph shows it (tests/lab/entra/fake-graph.ts). */
  graph: z
    .object({
      roles: z.array(z.string()).optional(),
      eligibleRoles: z.array(z.string()).optional(),
      servicePlans: z.array(z.string()).optional(),
      appProxyEnabled: z.boolean().optional(),
      throttleFirst: z.number().int().optional(),
      eligibilityDenied: z.boolean().optional(),
      connectors: z
        .array(
          z.object({
            machineName: z.string(),
            status: z.enum(['active', 'inactive']),
            group: z.string().optional(),
            externalIp: z.string().optional(),
            version: z.string().optional(),
          }),
        )
        .optional(),
      apps: z
        .array(
          z.object({
            displayName: z.string(),
            internalUrl: z.string(),
            externalUrl: z.string(),
            externalAuthenticationType: z.string().optional(),
          }),
        )
        .optional(),
      replicationLag: z.number().int().optional(),
      deviceConfigurations: z
        .array(
          z.object({ displayName: z.string(), odataType: z.string(), scepServerUrls: z.array(z.string()).optional() }),
        )
        .optional(),
      pageSize: z.number().int().optional(),
      /** Custom domains verified in the tenant, besides the initial onmicrosoft.com one (default: contoso.com). */
      verifiedDomains: z.array(z.string()).optional(),
      /** Writes the lab refuses once, as a step's later write failing part-way (undo tests). */
      failWrites: z
        .array(
          z.object({
            method: z.enum(['POST', 'PATCH', 'PUT', 'DELETE']),
            path: z.string(),
            status: z.number().int(),
            code: z.string(),
            message: z.string(),
          }),
        )
        .optional(),
      /** Reads the lab always refuses (a permission the sign-in lacks whatever its role). */
      refuseReads: z
        .array(z.object({ path: z.string(), status: z.number().int(), code: z.string(), message: z.string() }))
        .optional(),
    })
    .strict()
    .default({}),
  /** The Windows server, as tests/fake-windows/FakeWindows.psm1 reads it. */
  windows: z.record(z.string(), z.unknown()),
});

/**
 * A scenario file may extend another and patch its Windows world (a deep merge: objects merge,
 * `null` removes a key or value, everything else replaces), so each failure scenario states
 * only what differs from the world it extends.
 */
const ScenarioFileSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    extends: z.string().optional(),
    ndes: z.string().optional(),
    front: z.string().optional(),
    outbound: z.unknown().optional(),
    powershell: ProcessFaultSchema.optional(),
    languageMode: z.string().optional(),
    dns: z.unknown().optional(),
    graph: z.record(z.string(), z.unknown()).optional(),
    windows: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export function mergeWorld(base: unknown, patch: unknown): unknown {
  if (
    patch === null ||
    typeof patch !== 'object' ||
    Array.isArray(patch) ||
    base === null ||
    typeof base !== 'object' ||
    Array.isArray(base)
  )
    return patch;
  const patchEntries = Object.entries(patch as Record<string, unknown>);
  const removed = new Set(patchEntries.filter(([, value]) => value === null).map(([key]) => key));
  const out = Object.fromEntries(Object.entries(base as Record<string, unknown>).filter(([key]) => !removed.has(key)));
  for (const [key, value] of patchEntries) if (value !== null) out[key] = mergeWorld(out[key], value);
  return out;
}

export function resolveScenario(load: (name: string) => unknown, name: string, seen: string[] = []): Scenario {
  if (seen.includes(name)) throw new Error(`Scenario "${name}" extends itself (${[...seen, name].join(' → ')}).`);
  const file = ScenarioFileSchema.parse(load(name));
  const base: Partial<Scenario> = file.extends ? resolveScenario(load, file.extends, [...seen, name]) : {};
  return ScenarioSchema.parse({
    name: file.name,
    description: file.description,
    ndes: file.ndes ?? base.ndes,
    front: file.front ?? base.front,
    outbound: file.outbound ?? base.outbound,
    powershell: file.powershell ?? base.powershell,
    languageMode: file.languageMode ?? base.languageMode,
    dns: file.dns ?? base.dns,
    graph: mergeWorld(base.graph ?? {}, file.graph ?? {}),
    windows: mergeWorld(base.windows ?? {}, file.windows ?? {}),
  });
}

export type Scenario = z.infer<typeof ScenarioSchema>;

/** One start of the fake Windows' PowerShell, as FakeWindowsHost records it. */
export interface PowerShellRecord {
  at: string;
  pid: number;
  argv: string[];
  languageMode: string;
  script: string;
}
