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
  scripts: z.record(z.string(), ScriptAnswerSchema),
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScriptAnswer = z.infer<typeof ScriptAnswerSchema>;

export interface StandInRecord {
  at: string;
  script: string;
  params: Record<string, string | true>;
  argv: string[];
  stdin: string;
}
