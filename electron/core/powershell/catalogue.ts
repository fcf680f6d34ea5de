import { z } from 'zod';
import type { HostIdentity } from '../../contract/model.ts';
import { HostFactsSchema } from '../checks/host/facts.ts';

/**
 * The PowerShell scripts the app ships (`scripts/powershell`), their parameters and the
 * shape of the one JSON document each prints. The runner refuses any script or parameter
 * not declared here, so no command line is ever assembled from free text.
 */
export const HostIdentitySchema = z.object({
  computerName: z.string(),
  dnsHostName: z.string(),
  domain: z.string(),
  osCaption: z.string(),
  osBuild: z.number().int(),
  psVersion: z.string(),
  languageMode: z.string(),
  elevated: z.boolean(),
  serverCore: z.boolean(),
}) satisfies z.ZodType<HostIdentity>;

export const scriptCatalogue = {
  'Get-HostIdentity': {
    file: 'Get-HostIdentity.ps1',
    params: {} as Record<string, 'string' | 'switch' | 'int'>,
    output: HostIdentitySchema,
    defaultTimeoutMs: 30_000,
  },
  'Get-HostReadiness': {
    file: 'Get-HostReadiness.ps1',
    params: {} as Record<string, 'string' | 'switch' | 'int'>,
    output: HostFactsSchema,
    defaultTimeoutMs: 60_000,
  },
} as const;

export type ScriptName = keyof typeof scriptCatalogue;
export type ScriptOutput<S extends ScriptName> = z.infer<(typeof scriptCatalogue)[S]['output']>;
export type ParamValue = string | number | boolean;
