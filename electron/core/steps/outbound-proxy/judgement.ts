import { z } from 'zod';
import { ProxyConfigSchema, ServiceSchema } from '../../checks/host/facts.ts';
import { SignatureSchema } from '../../connector/signature.ts';

const WinHttpSchema = z.object({
  present: z.boolean(),
  direct: z.boolean(),
  proxy: z.string().nullable(),
  bypass: z.string().nullable(),
  hex: z.string().nullable(),
});

const ProxyStateSchema = z.object({
  configs: z.array(ProxyConfigSchema.extend({ missing: z.boolean().optional() })),
  winHttp: WinHttpSchema,
  services: z.array(ServiceSchema),
});

/** The JSON document Set-ConnectorProxy.ps1 prints: what it saw, changed and read back, never a verdict. */
export const ProxyReportSchema = z.object({
  action: z.enum(['Set', 'Undo', 'Remove']),
  whatIf: z.boolean(),
  result: z.enum(['refused', 'what-if', 'already-configured', 'changed', 'rolled-back', 'restored']),
  refusal: z
    .object({
      reason: z.enum([
        'not-installed',
        'no-backup',
        'no-address',
        'config-missing',
        'script-missing',
        'script-not-microsoft',
        'backup-unreadable',
        'backup-untrusted',
        'after-unknown',
        'changed-since',
        'backup-damaged',
      ]),
      detail: z.string(),
    })
    .nullable(),
  proxyAddress: z.string().nullable(),
  ndesHost: z.string().nullable(),
  generation: z.enum(['entra', 'aad']).nullable(),
  configureScript: z.object({ path: z.string(), signature: SignatureSchema }).nullable(),
  /** UseDefaultProxyForBackendRequests under the connector's registry key; null when unset. */
  backendProxy: z.number().int().nullable(),
  before: ProxyStateSchema.nullable(),
  desired: z
    .object({
      proxyAddress: z.string(),
      configBypass: z.string(),
      winHttp: z.enum(['Set', 'Keep']),
      winHttpProxy: z.string().nullable(),
      winHttpBypass: z.string().nullable(),
    })
    .nullable(),
  changes: z.array(z.string()),
  backup: z
    .object({ id: z.string(), created: z.string().nullable(), folder: z.string(), count: z.number().int() })
    .nullable(),
  error: z.object({ message: z.string(), errorId: z.string() }).nullable(),
  rollback: z.object({ problems: z.array(z.string()) }).nullable(),
  after: ProxyStateSchema.nullable(),
});

export type ProxyReport = z.infer<typeof ProxyReportSchema>;
export type ProxyState = z.infer<typeof ProxyStateSchema>;
