import { z } from 'zod';
import { ServiceSchema } from '../../checks/host/facts.ts';
import { SignatureSchema } from '../../connector/signature.ts';

/** The JSON document Install-Connector.ps1 prints: what it saw and did, never a verdict. */
const nullableString = z.string().nullable();

export const InstalledStateSchema = z.object({
  generation: z.enum(['entra', 'aad']).nullable(),
  version: nullableString,
  moduleFound: z.boolean(),
  services: z.array(ServiceSchema),
});

export const InstallReportSchema = z.object({
  whatIf: z.boolean(),
  result: z.enum(['refused', 'what-if', 'already-installed', 'other-version-installed', 'ran']),
  refusal: z
    .object({
      reason: z.enum(['not-found', 'wrong-name', 'copy-changed', 'not-signed', 'not-microsoft', 'still-marked']),
      detail: z.string(),
    })
    .nullable(),
  installer: z
    .object({
      name: z.string(),
      product: z.enum(['entra', 'aad']),
      version: nullableString,
      sha256: z.string(),
      signature: SignatureSchema,
    })
    .nullable(),
  existing: z.object({ generation: z.enum(['entra', 'aad']), version: nullableString }).nullable(),
  staged: nullableString,
  arguments: z.array(z.string()).nullable(),
  launched: z.boolean(),
  transactionStarted: z.boolean().nullable(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  stopped: z.boolean(),
  durationSeconds: z.number().int().nullable(),
  log: z.object({ file: z.string(), lines: z.array(z.string()) }).nullable(),
  after: InstalledStateSchema.nullable(),
});

export type InstallReport = z.infer<typeof InstallReportSchema>;
export type InstalledState = z.infer<typeof InstalledStateSchema>;
