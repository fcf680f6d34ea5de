import type { Api } from '../../../electron/contract/api.ts';
import type { AppInfo, Envelope, PendingRestartView } from '../../../electron/contract/channels.ts';
import type { Failure } from '../../../electron/contract/errors.ts';
import { verdictOf } from '../../../electron/contract/verdict.ts';
import type {
  CheckGroup,
  CheckReport,
  CompanionEvent,
  HostIdentity,
  Mode,
  Plan,
  StepId,
  StepOutcome,
  StepView,
} from '../../../electron/contract/model.ts';

export interface LogLine {
  id: number;
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  /** A check result line: it starts with its own marker (PASS, WARN, FAIL). */
  check: boolean;
}

export interface StepPageState {
  plan: Plan | null;
  outcome: StepOutcome | null;
  report: CheckReport | null;
  error: Failure | null;
  busy: 'plan' | 'run' | 'verify' | 'group' | null;
  /** The group being re-run, while busy is 'group'. */
  group: CheckGroup | null;
  runId: string | null;
  /** Progress lines received for the current run (drives the progress indicator). */
  seen: number;
  /** Checks finished so far in the current run, by status. */
  done: { pass: number; warn: number; fail: number; skipped: number };
  /** How far the current action says it has come (0 to 100), when it says so. */
  percent: number | null;
  /** The latest progress line of the current run, shown beside the bar. */
  latest: string | null;
  /** Why Cancel was refused (an installer inside its transaction), until the run ends. */
  cancelRefused: string | null;
  /** The last run was -WhatIf: nothing was changed. */
  whatIf: boolean;
}

const LOG_LIMIT = 500;

function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

function emptyPage(): StepPageState {
  return {
    plan: null,
    outcome: null,
    report: null,
    error: null,
    busy: null,
    group: null,
    runId: null,
    seen: 0,
    done: { pass: 0, warn: 0, fail: 0, skipped: 0 },
    percent: null,
    latest: null,
    cancelRefused: null,
    whatIf: false,
  };
}

/** All the renderer's state in one place: the step list, the current step, the log. */
export class Wizard {
  info = $state<AppInfo | null>(null);
  steps = $state<StepView[]>([]);
  currentIndex = $state(0);
  mode = $state<Mode>('guided');
  /** A restart the connector installer asked for (3010) or started (1641), not yet seen to happen. */
  pendingRestart = $state<PendingRestartView | null>(null);
  host = $state<HostIdentity | null>(null);
  hostError = $state<Failure | null>(null);
  loadError = $state<Failure | null>(null);
  /** Why the last mode switch was refused (offline is chosen before the first cloud call). */
  modeError = $state<Failure | null>(null);
  log = $state<LogLine[]>([]);
  inputs = $state<Record<string, Record<string, string>>>({});
  pages = $state<Record<string, StepPageState>>({});

  readonly current = $derived(this.steps[this.currentIndex] ?? null);
  readonly total = $derived(this.steps.length);

  /**
   * Secrets typed for the next run of a step (Publish: the custom domain's PFX password): sent
   * with that one run only, never with a plan or a verify, never kept, and cleared once it ends.
   */
  secrets = $state<Partial<Record<StepId, { pfxPassword?: string }>>>({});

  private nextLogId = 1;
  /** The default each input was last filled with, so a value the admin typed is never replaced. */
  private readonly applied: Record<string, Record<string, string>> = {};

  constructor(private readonly api: Api) {}

  async load(): Promise<void> {
    this.api.events.on((event) => this.onEvent(event));
    const [info, list, journal] = await Promise.all([
      this.api.app.info(),
      this.api.runbook.list(),
      this.api.journal.tail({ limit: 50 }),
    ]);
    if (!info.ok) return this.fail(info.error);
    if (!list.ok) return this.fail(list.error);
    this.info = info.value;
    this.mode = list.value.mode;
    this.steps = list.value.steps;
    this.pendingRestart = list.value.pendingRestart;
    for (const step of this.steps) {
      this.inputs[step.id] ??= Object.fromEntries(
        [...step.inputs, ...(step.confirm ?? [])].map((input) => [
          input.id,
          input.kind === 'choice' ? (input.choices?.[0] ?? '') : '',
        ]),
      );
      this.ensurePage(step.id);
    }
    this.applyDefaults();
    if (journal.ok) for (const entry of journal.value.entries) this.append(entry.at, 'info', entry.message);
    void this.refreshHost();
    void this.resume();
  }

  async refreshHost(): Promise<void> {
    const result = await this.api.host.identity();
    if (result.ok) {
      this.host = result.value;
      this.hostError = null;
    } else {
      this.host = null;
      this.hostError = result.error;
    }
  }

  /**
   * After a restart: open the step the companion was in when it stopped, and Verify it, since
   * nothing saved can say how far it came.
   */
  private async resume(): Promise<void> {
    const point = await this.api.runbook.resumePoint({});
    if (!point.ok || !point.value.point) return;
    const { stepId, interrupted } = point.value.point;
    this.goTo(this.steps.findIndex((step) => step.id === stepId));
    if (!interrupted.includes(stepId)) return;
    const step = this.steps.find((candidate) => candidate.id === stepId);
    // A cloud step in guided mode is verified when the admin asks (it may need a sign-in first);
    // a local one reads this server only, with the inputs the runbook saved.
    if (step?.cloud && this.mode === 'guided') {
      this.append(
        nowIso(),
        'warn',
        `Step ${step.number} was interrupted when the companion stopped: select Verify to see where it stands.`,
      );
      return;
    }
    this.append(
      nowIso(),
      'warn',
      `Step ${step?.number ?? '?'} was interrupted when the companion stopped: verifying it now.`,
    );
    await this.run(stepId, 'verify', false, true);
  }

  goTo(index: number): void {
    if (index >= 0 && index < this.steps.length) this.currentIndex = index;
  }

  async setMode(mode: Mode): Promise<void> {
    const result = await this.api.settings.setMode({ mode });
    if (result.ok) {
      this.mode = result.value.mode;
      this.modeError = null;
      for (const page of Object.values(this.pages)) page.plan = null;
      this.append(nowIso(), 'info', `Mode: ${mode === 'offline' ? 'offline runbook (no cloud calls)' : 'guided'}.`);
      await this.refreshSteps();
    } else {
      this.modeError = result.error;
    }
  }

  /** The runbook as it stands, in one format: a file handed to the browser's save (Electron: a save dialog). */
  async exportReport(
    format: 'markdown' | 'html' | 'pdf' | 'json',
  ): Promise<{ ok: true; fileName: string } | { ok: false; error: Failure }> {
    const result = await this.api.report.export({ format });
    if (!result.ok) return { ok: false, error: result.error };
    const file = result.value;
    saveFile(
      file.fileName,
      file.mimeType,
      file.base64 !== undefined
        ? Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0))
        : new TextEncoder().encode(file.text ?? ''),
    );
    this.append(nowIso(), 'info', `Runbook saved as ${file.fileName}.`);
    return { ok: true, fileName: file.fileName };
  }

  /** The support bundle (a zip the core made and redacted), handed to the browser's save. */
  async supportBundle(): Promise<{ ok: true; fileName: string; notes: string[] } | { ok: false; error: Failure }> {
    const result = await this.api.support.bundle();
    if (!result.ok) return { ok: false, error: result.error };
    const bundle = result.value;
    saveFile(
      bundle.fileName,
      bundle.mimeType,
      Uint8Array.from(atob(bundle.base64), (char) => char.charCodeAt(0)),
    );
    this.append(nowIso(), 'info', `Support bundle saved as ${bundle.fileName} (${bundle.files} files).`);
    for (const note of bundle.notes) this.append(nowIso(), 'warn', note);
    return { ok: true, fileName: bundle.fileName, notes: bundle.notes };
  }

  /** Restarts the server for the installer that asked (3010), after the admin confirmed it. */
  async restartServer(): Promise<{ ok: true; delaySeconds: number; already: boolean } | { ok: false; error: Failure }> {
    const result = await this.api.host.restart();
    if (!result.ok) return { ok: false, error: result.error };
    this.append(
      nowIso(),
      'warn',
      result.value.result === 'already-scheduled'
        ? 'A restart was already scheduled on this server.'
        : `Windows restarts the server in ${result.value.delaySeconds} seconds (cancel with shutdown /a).`,
    );
    return { ok: true, delaySeconds: result.value.delaySeconds, already: result.value.result === 'already-scheduled' };
  }

  /** The few lines for a ticket, already redacted by the core. */
  async summary(): Promise<{ ok: true; text: string } | { ok: false; error: Failure }> {
    const result = await this.api.report.export({ format: 'summary' });
    return result.ok ? { ok: true, text: result.value.text ?? '' } : { ok: false, error: result.error };
  }

  /** Read-only view for templates; never creates state (that would happen inside a derivation). */
  page(stepId: StepId): StepPageState {
    return this.pages[stepId] ?? emptyPage();
  }

  private ensurePage(stepId: StepId): StepPageState {
    return (this.pages[stepId] ??= emptyPage());
  }

  async plan(stepId: StepId): Promise<void> {
    await this.call(
      stepId,
      'plan',
      () => this.api.runbook.plan({ stepId, inputs: this.filled(stepId) }),
      (page, plan) => (page.plan = plan),
    );
  }

  /** savedInputs: Verify with what the runbook saved, not the form (resuming: the form is not filled from it). */
  async run(stepId: StepId, kind: 'run' | 'verify', whatIf = false, savedInputs = false): Promise<void> {
    const runId = crypto.randomUUID();
    const page = this.ensurePage(stepId);
    page.runId = runId;
    page.whatIf = whatIf;
    const request = {
      stepId,
      ...(savedInputs ? {} : { inputs: this.filled(stepId) }),
      runId,
      ...(whatIf ? { whatIf: true } : {}),
    };
    const pfxPassword = kind === 'run' ? this.secrets[stepId]?.pfxPassword : undefined;
    try {
      await this.call(
        stepId,
        kind,
        () =>
          kind === 'run'
            ? this.api.runbook.run({ ...request, ...(pfxPassword ? { secrets: { pfxPassword } } : {}) })
            : this.api.runbook.verify(request),
        (page, outcome) => {
          page.outcome = outcome;
          page.report = outcome.report ?? null;
        },
      );
    } finally {
      if (pfxPassword) this.secrets[stepId] = {};
    }
    await this.refreshSteps();
  }

  /** Runs one group of a check step again and puts its fresh results in place of the old. */
  async rerunGroup(stepId: StepId, group: CheckGroup): Promise<void> {
    const runId = crypto.randomUUID();
    const page = this.ensurePage(stepId);
    page.runId = runId;
    page.group = group;
    const scope = stepId === 'verify' ? 'verify' : 'readiness';
    await this.call(
      stepId,
      'group',
      () => this.api.checks.run({ scope, groups: [group], inputs: this.filled(stepId), runId }),
      (current, fresh) => {
        const kept = current.report?.results.filter((result) => result.group !== group) ?? [];
        const results = [...kept, ...fresh.results];
        const verdict = verdictOf(results);
        current.report = { ...fresh, results, verdict, passed: verdict === 'ready' };
      },
    );
    page.group = null;
  }

  async cancel(stepId: StepId): Promise<void> {
    const runId = this.page(stepId).runId;
    if (!runId) return;
    const result = await this.api.runbook.cancel({ runId });
    if (result.ok && !result.value.cancelled && result.value.reason && this.page(stepId).runId === runId) {
      this.ensurePage(stepId).cancelRefused = result.value.reason;
      this.append(nowIso(), 'warn', `Cancel refused: ${result.value.reason}`);
    }
  }

  async openDoc(url: string): Promise<boolean> {
    const result = await this.api.help.open({ url });
    return result.ok && result.value.opened;
  }

  private filled(stepId: StepId): Record<string, string> {
    return Object.fromEntries(Object.entries(this.inputs[stepId] ?? {}).filter(([, value]) => value.trim() !== ''));
  }

  private async call<T>(
    stepId: StepId,
    busy: StepPageState['busy'],
    invoke: () => Promise<Envelope<T>>,
    onValue: (page: StepPageState, value: T) => void,
  ): Promise<void> {
    const page = this.ensurePage(stepId);
    page.busy = busy;
    page.error = null;
    page.seen = 0;
    page.done = { pass: 0, warn: 0, fail: 0, skipped: 0 };
    page.percent = null;
    page.latest = null;
    page.cancelRefused = null;
    try {
      const result = await invoke();
      if (result.ok) onValue(page, result.value);
      else page.error = result.error;
    } finally {
      page.busy = null;
      page.runId = null;
    }
  }

  private async refreshSteps(): Promise<void> {
    const list = await this.api.runbook.list();
    if (list.ok) {
      this.steps = list.value.steps;
      this.pendingRestart = list.value.pendingRestart;
      this.applyDefaults();
    }
  }

  /**
   * Fills inputs with what an earlier step read back (Verify's external URL: Publish's), when
   * they are empty or still hold the previous default; a value the admin typed stays.
   */
  private applyDefaults(): void {
    for (const step of this.steps) {
      for (const input of step.inputs) {
        if (!input.default) continue;
        const values = (this.inputs[step.id] ??= {});
        const applied = (this.applied[step.id] ??= {});
        const current = values[input.id] ?? '';
        if (current.trim() === '' || current === applied[input.id]) values[input.id] = input.default.value;
        applied[input.id] = input.default.value;
      }
    }
  }

  private onEvent(event: CompanionEvent): void {
    for (const page of Object.values(this.pages)) {
      if (page.runId !== event.runId) continue;
      page.seen += 1;
      if (event.check) page.done[event.check.status] += 1;
      else page.latest = event.message;
      if (event.percent !== undefined) page.percent = event.percent;
    }
    this.append(event.at, event.level, event.message, event.check !== undefined);
  }

  private append(at: string, level: LogLine['level'], message: string, check = false): void {
    this.log.push({ id: this.nextLogId++, at, level, message, check });
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }

  private fail(error: Failure): void {
    this.loadError = error;
  }
}

/** A download the host turns into a save: Electron's save dialog, the preview browser's download. */
function saveFile(fileName: string, mimeType: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
