import type { StepId } from '../../contract/model.ts';
import { CompanionError } from '../errors.ts';
import type { PowerShellRunner } from '../ports.ts';
import { stepById, steps } from '../steps/index.ts';
import type { Journal } from '../store/journal.ts';
import type { RunbookState } from './state.ts';

/** The runbook's state as the restart logic reads and changes it: the live state, saved and re-read by the runbook. */
export interface RunbookStateAccess {
  readonly state: RunbookState;
  save(): void;
  refresh(): void;
  now(): Date;
}

export interface RestartDeps {
  journal: Journal;
  powershell: PowerShellRunner;
  /** When this server last started: a restart since a pending one began means it happened. */
  bootTime?: () => Date;
  /** The companion's own executable, where the host can reopen it after a restart (the packaged app on Windows). */
  relaunch?: { appPath: string };
}

/**
 * A restart the connector installer asks for (3010) or starts (1641): arranged before the step
 * runs (journaled, then a scheduled task that reopens the companion where the host can), settled
 * after it, noticed on the first start after the server's boot time passes it, and the task
 * removed once the companion is open again (Set-RestartResume.ps1).
 */
export class RestartResume {
  constructor(
    private readonly holder: RunbookStateAccess,
    private readonly deps: RestartDeps,
  ) {}

  /**
   * The server has restarted since a step asked for it (or started it): that step is marked
   * interrupted, so the wizard and `resume` verify it, and the pending restart is closed. The
   * scheduled task, if one was arranged, is removed by removeResumeTask() (PowerShell, async).
   */
  happened(): boolean {
    const pending = this.holder.state.restart;
    const boot = this.deps.bootTime?.();
    if (!pending || pending.restartedAt || pending.settled || !boot || boot.getTime() <= Date.parse(pending.at))
      return false;
    // Only a restart the installer asked for or started says anything about the step; a step
    // the companion never saw end is already found interrupted by its "running" status.
    if (pending.code !== null) {
      const step = stepById(pending.stepId);
      const number = steps.indexOf(step) + 1;
      this.deps.journal.append({
        kind: 'restart-done',
        stepId: pending.stepId,
        message: `The server restarted at ${boot.toISOString()}, after step ${number} (${step.title}) ended with exit code ${pending.code}; verifying that step.`,
      });
      if (
        ['passed', 'running', 'interrupted', 'failed'].includes(this.holder.state.steps[pending.stepId]?.status ?? '')
      )
        this.holder.state.steps[pending.stepId] = { status: 'interrupted', at: this.holder.now().toISOString() };
    }
    this.holder.state.restart = { ...pending, code: null, restartedAt: boot.toISOString() };
    return true;
  }

  /**
   * Removes the scheduled task that reopened the companion (after use: the companion is open).
   * A restart still to come (3010 not yet restarted) keeps its banner, without the task.
   */
  async removeTask(options: { evenIfUnknown?: boolean } = {}): Promise<void> {
    const pending = this.holder.state.restart;
    // Started by the task, the companion removes it whatever the state says: a task the state
    // lost (a kill between registering and saving, a reset data folder) must not stay forever.
    if (!pending?.arranged && !options.evenIfUnknown) {
      if (pending?.restartedAt) this.clear();
      return;
    }
    try {
      const run = await this.deps.powershell.run('Set-RestartResume', { params: { Action: 'Remove' } });
      // The companion may have closed meanwhile: what Windows did stands, the next start reads it.
      if (!this.deps.journal.isOpen()) return;
      this.deps.journal.append({
        kind: 'restart-resume',
        message:
          run.data.result === 'removed'
            ? 'Removed the scheduled task that reopened the companion after the restart.'
            : 'The scheduled task that reopens the companion was already gone.',
      });
      const now = this.holder.state.restart;
      if (now?.restartedAt || now?.settled) this.clear();
      else if (now) {
        this.holder.state.restart = { ...now, arranged: false };
        this.holder.save();
      }
    } catch (error) {
      if (this.deps.journal.isOpen())
        this.deps.journal.append({
          kind: 'restart-resume',
          message: `Could not remove the scheduled task \\NDES Proxy Companion\\Resume after restart: ${error instanceof Error ? error.message : String(error)} Remove it in Task Scheduler.`,
        });
    }
  }

  /** The server restarted since a step asked: the pending entry is to be closed (removeResumeTask). */
  closing(): boolean {
    return this.holder.state.restart?.restartedAt !== undefined || this.holder.state.restart?.settled === true;
  }

  private clear(): void {
    delete this.holder.state.restart;
    this.holder.save();
  }

  /** A restart a step asked for and that has not happened yet (3010), or the one it started (1641). */
  pending(): { stepId: StepId; code: number; at: string; arranged: boolean } | null {
    const pending = this.holder.state.restart;
    return pending && pending.code !== null
      ? { stepId: pending.stepId, code: pending.code, at: pending.at, arranged: pending.arranged }
      : null;
  }

  /**
   * Before a step that may restart the server: journal first, then arrange to reopen (a
   * scheduled task at the admin's next logon) where the host can; say how, either way.
   */
  async arrange(stepId: StepId, progress: (message: string, level?: 'info' | 'warn' | 'error') => void): Promise<void> {
    const at = this.holder.now().toISOString();
    // A restart an earlier run asked for and that has not happened yet stays asked for.
    const earlier =
      this.holder.state.restart && !this.holder.state.restart.restartedAt && this.holder.state.restart.code !== null
        ? this.holder.state.restart
        : undefined;
    this.deps.journal.append({
      kind: 'restart-resume',
      stepId,
      message:
        'The connector installer may restart the server by itself (exit code 1641) or ask for a restart (3010): arranging to carry on after it.',
    });
    let arranged = false;
    // Saved before the task exists, so a kill between the two leaves the task known (and removed).
    this.holder.state.restart = {
      stepId,
      at: earlier?.at ?? at,
      arranged: this.deps.relaunch !== undefined,
      code: earlier?.code ?? null,
    };
    this.holder.save();
    if (!this.deps.relaunch) {
      progress(
        'This host cannot reopen itself after a restart: if the server restarts, open NDES Proxy Companion again (or run ndes-companion resume); it verifies this step.',
        'warn',
      );
    } else {
      try {
        const run = await this.deps.powershell.run('Set-RestartResume', {
          params: { Action: 'Register', AppPath: this.deps.relaunch.appPath },
        });
        arranged = run.data.result === 'registered';
        if (arranged)
          progress(
            `If the server restarts, the scheduled task ${run.data.task?.taskPath ?? ''}${run.data.task?.taskName ?? ''} reopens the companion, elevated, at your next logon; the companion removes it when it opens.`,
          );
        else
          progress(
            `The companion could not arrange to reopen itself (${run.data.refusal?.detail ?? run.data.result}): if the server restarts, open it again; it verifies this step.`,
            'warn',
          );
      } catch (error) {
        progress(
          `The companion could not arrange to reopen itself (${error instanceof Error ? error.message : String(error)}): if the server restarts, open it again; it verifies this step.`,
          'warn',
        );
      }
    }
    this.holder.state.restart = { stepId, at: earlier?.at ?? at, arranged, code: earlier?.code ?? null };
    this.holder.save();
  }

  /** After it: a restart asked for (3010) or started (1641) stays pending; otherwise the arrangement is undone. */
  async settle(
    code: number | null,
    progress: (message: string, level?: 'info' | 'warn' | 'error') => void,
  ): Promise<void> {
    const pending = this.holder.state.restart;
    if (!pending) return;
    // A run that needed nothing (the connector was already there) does not cancel a restart an
    // earlier run asked for.
    if (code !== 3010 && code !== 1641 && pending.code !== null) {
      this.holder.save();
      return;
    }
    if (code === 3010 || code === 1641) {
      this.holder.state.restart = { ...pending, code };
      this.holder.save();
      this.deps.journal.append({
        kind: 'restart-pending',
        stepId: pending.stepId,
        message:
          code === 3010
            ? 'The installer asked for a restart (3010): restart the server when your change window allows; the companion carries on after it.'
            : 'The installer has started a restart of the server (1641); the companion carries on after it.',
      });
      if (code === 3010)
        progress(
          'Restart the server to finish (exit code 3010) when your change window allows: the companion\'s "Restart the server" (CLI: ndes-companion restart --confirm), or restart it yourself.',
          'warn',
        );
      return;
    }
    if (pending.arranged) {
      try {
        await this.deps.powershell.run('Set-RestartResume', { params: { Action: 'Remove' } });
      } catch (error) {
        progress(
          `Could not remove the scheduled task that would have reopened the companion: ${error instanceof Error ? error.message : String(error)} The companion tries again when it next opens; or remove \\NDES Proxy Companion\\Resume after restart in Task Scheduler.`,
          'warn',
        );
        this.holder.state.restart = { ...pending, settled: true };
        this.holder.save();
        return;
      }
    }
    this.clear();
  }

  /** Restarts the server for the installer that asked (3010), after the admin said so; journaled first. */
  async restartServer(): Promise<{ result: string; delaySeconds: number }> {
    this.holder.refresh();
    const pending = this.pending();
    if (!pending || pending.code !== 3010)
      throw new CompanionError(
        'INVALID_REQUEST',
        'No installer is waiting for a restart of this server.',
        'Nothing to do: the companion restarts the server only when the connector installer asked for it (exit code 3010).',
      );
    this.deps.journal.append({
      kind: 'restart-requested',
      stepId: pending.stepId,
      message:
        'The admin asked the companion to restart the server in 60 seconds (shutdown.exe /r; cancel with shutdown /a).',
    });
    const run = await this.deps.powershell.run('Set-RestartResume', {
      params: { Action: 'Restart', DelaySeconds: 60 },
    });
    this.deps.journal.append({
      kind: 'restart-requested',
      stepId: pending.stepId,
      message:
        run.data.result === 'already-scheduled'
          ? 'A restart was already scheduled on this server; Windows keeps that one.'
          : 'Windows will restart the server in 60 seconds.',
    });
    return { result: run.data.result ?? 'restart-scheduled', delaySeconds: run.data.restart?.delaySeconds ?? 60 };
  }
}
