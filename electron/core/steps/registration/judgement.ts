import { z } from 'zod';
import { ServiceSchema } from '../../checks/host/facts.ts';
import { ConnectorEventSchema, ConnectorTrustSchema } from '../../connector/state.ts';
import { SignatureSchema } from '../../connector/signature.ts';

/** The JSON document Register-Connector.ps1 prints: what it saw and did, never a verdict. */
const RegistrationSchema = z.object({
  trust: ConnectorTrustSchema,
  tenantId: z.string().nullable(),
  expired: z.boolean().nullable(),
});

export const RegisterReportSchema = z.object({
  whatIf: z.boolean(),
  result: z.enum(['refused', 'what-if', 'already-registered', 'other-tenant', 'tenant-unknown', 'ran']),
  refusal: z
    .object({
      reason: z.enum(['not-installed', 'script-missing', 'script-not-microsoft', 'no-token', 'module-logging']),
      detail: z.string(),
    })
    .nullable(),
  tenantId: z.string(),
  generation: z.enum(['entra', 'aad']).nullable(),
  registerScript: z.object({ path: z.string(), signature: SignatureSchema }).nullable(),
  before: RegistrationSchema.nullable(),
  error: z.object({ message: z.string(), errorId: z.string() }).nullable(),
  after: RegistrationSchema.nullable(),
  services: z.array(ServiceSchema).nullable(),
  events: z.array(ConnectorEventSchema),
});

export type RegisterReport = z.infer<typeof RegisterReportSchema>;
