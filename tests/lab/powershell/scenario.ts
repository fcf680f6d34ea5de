import { z } from 'zod';

/**
 * A lab scenario says how each of our PowerShell scripts answers on an imagined server:
 * the progress lines it prints, its one JSON result, stderr, exit code, and whether it hangs.
 */
export const ScriptAnswerSchema = z.object({
  progress: z.array(z.string()).default([]),
  result: z.unknown().optional(),
  stderr: z.string().default(''),
  exitCode: z.number().int().default(0),
  delayMs: z.number().int().min(0).max(60_000).default(0),
  hang: z.boolean().default(false),
});

export const ScenarioSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** Behaviour of the fake NDES (tests/lab/ndes/behaviours.ts) and App Proxy front in this world. */
  ndes: z.string().default('healthy'),
  front: z.enum(['healthy', 'connector-down', 'backend-unreachable', 'preauth']).default('healthy'),
  /** The outbound world: endpoint behaviours by "host:port", clock skew, proxy authentication. */
  outbound: z
    .object({
      endpoints: z.record(z.string(), z.enum(['ok', 'inspected', 'blackholed', 'refused', 'nxdomain'])).optional(),
      clockSkewSeconds: z.number().optional(),
      proxy: z.object({ requireAuth: z.boolean().optional() }).optional(),
    })
    .default({}),
  scripts: z.record(z.string(), ScriptAnswerSchema),
});

/**
 * A scenario file may extend another and patch one script's result (a deep merge: objects
 * merge, everything else replaces), so each failure scenario states only what differs.
 */
const ScenarioFileSchema = z.object({
  name: z.string(),
  description: z.string(),
  extends: z.string().optional(),
  ndes: z.string().optional(),
  front: z.string().optional(),
  outbound: z.unknown().optional(),
  scripts: z.record(z.string(), z.union([z.object({ patch: z.unknown() }).strict(), ScriptAnswerSchema])),
});

function merge(base: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch) || base === null || typeof base !== 'object' || Array.isArray(base)) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) out[key] = merge(out[key], value);
  return out;
}

export function resolveScenario(load: (name: string) => unknown, name: string, seen: string[] = []): Scenario {
  if (seen.includes(name)) throw new Error(`Scenario "${name}" extends itself (${[...seen, name].join(' → ')}).`);
  const file = ScenarioFileSchema.parse(load(name));
  const base: Pick<Scenario, 'scripts'> & { ndes?: string; front?: string; outbound?: unknown } = file.extends ? resolveScenario(load, file.extends, [...seen, name]) : { scripts: {} };
  const scripts: Scenario['scripts'] = { ...base.scripts };
  for (const [script, answer] of Object.entries(file.scripts)) {
    if ('patch' in answer) {
      const inherited = base.scripts[script];
      if (!inherited) throw new Error(`Scenario "${name}" patches ${script}, which "${file.extends ?? '(none)'}" does not answer.`);
      scripts[script] = { ...inherited, result: merge(inherited.result, answer.patch) };
    } else {
      scripts[script] = ScriptAnswerSchema.parse(answer);
    }
  }
  return ScenarioSchema.parse({ name: file.name, description: file.description, ndes: file.ndes ?? base.ndes, front: file.front ?? base.front, outbound: file.outbound ?? base.outbound, scripts });
}

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScriptAnswer = z.infer<typeof ScriptAnswerSchema>;

export interface StandInRecord {
  at: string;
  script: string;
  params: Record<string, string | true>;
  argv: string[];
  stdin: string;
}
