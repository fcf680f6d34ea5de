import { z } from 'zod';
import { FactProblemSchema, ProxyConfigSchema, ServiceSchema } from '../checks/host/facts.ts';

/**
 * The JSON document Get-ConnectorState.ps1 prints: the private network connector as this
 * server sees it (reference docs/reference/domain.md §1). Facts only; a fact Windows would not give is null
 * and why is listed under `problems`.
 */
const nullableString = z.string().nullable();

export const ConnectorInstallSchema = z.object({
  installed: z.boolean(),
  generation: z.enum(['entra', 'aad']).nullable(),
  directory: nullableString,
  version: nullableString,
  modulePath: nullableString,
  moduleName: nullableString,
  moduleFound: z.boolean(),
});

export const ConnectorTrustSchema = z.object({
  settingsFile: z.string(),
  present: z.boolean(),
  thumbprint: nullableString,
  isInUserStore: z.boolean().nullable(),
  found: z.boolean(),
  subject: nullableString,
  issuer: nullableString,
  notAfter: nullableString,
});

export const ConnectorEventSchema = z.object({
  log: z.string(),
  id: z.number().int(),
  level: z.number().int(),
  time: nullableString,
  source: z.string(),
  message: z.string(),
});

export const ConnectorStateSchema = z.object({
  install: ConnectorInstallSchema.nullable(),
  /** This server's DNS name, as Microsoft Graph lists connectors (machineName). */
  machineName: nullableString,
  services: z.array(ServiceSchema).nullable(),
  configs: z.array(ProxyConfigSchema).nullable(),
  useDefaultProxyForBackendRequests: z.union([z.number(), z.string()]).nullable(),
  trust: ConnectorTrustSchema.nullable(),
  recentEvents: z.array(ConnectorEventSchema).nullable(),
  problems: z.array(FactProblemSchema),
  collectedAt: z.string(),
});

export type ConnectorState = z.infer<typeof ConnectorStateSchema>;
export type ConnectorEvent = z.infer<typeof ConnectorEventSchema>;
