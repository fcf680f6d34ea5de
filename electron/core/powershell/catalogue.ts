import { z } from 'zod';
import type { HostIdentity } from '../../contract/model.ts';
import { HostFactsSchema } from '../checks/host/facts.ts';
import { ConnectorStateSchema } from '../connector/state.ts';
import { InstallReportSchema } from '../steps/connector-install/judgement.ts';
import { RegisterReportSchema } from '../steps/registration/judgement.ts';
import { ProxyReportSchema } from '../steps/outbound-proxy/judgement.ts';
import { SupportExcerptsSchema } from '../report/support-excerpts.ts';
import { RestartResumeReportSchema } from '../connector/restart-resume.ts';

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

/** What Protect-DataFolder.ps1 prints: the data folder is the companion's own, and what was moved aside for it. */
export const DataFolderReportSchema = z.object({
  path: z.string(),
  created: z.boolean(),
  movedAside: z.array(z.string()),
  sddl: z.string(),
});
export type DataFolderReport = z.infer<typeof DataFolderReportSchema>;

/** What Get-ProcessStart.ps1 prints: when the process with that id started (UTC, ISO 8601), or null. */
export const ProcessStartSchema = z.object({ processId: z.number().int(), started: z.string().nullable() });

/** What a script prints instead of its result when it fails (exit code 1): Companion.Common.ps1's Write-CompanionFailure. */
export const ScriptErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), errorId: z.string(), category: z.string() }),
});
export type ScriptError = z.infer<typeof ScriptErrorSchema>;

export type ParamKind = 'string' | 'switch' | 'int';

/** One script: its file under scripts/powershell, its parameters, and the document it prints. */
export interface ScriptSpec {
  file: string;
  params: Record<string, ParamKind>;
  output: z.ZodType;
  defaultTimeoutMs: number;
}
export type Catalogue = Record<string, ScriptSpec>;

export const scriptCatalogue = {
  'Get-HostIdentity': {
    file: 'Get-HostIdentity.ps1',
    params: {} as Record<string, ParamKind>,
    output: HostIdentitySchema,
    defaultTimeoutMs: 30_000,
  },
  'Get-HostReadiness': {
    file: 'Get-HostReadiness.ps1',
    params: {} as Record<string, ParamKind>,
    output: HostFactsSchema,
    defaultTimeoutMs: 90_000,
  },
  'Get-ConnectorState': {
    file: 'Get-ConnectorState.ps1',
    params: {} as Record<string, ParamKind>,
    output: ConnectorStateSchema,
    defaultTimeoutMs: 60_000,
  },
  'Install-Connector': {
    file: 'Install-Connector.ps1',
    params: {
      InstallerPath: 'string',
      Environment: 'string',
      Upgrade: 'switch',
      InstallerTimeoutSeconds: 'int',
      ServicesTimeoutSeconds: 'int',
      WhatIf: 'switch',
    } as Record<string, ParamKind>,
    output: InstallReportSchema,
    // The script's own deadlines (installer 1800 s, services 300 s) come first; this is the backstop.
    defaultTimeoutMs: 2_400_000,
  },
  'Register-Connector': {
    file: 'Register-Connector.ps1',
    params: { TenantId: 'string', Reregister: 'switch', WhatIf: 'switch' } as Record<string, ParamKind>,
    output: RegisterReportSchema,
    defaultTimeoutMs: 300_000,
  },
  'Set-ConnectorProxy': {
    file: 'Set-ConnectorProxy.ps1',
    params: {
      Action: 'string',
      ProxyAddress: 'string',
      NdesHost: 'string',
      WinHttp: 'string',
      Bypass: 'string',
      WhatIf: 'switch',
    } as Record<string, ParamKind>,
    output: ProxyReportSchema,
    // Two service restarts (each may take a minute on a busy server) and the connector's own script.
    defaultTimeoutMs: 300_000,
  },
  'Get-SupportExcerpts': {
    file: 'Get-SupportExcerpts.ps1',
    params: { Days: 'int', MaxEvents: 'int', MaxIisLines: 'int' } as Record<string, ParamKind>,
    output: SupportExcerptsSchema,
    // Two IIS logs of a busy server are read line by line.
    defaultTimeoutMs: 180_000,
  },
  'Set-RestartResume': {
    file: 'Set-RestartResume.ps1',
    params: { Action: 'string', AppPath: 'string', DelaySeconds: 'int', WhatIf: 'switch' } as Record<string, ParamKind>,
    output: RestartResumeReportSchema,
    defaultTimeoutMs: 60_000,
  },
  'Get-ProcessStart': {
    file: 'Get-ProcessStart.ps1',
    params: { ProcessId: 'int' } as Record<string, ParamKind>,
    output: ProcessStartSchema,
    defaultTimeoutMs: 15_000,
  },
  'Protect-DataFolder': {
    file: 'Protect-DataFolder.ps1',
    params: { Path: 'string' } as Record<string, ParamKind>,
    output: DataFolderReportSchema,
    defaultTimeoutMs: 60_000,
  },
} as const satisfies Catalogue;

export type ScriptName = keyof typeof scriptCatalogue;
export type ScriptOutput<S extends ScriptName> = z.infer<(typeof scriptCatalogue)[S]['output']>;
export type ParamValue = string | number | boolean;
