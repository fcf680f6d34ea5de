import { randomUUID } from 'node:crypto';
import type { ProcessTable } from '../ports.ts';
import {
  ReadBackSchema,
  ScepProfileListSchema,
  type CheckGroup,
  type CheckReport,
  type InputSpec,
  type Mode,
  type Plan,
  type StepId,
  type StepOutcome,
  type StepStatus,
  type StepView,
  type CompanionEvent,
} from '../../contract/model.ts';
import { CompanionError } from '../errors.ts';
import type { Journal } from '../store/journal.ts';
import type { StateStore } from '../store/state-store.ts';
import type { Redactor } from '../store/redact.ts';
import { stepById, steps } from '../steps/index.ts';
import {
  INPUT_REFUSED,
  type StepContext,
  type StepDefinition,
  type StepResult,
  type StepSecrets,
} from '../steps/step.ts';
import type { CheckScope } from '../checks/suite.ts';
import type { StepServices } from '../services.ts';
import { runCheckStep } from '../steps/shared/check-step.ts';
import { outcomeReporter, progressReporter } from '../store/progress.ts';
import { entriesOf, mergeChanges } from './state-merge.ts';
import type { RunbookState } from './state.ts';
import { RestartResume } from './restart.ts';
import { CONFIRMATIONS, manualSteps, type RunbookValues } from './offline.ts';

export interface RunbookDeps {
  services: StepServices;
  store: StateStore<RunbookState>;
  journal: Journal;
  redactor: Redactor;
  /** Whether the process that saved a step as running still runs (pid and start time). */
  processes: ProcessTable;
  now?: () => Date;
  /** When this server last started: a restart since a pending one began means it happened. */
  bootTime?: () => Date;
  /** The companion's own executable, where the host can reopen it after a restart (the packaged app on Windows). */
  relaunch?: { appPath: string };
}

type Emit = (event: CompanionEvent) => void;

/** The runbook: the ten steps plus what this machine has seen of them. Hosts only render it. */
export class Runbook {
  private state: RunbookState;
  /** The state as last read or written, entry by entry: what differs from it is this process's change. */
  private synced: Map<string, string>;
  /** Runs in progress: their controller, and why cancelling is refused right now (null: allowed). */
  private readonly running = new Map<string, { controller: AbortController; guard: string | null }>();
  private readonly now: () => Date;
  private readonly restart: RestartResume;

  constructor(private readonly deps: RunbookDeps) {
    this.now = deps.now ?? (() => new Date());
    this.state = deps.store.read();
    this.synced = entriesOf(this.state);
    // The restart logic reads and saves this runbook's live state, which refresh() replaces.
    const live = () => this.state;
    this.restart = new RestartResume(
      {
        get state() {
          return live();
        },
        save: () => this.save(),
        refresh: () => this.refresh(),
        now: () => this.now(),
      },
      {
        journal: deps.journal,
        powershell: deps.services.powershell,
        ...(deps.bootTime ? { bootTime: deps.bootTime } : {}),
        ...(deps.relaunch ? { relaunch: deps.relaunch } : {}),
      },
    );
    if (deps.store.recoveredFrom) {
      deps.journal.append({
        kind: 'state-recovered',
        message: `Saved state could not be read; kept it as ${deps.store.recoveredFrom} and started fresh.`,
      });
    }
    // A step saved as running was running when the companion stopped (killed, crashed, a restart):
    // nothing here can say how far it came, so it is marked interrupted for Verify to find out.
    let interrupted = false;
    for (const step of steps) {
      const saved = this.state.steps[step.id];
      if (saved?.status !== 'running') continue;
      // Still running in another process (the app while the CLI starts, or the other way round).
      if (
        saved.pid !== undefined &&
        saved.pid !== process.pid &&
        deps.processes.running({ pid: saved.pid, ...(saved.started ? { started: saved.started } : {}) })
      )
        continue;
      this.state.steps[step.id] = { status: 'interrupted', at: this.now().toISOString() };
      deps.journal.append({
        kind: 'step-interrupted',
        stepId: step.id,
        message: `Step ${steps.indexOf(step) + 1} (${step.title}) was running when the companion stopped (last change ${saved.at}); Verify shows where it stands.`,
      });
      interrupted = true;
    }
    if (this.restart.happened()) interrupted = true;
    if (interrupted) this.save();
  }

  /** Removes the scheduled task that reopened the companion (after use: the companion is open). */
  removeResumeTask(options: { evenIfUnknown?: boolean } = {}): Promise<void> {
    return this.restart.removeTask(options);
  }

  /** The server restarted since a step asked: the pending entry is to be closed (removeResumeTask). */
  restartClosing(): boolean {
    return this.restart.closing();
  }

  /** A restart a step asked for and that has not happened yet (3010), or the one it started (1641). */
  pendingRestart(): { stepId: StepId; code: number; at: string; arranged: boolean } | null {
    return this.restart.pending();
  }

  /** Restarts the server for the installer that asked (3010), after the admin said so; journaled first. */
  restartServer(): Promise<{ result: string; delaySeconds: number }> {
    return this.restart.restartServer();
  }

  /**
   * Where to carry on: an interrupted step first, else the first step not done yet. Resuming
   * re-runs Verify for these and for every step believed done (verify() is the truth).
   */
  resumePoint(): { stepId: StepId; interrupted: StepId[]; believedDone: StepId[] } | null {
    this.refresh();
    const status = (id: StepId) => this.state.steps[id]?.status ?? 'not-started';
    const interrupted = steps.filter((step) => status(step.id) === 'interrupted').map((step) => step.id);
    const believedDone = steps.filter((step) => status(step.id) === 'passed').map((step) => step.id);
    const next =
      interrupted[0] ??
      steps.find((step) => step.id !== 'report' && !['passed', 'confirmed'].includes(status(step.id)))?.id;
    return next ? { stepId: next, interrupted, believedDone } : null;
  }

  get mode(): Mode {
    return this.state.mode;
  }

  setMode(mode: Mode): Mode {
    this.refresh();
    if (mode === 'offline' && this.state.mode !== 'offline' && this.state.cloudUsedAt) {
      throw new CompanionError(
        'INVALID_REQUEST',
        `This runbook already called Microsoft (first at ${this.state.cloudUsedAt}); offline runbook mode is chosen before the first cloud call.`,
        'Carry on in guided mode, or start an offline runbook in another data folder (CLI: --data-dir).',
      );
    }
    if (mode !== this.state.mode) {
      this.state.mode = mode;
      this.save();
      this.deps.journal.append({
        kind: 'mode',
        message: `Mode set to ${mode === 'offline' ? 'offline runbook' : 'guided'}.`,
      });
    }
    return mode;
  }

  /** The first call to Microsoft (sign-in or Graph) from now on keeps the runbook in guided mode. */
  noteCloudCall(): void {
    if (this.state.cloudUsedAt) return;
    this.state.cloudUsedAt = this.now().toISOString();
    this.save();
  }

  /** This server's names, for the portal steps and the report. */
  noteHost(host: { computerName: string; dnsHostName: string; domain: string }): void {
    // Win32_ComputerSystem's DNSHostName is the host label; with its domain, the name the portal lists.
    const fqdn = (
      host.dnsHostName.includes('.') || !host.domain || host.domain.toUpperCase() === 'WORKGROUP'
        ? host.dnsHostName
        : `${host.dnsHostName}.${host.domain}`
    ).toLowerCase();
    if (this.state.host?.computerName === host.computerName && this.state.host.dnsHostName === fqdn) return;
    this.state.host = { computerName: host.computerName, dnsHostName: fqdn };
    this.save();
  }

  /** A copy of what the runbook knows, for the report. */
  snapshot(): RunbookState {
    return structuredClone(this.state);
  }

  /** The values the portal steps and the report are written with, from what the runbook saved. */
  values(): RunbookValues {
    const first = (...candidates: (string | undefined)[]) =>
      candidates.map((value) => value?.trim()).find((value): value is string => Boolean(value)) ?? null;
    const inputs = this.state.inputs;
    const confirmedTenant = /Tenant ID ([0-9a-f-]{36})/.exec(
      this.state.confirmations['sign-in']?.lines.join(' ') ?? '',
    )?.[1];
    return {
      internalUrl: first(inputs.publish?.internalUrl, inputs.readiness?.internalUrl, inputs.verify?.internalUrl),
      externalUrl: first(this.state.readBack.publish?.values.externalUrl, inputs.verify?.externalUrl),
      connectorServer: first(this.state.host?.dnsHostName, this.state.host?.computerName),
      tenantId: first(inputs.registration?.tenantId, confirmedTenant, inputs.readiness?.tenantId),
      appName: first(inputs.publish?.appName),
    };
  }

  list(): StepView[] {
    this.refresh();
    return steps.map((step, index) => {
      const saved = this.state.steps[step.id];
      const view: StepView = {
        id: step.id,
        number: index + 1,
        title: step.title,
        summary: step.summary,
        why: step.why,
        inputs: step.inputs.map((input) => {
          const found = this.defaultOf(input);
          return found ? { ...input, default: found } : input;
        }),
        cloud: step.cloud,
        whatIf: step.whatIf === true,
        status: saved?.status ?? 'not-started',
        ...(CONFIRMATIONS[step.id] ? { confirm: CONFIRMATIONS[step.id]?.fields } : {}),
      };
      if (saved) view.lastChangedAt = saved.at;
      return view;
    });
  }

  savedInputs(stepId: StepId): Record<string, string> {
    return { ...(this.state.inputs[stepId] ?? {}) };
  }

  plan(
    stepId: StepId,
    inputs: Record<string, string> = this.savedInputs(stepId),
    mode: Mode = this.state.mode,
    options: { journal?: boolean; values?: Partial<RunbookValues> } = {},
  ): Plan {
    const step = stepById(stepId);
    const notes: string[] = [];
    let actions = step.plan(this.withDefaults(stepId, inputs));
    if (mode === 'offline' && step.cloud) {
      const known = this.values();
      // What the admin typed for this plan wins over what the runbook saved earlier.
      const typed = (id: string) => inputs[id]?.trim() || null;
      known.tenantId = typed('tenantId') ?? known.tenantId;
      known.internalUrl = typed('internalUrl') ?? known.internalUrl;
      known.appName = typed('appName') ?? known.appName;
      // What the runbook has not saved yet may be given for this plan (CLI runbook --internal-url).
      for (const [key, value] of Object.entries(options.values ?? {}) as [keyof RunbookValues, string | null][])
        if (!known[key] && value) known[key] = value;
      actions = (manualSteps(stepId, known) ?? []).map((text) => ({
        kind: 'manual' as const,
        title: 'By hand in the portal',
        detail: text,
        changesSystem: false,
      }));
      notes.push(
        'Offline runbook mode: this step makes no cloud call; do it in the portal and record what you read there.',
      );
    }
    if (options.journal !== false)
      this.deps.journal.append({
        kind: 'plan',
        stepId,
        message: `Plan shown for step ${steps.indexOf(step) + 1} (${step.title}, ${mode === 'offline' ? 'offline runbook' : 'guided'}): ${actions.length} action(s).`,
        data: actions,
      });
    return { stepId, mode, actions, notes };
  }

  async run(
    stepId: StepId,
    inputs: Record<string, string> | undefined,
    runId: string | undefined,
    emit: Emit,
    whatIf = false,
    secrets: StepSecrets = {},
  ): Promise<StepOutcome> {
    // A secret handed in for this run is redacted by value from everything written while it runs
    // (journal, progress, state), whatever path it might take there.
    const planted = Object.values(secrets).filter(
      (value): value is string => typeof value === 'string' && value !== '',
    );
    for (const value of planted) this.deps.redactor.addSecret(value);
    try {
      return await this.execute('run', stepId, inputs, runId, emit, whatIf, secrets);
    } finally {
      for (const value of planted) this.deps.redactor.forgetSecret(value);
    }
  }

  async verify(
    stepId: StepId,
    inputs: Record<string, string> | undefined,
    runId: string | undefined,
    emit: Emit,
  ): Promise<StepOutcome> {
    return this.execute('verify', stepId, inputs, runId, emit, false, {});
  }

  /** Runs readiness or verify checks outside a step (one group again), cancellable like a step. */
  async checks(
    scope: CheckScope,
    groups: CheckGroup[] | undefined,
    inputs: Record<string, string>,
    givenRunId: string | undefined,
    emit: Emit,
  ): Promise<CheckReport> {
    const runId = givenRunId ?? randomUUID();
    const controller = this.begin(runId);
    try {
      const progress = progressReporter(this.deps.journal, emit, runId);
      progress(`Running ${scope} checks${groups?.length ? ` (${groups.join(', ')})` : ''}.`);
      const result = await runCheckStep(
        scope,
        {
          mode: this.state.mode,
          inputs,
          runId,
          signal: controller.signal,
          progress,
          services: this.deps.services,
          whatIf: false,
          secrets: {},
          keepSecret: (value) => this.deps.redactor.addSecret(value),
          guardCancel: (reason) => this.guard(runId, reason),
        },
        groups,
      );
      this.deps.journal.append({ kind: 'checks-result', runId, message: result.summary, data: result.report });
      progress(result.summary, result.passed ? 'info' : 'error');
      return result.report;
    } finally {
      this.running.delete(runId);
    }
  }

  /**
   * Stops every run in progress (the companion is closing): PowerShell and probes end with them.
   * A guarded run (an installer inside its transaction) is left to finish; the next start
   * verifies what it did.
   */
  cancelAll(): void {
    for (const run of this.running.values()) if (run.guard === null) run.controller.abort();
  }

  cancel(runId: string): { cancelled: boolean; reason?: string } {
    const run = this.running.get(runId);
    if (!run) return { cancelled: false, reason: 'Nothing with this id is running any more.' };
    if (run.guard !== null) {
      this.deps.journal.append({ kind: 'cancel-refused', runId, message: run.guard });
      return { cancelled: false, reason: run.guard };
    }
    run.controller.abort();
    this.deps.journal.append({ kind: 'cancelled', runId, message: 'Cancelled by the admin.' });
    return { cancelled: true };
  }

  private guard(runId: string, reason: string | null): void {
    const run = this.running.get(runId);
    if (run) run.guard = reason;
  }

  private async execute(
    kind: 'run' | 'verify',
    stepId: StepId,
    inputs: Record<string, string> | undefined,
    givenRunId: string | undefined,
    emit: Emit,
    whatIf: boolean,
    secrets: StepSecrets,
  ): Promise<StepOutcome> {
    const step = stepById(stepId);
    const runId = givenRunId ?? randomUUID();
    if (this.running.has(runId)) throw duplicateRun();
    this.refresh();
    runningElsewhere(this.state, stepId, this.deps.processes);
    const given = inputs ?? this.savedInputs(stepId);
    // Inputs the step refuses (a proxy address with a password in it, say) are never saved.
    if (inputs && step.plan(this.withDefaults(stepId, inputs))[0]?.title !== INPUT_REFUSED) {
      this.state.inputs[stepId] = this.deps.redactor.value(inputs);
      this.save();
    }
    const progress = progressReporter(this.deps.journal, emit, runId, stepId);

    progress(
      `${kind === 'run' ? (whatIf ? 'Checking, changing nothing (-WhatIf),' : 'Running') : 'Verifying'} step ${steps.indexOf(step) + 1}: ${step.title}.`,
    );
    if (whatIf && step.whatIf !== true) {
      throw new CompanionError(
        'INVALID_REQUEST',
        `${step.title} has no What-if run.`,
        'Use Show plan: it lists exactly what the step would do, without doing it.',
      );
    }
    if (this.state.mode === 'offline' && step.cloud && !(kind === 'verify' && step.localVerify))
      return this.confirmOffline(kind, step, given, runId, progress);
    const effectiveInputs = this.withDefaults(stepId, given, progress);
    const controller = this.begin(runId);
    const previous: StepStatus = this.state.steps[stepId]?.status ?? 'not-started';
    try {
      this.claim(stepId);
    } catch (error) {
      this.running.delete(runId);
      throw error;
    }
    const found: string[] = [];
    const keepSecret = (value: string) => {
      found.push(value);
      this.deps.redactor.addSecret(value);
    };
    const context: StepContext = {
      mode: this.state.mode,
      inputs: effectiveInputs,
      runId,
      signal: controller.signal,
      progress,
      services: this.deps.services,
      whatIf,
      secrets,
      keepSecret,
      guardCancel: (reason) => this.guard(runId, reason),
      restart: {
        arrange: () => this.restart.arrange(stepId, progress),
        settle: (code) => this.restart.settle(code, progress),
      },
    };
    try {
      const result: StepResult = await step.capability[kind](context);
      // A -WhatIf run changed nothing, so the step keeps the status it had.
      const status: StepStatus = result.passed ? 'passed' : 'failed';
      // Checked here, where they leave the core: only declared fields reach a window.
      const profiles = result.profiles ? ScepProfileListSchema.parse(result.profiles) : undefined;
      const parsed = result.passed && !whatIf && step.readBack ? ReadBackSchema.safeParse(step.readBack(result)) : null;
      if (parsed && !parsed.success)
        this.deps.journal.append({
          kind: 'read-back-refused',
          runId,
          stepId,
          message: 'What the step read back is not a set of https URLs; later steps do not default to it.',
        });
      const read = parsed?.success ? parsed.data : {};
      const readBack = Object.keys(read).length > 0 ? read : undefined;
      if (readBack) this.state.readBack[stepId] = { values: readBack, at: this.now().toISOString() };
      this.record(stepId, whatIf ? previous : status);
      this.deps.journal.append({
        kind: `${kind}${whatIf ? '-what-if' : ''}-result`,
        runId,
        stepId,
        message: result.summary,
        data: result.report ?? { evidence: result.evidence, details: result.details, remedy: result.remedy },
      });
      const outcomeLine = outcomeReporter(this.deps.journal, emit, runId, stepId);
      outcomeLine(result.summary, result.passed ? 'info' : 'error');
      if (!result.passed && result.remedy) outcomeLine(`What to do: ${result.remedy}`, 'warn');
      return {
        stepId,
        runId,
        status: whatIf ? previous : status,
        summary: result.summary,
        ...(result.report ? { report: result.report } : {}),
        ...(result.remedy ? { remedy: result.remedy } : {}),
        ...(result.details?.length ? { evidence: result.details } : {}),
        ...(readBack ? { readBack } : {}),
        ...(profiles ? { profiles } : {}),
      };
    } catch (error) {
      // A Verify that could not look (no sign-in, no network) says nothing about the step: its status stays.
      this.record(stepId, whatIf || kind === 'verify' ? previous : 'failed');
      const message = error instanceof Error ? error.message : String(error);
      progress(`${step.title} stopped: ${message}`, 'error');
      throw error;
    } finally {
      this.running.delete(runId);
      for (const value of found) this.deps.redactor.forgetSecret(value);
    }
  }

  /**
   * Offline runbook mode, a cloud step: Run records what the admin read off the portal (checked,
   * journaled as confirmed by the admin); Verify says what was recorded. No cloud call either way.
   */
  private confirmOffline(
    kind: 'run' | 'verify',
    step: StepDefinition,
    inputs: Record<string, string>,
    runId: string,
    progress: (message: string, level?: 'info' | 'warn' | 'error') => void,
  ): StepOutcome {
    const spec = CONFIRMATIONS[step.id];
    const saved = this.state.confirmations[step.id];
    if (kind === 'verify' || !spec) {
      const summary = saved
        ? `Confirmed by the admin at ${saved.at} (offline runbook mode: not verified by the companion). ${saved.lines.join(' ')}`
        : 'Nothing was confirmed for this step yet (offline runbook mode: the companion makes no cloud call to check it).';
      progress(summary, saved ? 'info' : 'warn');
      return {
        stepId: step.id,
        runId,
        status: saved ? 'confirmed' : 'not-started',
        summary,
        ...(saved
          ? {}
          : { remedy: 'Do the portal steps of the plan, fill in what the portal shows, and Run to record it.' }),
      };
    }
    const verdict = spec.judge(inputs);
    if (!verdict.ok) {
      progress(`Not recorded: ${verdict.message}`, 'error');
      throw new CompanionError('INVALID_REQUEST', verdict.message, verdict.remedy);
    }
    const at = this.now().toISOString();
    this.state.confirmations[step.id] = { lines: verdict.lines, at };
    if (verdict.readBack) this.state.readBack[step.id] = { values: verdict.readBack, at };
    this.record(step.id, 'confirmed');
    this.deps.journal.append({
      kind: 'admin-confirmation',
      runId,
      stepId: step.id,
      message: `Confirmed by the admin (offline runbook mode, not verified): ${verdict.lines.join(' ')}`,
      data: { lines: verdict.lines },
    });
    const summary = `Recorded as confirmed by the admin (not verified by the companion): ${verdict.lines.join(' ')}`;
    progress(summary);
    return {
      stepId: step.id,
      runId,
      status: 'confirmed',
      summary,
      ...(verdict.readBack ? { readBack: verdict.readBack } : {}),
    };
  }

  /** The value an earlier step read back for this input, if it has. */
  private defaultOf(input: InputSpec): InputSpec['default'] | undefined {
    if (!input.defaultFrom) return undefined;
    const saved = this.state.readBack[input.defaultFrom.stepId];
    const value = saved?.values[input.defaultFrom.value];
    return saved && value ? { value, stepId: input.defaultFrom.stepId, at: saved.at } : undefined;
  }

  /**
   * An input left empty takes what an earlier step read back (Verify's external URL: Publish's);
   * a typed value wins. With progress, each such input says which value the run uses and why.
   */
  private withDefaults(
    stepId: StepId,
    inputs: Record<string, string>,
    progress?: (message: string) => void,
  ): Record<string, string> {
    const out = { ...inputs };
    for (const input of stepById(stepId).inputs) {
      const found = this.defaultOf(input);
      if (!found) continue;
      const source = `step ${steps.findIndex((step) => step.id === found.stepId) + 1} (${stepById(found.stepId).title})`;
      const typed = out[input.id]?.trim();
      if (!typed) out[input.id] = found.value;
      progress?.(
        !typed || typed === found.value
          ? `${input.label}: ${found.value}, as ${source} read it back.`
          : `${input.label}: ${typed}, as typed (${source} read back ${found.value}).`,
      );
    }
    // A tenant ID recorded earlier (typed for registration, or confirmed from the portal) serves
    // a step that needs one and was given none: offline, Registration's Verify has no field for it.
    const tenant = this.values().tenantId;
    if (tenant && !out.tenantId?.trim() && stepById(stepId).inputs.some((input) => input.id === 'tenantId')) {
      out.tenantId = tenant;
      progress?.(`Tenant ID: ${tenant}, as recorded earlier in this runbook.`);
    }
    return out;
  }

  private begin(runId: string): AbortController {
    if (this.running.has(runId)) throw duplicateRun();
    const controller = new AbortController();
    this.running.set(runId, { controller, guard: null });
    return controller;
  }

  /**
   * Marks the step running as one check-and-set under the state's lock: the app and the CLI
   * share the data folder, and only one of them may start a step.
   */
  private claim(stepId: StepId): void {
    this.state.steps[stepId] = { status: 'running', at: this.now().toISOString(), ...this.deps.processes.self() };
    // Claiming a step is a check-and-set between processes: without the lock it is refused.
    this.save((disk) => runningElsewhere(disk, stepId, this.deps.processes), true);
  }

  private record(stepId: StepId, status: StepStatus): void {
    this.state.steps[stepId] = {
      status,
      at: this.now().toISOString(),
      ...(status === 'running' ? this.deps.processes.self() : {}),
    };
    this.save();
  }

  /** What the other process sharing the data folder recorded meanwhile (this one saves each change at once). */
  private refresh(): void {
    this.state = this.deps.store.read();
    this.synced = entriesOf(this.state);
  }

  /**
   * Writes back what this process changed, over what is on disk now: the app and the CLI may
   * both be open on the same data folder, and neither may undo what the other recorded. The
   * read-merge-write is serialised between processes by the store's lock; `check` may refuse
   * the write on what it finds there.
   */
  private save(check?: (disk: RunbookState) => void, lockRequired = false): void {
    try {
      this.deps.store.update(
        (disk) => {
          check?.(disk);
          return mergeChanges(disk, this.state, this.synced);
        },
        { lockRequired },
      );
    } finally {
      // Written or refused by the check, what is on disk is what this process knows now.
      this.refresh();
    }
  }
}

function duplicateRun(): CompanionError {
  return new CompanionError(
    'INVALID_REQUEST',
    'A run with this id is already in progress.',
    'Wait for it to finish or cancel it.',
  );
}

/** Refuses a step saved as running in another companion process that still runs (that process, not a later one given its id). */
function runningElsewhere(state: RunbookState, stepId: StepId, processes: ProcessTable): void {
  const other = state.steps[stepId];
  if (
    other?.status === 'running' &&
    other.pid !== undefined &&
    other.pid !== process.pid &&
    processes.running({ pid: other.pid, ...(other.started ? { started: other.started } : {}) })
  ) {
    const step = stepById(stepId);
    throw new CompanionError(
      'INVALID_REQUEST',
      `Step ${steps.indexOf(step) + 1} (${step.title}) is running in another companion process (pid ${other.pid}).`,
      'Let it finish there (the companion window or a CLI command), then run or verify it here.',
    );
  }
}
