import { z } from 'zod';

/** What Set-RestartResume.ps1 prints: the scheduled task that reopens the companion after a restart, or the restart asked for. */
export const RestartResumeReportSchema = z.object({
  action: z.enum(['Register', 'Remove', 'Read', 'Restart']),
  result: z
    .enum([
      'present',
      'absent',
      'removed',
      'would-remove',
      'registered',
      'would-register',
      'restart-scheduled',
      'already-scheduled',
      'would-restart',
      'refused',
    ])
    .nullable(),
  mechanism: z.literal('scheduled-task'),
  task: z
    .object({
      taskPath: z.string(),
      taskName: z.string(),
      execute: z.string().nullable(),
      arguments: z.string().nullable(),
      userId: z.string(),
      runLevel: z.string(),
    })
    .nullable(),
  restart: z.object({ delaySeconds: z.number().int(), exitCode: z.number().int().nullable() }).nullable(),
  refusal: z
    .object({
      reason: z.enum(['no-app-path', 'app-path-not-installed', 'app-path-missing', 'app-path-writable']),
      detail: z.string(),
    })
    .nullable(),
});
export type RestartResumeReport = z.infer<typeof RestartResumeReportSchema>;

/** The argument the scheduled task starts the companion with. */
export const RESUME_ARGUMENT = '--resume-after-restart';
export const RESUME_TASK = '\\NDES Proxy Companion\\Resume after restart';
