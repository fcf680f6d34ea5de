import { z } from 'zod';

/** Ids of the ten runbook steps, in order (docs/reference/design.md §1). */
export const stepIds = [
  'readiness',
  'sign-in',
  'connector-install',
  'registration',
  'outbound-proxy',
  'connector-status',
  'publish',
  'verify',
  'intune',
  'report',
] as const;
export type StepId = (typeof stepIds)[number];
export const StepIdSchema = z.enum(stepIds);

export const modes = ['guided', 'offline'] as const;
export type Mode = (typeof modes)[number];
export const ModeSchema = z.enum(modes);

export type HostKind = 'electron' | 'preview' | 'cli';

/**
 * confirmed: offline runbook mode, the admin recorded what the portal shows (never "verified").
 * interrupted: the companion stopped while the step ran (killed, crashed, restarted); Verify says where it stands.
 */
export const stepStatuses = ['not-started', 'running', 'passed', 'failed', 'confirmed', 'interrupted'] as const;
export type StepStatus = (typeof stepStatuses)[number];

export interface InputSpec {
  id: string;
  label: string;
  help: string;
  kind: 'text' | 'url' | 'file' | 'choice';
  required: boolean;
  placeholder?: string;
  choices?: string[];
  /** A value an earlier step reads back that this input defaults to: Verify's external URL is what Publish read back. */
  defaultFrom?: { stepId: StepId; value: string };
  /** In a StepView, once that step has read the value back: what the input defaults to (the admin may type another). */
  default?: { value: string; stepId: StepId; at: string };
}

export interface StepView {
  id: StepId;
  number: number;
  title: string;
  summary: string;
  why: { text: string; docUrl: string };
  inputs: InputSpec[];
  /** True when the step talks to Microsoft's cloud; in offline mode it becomes manual. */
  cloud: boolean;
  /** True when run() can be asked to check and report without changing anything (-WhatIf). */
  whatIf: boolean;
  status: StepStatus;
  lastChangedAt?: string;
  /** Offline runbook mode, cloud steps: what the admin records from the portal, instead of inputs. */
  confirm?: InputSpec[];
}

export type ActionKind = 'powershell' | 'process' | 'graph' | 'probe' | 'manual' | 'file';

export interface PlannedAction {
  kind: ActionKind;
  title: string;
  /** The exact command, call or instruction, as the admin would read it in a change record. */
  detail: string;
  changesSystem: boolean;
}

export interface Plan {
  stepId: StepId;
  mode: Mode;
  actions: PlannedAction[];
  notes: string[];
}

export interface StepOutcome {
  stepId: StepId;
  runId: string;
  status: StepStatus;
  summary: string;
  /** The findings, for steps made of checks (Readiness, Verify). */
  report?: CheckReport;
  /** What to do next when the step did not pass (action steps). */
  remedy?: string;
  /** Facts behind the summary an admin may want in the record (versions, exit codes, log lines). */
  evidence?: string[];
  /** What the step read back that later steps default to (Publish: externalUrl, scepUrl, serverUrl). */
  readBack?: ReadBack;
  /** Intune (step 9): the SCEP profiles found, each with the change proposed, for the admin to tick. */
  profiles?: ScepProfileView[];
}

/** Values a step read back, by name: short strings only (URLs), checked before they leave the core. */
// Values are https URLs read back from Microsoft (no user info, no spaces): nothing secret can
// ride in one, so they are kept as read, never redacted by value into a broken URL.
export const ReadBackSchema = z
  .record(
    z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/),
    z
      .string()
      .max(2048)
      .regex(/^https:\/\/[^\s@/]+(\/[^\s]*)?$/i),
  )
  .refine((value) => Object.keys(value).length <= 8, 'at most 8 values');
export type ReadBack = z.infer<typeof ReadBackSchema>;

/**
 * One Intune SCEP certificate profile as step 9 shows it: its id (a GUID, the only thing the
 * renderer sends back), name, type, the URLs it holds and those it would hold. Strict: a field
 * not declared here (let alone a token) cannot reach a window.
 */
export const ScepProfileViewSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
  displayName: z.string().max(256),
  /** The Graph type without its namespace, e.g. iosScepCertificateProfile. */
  type: z.string().max(128),
  current: z.array(z.string().max(2048)).max(64),
  proposed: z.array(z.string().max(2048)).max(64),
  /** False when the change leaves the profile as it is (note says why). */
  changed: z.boolean(),
  note: z.string().max(512).optional(),
});
export type ScepProfileView = z.infer<typeof ScepProfileViewSchema>;
export const ScepProfileListSchema = z.array(ScepProfileViewSchema).max(1000);

export interface ProgressEvent {
  type: 'progress';
  runId: string;
  stepId?: StepId;
  level: 'info' | 'warn' | 'error';
  message: string;
  at: string;
  /** Set when the line reports one finished check: its id and status, for live counts. */
  check?: { id: string; status: CheckStatus };
  /** How far an action has come, 0 to 100, when it can tell (a progress bar). */
  percent?: number;
  /** The line is also in the step's outcome (its summary, details, what to do), which the CLI prints once, on stdout. */
  outcome?: true;
}

export type CompanionEvent = ProgressEvent;

export interface HostIdentity {
  computerName: string;
  dnsHostName: string;
  domain: string;
  osCaption: string;
  osBuild: number;
  psVersion: string;
  /** FullLanguage, or ConstrainedLanguage where AppLocker or WDAC script rules apply. */
  languageMode: string;
  elevated: boolean;
  serverCore: boolean;
}

export interface JournalEntry {
  at: string;
  kind: string;
  runId?: string;
  stepId?: StepId;
  message: string;
  data?: unknown;
}

export type Severity = 'critical' | 'warning' | 'info';
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';
/** Why a check was skipped: it does not apply here, it could not run (say why), or it was cancelled. */
export type SkipKind = 'not-applicable' | 'could-not-run' | 'cancelled';
/** Ready: nothing critical failed and everything critical ran. Incomplete: something critical could not run. */
export type Verdict = 'ready' | 'not-ready' | 'incomplete';
export type CheckGroup = 'host' | 'ndes' | 'outbound' | 'scep-internal' | 'scep-external';

/** One finding of a readiness or verify check: what it saw, why it matters, what to do. */
export interface CheckResult {
  id: string;
  group: CheckGroup;
  title: string;
  severity: Severity;
  status: CheckStatus;
  /** Short facts the probe saw, e.g. "HTTP 403 from Microsoft-IIS/10.0". */
  evidence: string[];
  cause?: string;
  remediation?: string;
  /** Set when status is "skipped"; `cause` says why in words. */
  skip?: SkipKind;
  docUrl: string;
  durationMs: number;
}

export interface CheckReport {
  runId: string;
  startedAt: string;
  finishedAt: string;
  results: CheckResult[];
  verdict: Verdict;
  /** True when the verdict is "ready". */
  passed: boolean;
  /** What the input rules changed (a trailing "/" added, the SCEP path removed). */
  notes: string[];
}
