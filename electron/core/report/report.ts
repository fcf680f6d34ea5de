import { z } from 'zod';
import type { JournalEntry, Mode, PlannedAction, StepId, StepStatus } from '../../contract/model.ts';
import type { Redactor } from '../store/redact.ts';

/**
 * The runbook with evidence (docs/reference/design.md step 10): one model, rendered as Markdown, printable
 * HTML, PDF and JSON. Everything in it has gone through the redaction hook; its JSON form is
 * described by RUNBOOK_REPORT_SCHEMA (zod, exported as JSON Schema in docs/runbook-report.schema.json).
 */
const ActionSchema = z.object({ kind: z.string(), title: z.string(), detail: z.string(), changesSystem: z.boolean() });

const EventSchema = z.object({
  at: z.string(),
  /** run-result, verify-result, run-what-if-result, admin-confirmation, plan, … (the journal's kind). */
  kind: z.string(),
  message: z.string(),
  lines: z.array(z.string()).optional(),
});

export const RUNBOOK_REPORT_SCHEMA = z.object({
  schema: z.literal('ndes-proxy-companion/runbook-report').describe('What this document is.'),
  schemaVersion: z.literal(1).describe('Raised when a field changes meaning or goes away.'),
  generatedAt: z.string().describe('When the runbook was written (ISO 8601, UTC).'),
  app: z.object({ name: z.string(), version: z.string(), host: z.string() }),
  mode: z
    .enum(['guided', 'offline'])
    .describe(
      'offline: cloud steps are portal steps, and what the admin read there is a confirmation, never a verification.',
    ),
  environment: z.object({
    server: z.string().nullable(),
    os: z.string().nullable(),
    internalUrl: z.string().nullable(),
    externalUrl: z.string().nullable(),
    tenantId: z.string().nullable(),
    appName: z.string().nullable(),
  }),
  steps: z.array(
    z.object({
      number: z.number().int(),
      id: z.string(),
      title: z.string(),
      status: z
        .enum(['not-started', 'running', 'passed', 'failed', 'confirmed', 'interrupted'])
        .describe(
          'interrupted: the companion stopped while the step ran; Verify says where it stands. confirmed: recorded by the admin in offline mode.',
        ),
      statusText: z.string().describe('The status in words, as printed.'),
      lastChangedAt: z.string().nullable(),
      cloud: z.boolean(),
      manual: z.boolean().describe('True when the plan is portal steps done by hand (offline mode, cloud step).'),
      why: z.string(),
      docUrl: z.string(),
      inputs: z.record(z.string(), z.string()).describe('What the admin gave the step (redacted).'),
      plan: z.array(ActionSchema).describe('Exactly what the step runs or calls, or the portal steps, in order.'),
      notes: z.array(z.string()),
      happened: z
        .array(EventSchema)
        .describe('The newest results from the journal (at most five), with their evidence lines.'),
      confirmations: z.array(z.string()).describe('What the admin recorded from the portal (offline mode).'),
      /** Offline mode, cloud steps: what the admin writes down from the portal (blank lines on paper). */
      record: z.array(z.string()),
      /** Local steps: the same step done without the app, for a reader of the printed runbook. */
      byHand: z.array(z.string()),
    }),
  ),
  warnings: z
    .array(z.object({ step: z.string(), message: z.string() }))
    .describe('Failed or interrupted steps and warnings the admin recorded.'),
  next: z.array(z.string()).describe('What to do next, in order.'),
  backOut: z
    .array(z.object({ title: z.string(), detail: z.string() }))
    .describe('How to undo what was done, newest change first.'),
  journal: z.object({ entries: z.number().int(), first: z.string().nullable(), last: z.string().nullable() }),
});
export type RunbookReport = z.infer<typeof RUNBOOK_REPORT_SCHEMA>;

/** The JSON Schema of runbook.json (docs/runbook-report.schema.json, written by npm run schema). */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://ndes-proxy-companion.invalid/schemas/runbook-report.schema.json',
    title: 'NDES Proxy Companion runbook report',
    ...z.toJSONSchema(RUNBOOK_REPORT_SCHEMA),
  };
}

export const STATUS_TEXT: Record<StepStatus, string> = {
  'not-started': 'NOT STARTED',
  running: 'RUNNING',
  interrupted: 'INTERRUPTED',
  passed: 'PASSED',
  failed: 'FAILED',
  confirmed: 'CONFIRMED BY THE ADMIN',
};

const RESULT_KINDS = new Set([
  'run-result',
  'verify-result',
  'run-what-if-result',
  'admin-confirmation',
  'checks-result',
]);

function eventOf(entry: JournalEntry): z.infer<typeof EventSchema> {
  const data = entry.data as { details?: unknown; evidence?: unknown; remedy?: unknown; lines?: unknown } | undefined;
  const lines = [
    ...(typeof data?.remedy === 'string' ? [`What to do: ${data.remedy}`] : []),
    ...(Array.isArray(data?.details) ? data.details.filter((line): line is string => typeof line === 'string') : []),
  ];
  return { at: entry.at, kind: entry.kind, message: entry.message, ...(lines.length ? { lines } : {}) };
}

/**
 * The back-out plan, newest change first, written whole before the change too (it is part of
 * the paperwork); each item says which step it undoes and whether that step was carried out.
 */
function backOutPlan(
  status: (id: StepId) => StepStatus,
  mode: Mode,
  previousUrls: string | null,
): { title: string; detail: string }[] {
  const state = (id: StepId, number: number) =>
    ['passed', 'confirmed', 'failed', 'running', 'interrupted'].includes(status(id))
      ? `step ${number} was carried out`
      : `only if step ${number} was carried out`;
  return [
    {
      title: `Roll back the Intune SCEP profiles (${state('intune', 9)})`,
      detail:
        mode === 'offline'
          ? `In the Intune admin center, open each SCEP profile changed and set SCEP Server URLs back to ${previousUrls ?? 'the URLs recorded in step 9'}.`
          : 'ndes-companion intune rollback (or step 9 with What to do: rollback) puts back exactly the URLs the companion replaced, recorded in the journal; by hand, set each profile\'s SCEP Server URLs back to the "before" values in step 9 above.',
    },
    {
      title: `Unpublish NDES (${state('publish', 7)})`,
      detail:
        'Microsoft Entra admin center > Enterprise applications > the NDES application: under Application proxy remove the external URL, or delete the application (Properties > Delete); Intune must no longer list its URL first.',
    },
    {
      title: `Restore the connector's proxy configuration (${state('outbound-proxy', 5)})`,
      detail:
        'ndes-companion proxy --remove (or step 5 with What to do: remove) puts back both .exe.config files and WinHTTP as they were; by hand, copy back the files the companion kept under %ProgramData%\\NDES Proxy Companion\\Backups, run netsh winhttp reset proxy if WinHTTP had none, and Restart-Service WAPCSvc, WAPCUpdaterSvc.',
    },
    {
      title: `Uninstall the connector (${state('connector-install', 3)})`,
      detail:
        'In an elevated prompt: Get-Package "Microsoft Entra private network connector*" | Uninstall-Package (or Settings > Apps), then the same for its updater; then remove the connector from the Application proxy page of the Microsoft Entra admin center once it shows Inactive.',
    },
  ];
}

/**
 * One step as the runbook stands now, as the report writes it down: built by the runbook
 * (runbook/report-view.ts), so the report reads a view and never the runbook itself.
 */
export interface ReportStepView {
  id: StepId;
  title: string;
  cloud: boolean;
  why: { text: string; docUrl: string };
  status: StepStatus;
  lastChangedAt: string | null;
  inputs: Record<string, string>;
  plan: { actions: PlannedAction[]; notes: string[] };
  /** What the admin recorded from the portal (offline) or confirmed. */
  confirmations: string[];
  /** Offline mode, cloud steps: what the admin writes down from the portal (blank lines on paper). */
  record: string[];
  /** Local steps: the same step done without the app. */
  byHand: string[];
}

export interface RunbookView {
  mode: Mode;
  values: {
    internalUrl: string | null;
    externalUrl: string | null;
    connectorServer: string | null;
    tenantId: string | null;
    appName: string | null;
  };
  steps: ReportStepView[];
}

export interface ReportSource {
  view: RunbookView;
  journal: JournalEntry[];
  redactor: Redactor;
  app: { name: string; version: string; host: string };
  now: Date;
}

export function buildReport(source: ReportSource): RunbookReport {
  const { view } = source;
  const { mode, values } = view;
  const statusOf = new Map(view.steps.map((step) => [step.id, step.status]));
  const status = (id: StepId): StepStatus => statusOf.get(id) ?? 'not-started';
  const bySteps = new Map<string, JournalEntry[]>();
  for (const entry of source.journal) {
    if (!entry.stepId || !RESULT_KINDS.has(entry.kind)) continue;
    bySteps.set(entry.stepId, [...(bySteps.get(entry.stepId) ?? []), entry]);
  }
  const host = [...source.journal].reverse().find((entry) => entry.kind === 'host-identity')?.data as
    { osCaption?: string; osBuild?: number } | undefined;

  const reportSteps = view.steps.map((step, index) => ({
    number: index + 1,
    id: step.id,
    title: step.title,
    status: step.status,
    statusText: STATUS_TEXT[step.status],
    lastChangedAt: step.lastChangedAt,
    cloud: step.cloud,
    manual: mode === 'offline' && step.cloud,
    why: step.why.text,
    docUrl: step.why.docUrl,
    inputs: step.inputs,
    plan: step.plan.actions.map((action: PlannedAction) => ({
      kind: action.kind,
      title: action.title,
      detail: action.detail,
      changesSystem: action.changesSystem,
    })),
    notes: step.plan.notes,
    happened: (bySteps.get(step.id) ?? []).slice(-5).map(eventOf),
    confirmations: step.confirmations,
    record: step.record,
    byHand: step.byHand,
  }));

  const warnings: { step: string; message: string }[] = [];
  for (const step of reportSteps) {
    if (step.status === 'failed')
      warnings.push({ step: step.title, message: step.happened.at(-1)?.message ?? 'The step failed.' });
    if (step.status === 'interrupted')
      warnings.push({
        step: step.title,
        message: 'The step was interrupted (the companion stopped while it ran): run Verify on it before going on.',
      });
    for (const line of step.confirmations)
      if (line.startsWith('Warning:')) warnings.push({ step: step.title, message: line });
  }
  const next = reportSteps
    .filter((step) => step.id !== 'report' && !['passed', 'confirmed'].includes(step.status))
    .map(
      (step) =>
        `Step ${step.number}, ${step.title}: ${step.manual ? 'do it in the portal as planned and record what the portal shows' : step.status === 'failed' ? 'fix what it found, then run it again' : 'run it'}.`,
    );

  const report: RunbookReport = {
    schema: 'ndes-proxy-companion/runbook-report',
    schemaVersion: 1,
    generatedAt: source.now.toISOString(),
    app: source.app,
    mode,
    environment: {
      server: values.connectorServer,
      os: host?.osCaption ? `${host.osCaption}${host.osBuild ? ` (build ${host.osBuild})` : ''}` : null,
      internalUrl: values.internalUrl,
      externalUrl: values.externalUrl,
      tenantId: values.tenantId,
      appName: values.appName ?? null,
    },
    steps: reportSteps,
    warnings,
    next: next.length ? next : ['Every step is done. Keep this runbook with the change record.'],
    backOut: backOutPlan(
      status,
      mode,
      /before \(to put back when backing out\): (.+)\.$/m.exec(
        view.steps.find((step) => step.id === 'intune')?.confirmations.join('\n') ?? '',
      )?.[1] ?? null,
    ),
    journal: {
      entries: source.journal.length,
      first: source.journal[0]?.at ?? null,
      last: source.journal.at(-1)?.at ?? null,
    },
  };
  // One redaction for everything that leaves: tokens, passwords, proxy credentials, secret query strings.
  return RUNBOOK_REPORT_SCHEMA.parse(source.redactor.value(report));
}
