import { z } from 'zod';

/** What Get-SupportExcerpts.ps1 prints: the excerpts support asks for first, for the support bundle. */
const SourceState = z.enum(['read', 'absent', 'failed']);

export const SupportExcerptsSchema = z.object({
  since: z.string(),
  days: z.number().int(),
  eventLogs: z.array(
    z.object({
      log: z.string(),
      source: z.string().nullable(),
      state: SourceState,
      detail: z.string(),
      events: z.array(
        z.object({
          time: z.string().nullable(),
          id: z.number().int(),
          level: z.number().int(),
          source: z.string(),
          message: z.string(),
        }),
      ),
    }),
  ),
  iisLogs: z.object({
    folder: z.string().nullable(),
    state: SourceState,
    detail: z.string(),
    files: z.array(
      z.object({
        name: z.string(),
        site: z.string(),
        modified: z.string().nullable(),
        matched: z.number().int().describe('Lines that mention /certsrv/mscep; the newest of them are in lines.'),
        error: z.string().optional(),
        lines: z.array(
          z.object({
            time: z.string().nullable(),
            method: z.string().nullable(),
            uriStem: z.string().nullable(),
            operation: z.string().nullable(),
            status: z.number().int().nullable(),
            substatus: z.number().int().nullable(),
            win32Status: z.number().int().nullable(),
            timeTakenMs: z.number().int().nullable(),
            clientIp: z.string().nullable(),
            userAgent: z.string().nullable(),
          }),
        ),
      }),
    ),
  }),
  installerLogs: z.object({
    folder: z.string().nullable(),
    state: SourceState,
    detail: z.string(),
    files: z.array(
      z.object({
        name: z.string(),
        modified: z.string().nullable(),
        bytes: z.number().int(),
        tail: z.array(z.string()),
        error: z.string().nullable(),
      }),
    ),
  }),
});
export type SupportExcerpts = z.infer<typeof SupportExcerptsSchema>;
