import type { CheckReport, InputSpec, Mode, PlannedAction, ScepProfileView, StepId } from '../../contract/model.ts';
import type { StepServices } from '../services.ts';
import type { Progress } from '../store/progress.ts';
import type { ConfirmSpec, RunbookValues } from './shared/offline-text.ts';

export interface StepSecrets {
  /** A token for the connector registration service (docs/reference/domain.md section 2.1). */
  registrationToken?: string;
  /** The password of the PFX for a custom domain (Publish): typed in the wizard or piped to the CLI. */
  pfxPassword?: string;
}

/** What a step sees when it plans, runs or verifies. */
export interface StepContext {
  mode: Mode;
  inputs: Record<string, string>;
  runId: string;
  signal: AbortSignal;
  progress: Progress;
  services: StepServices;
  /** Run -WhatIf: check and report, change nothing. */
  whatIf: boolean;
  /**
   * Secrets for this run only, handed in by the process that holds them (the CLI reading
   * stdin, later the sign-in): never an input, never saved, never sent to a window.
   */
  secrets: StepSecrets;
  /** A secret the step came by itself (a token from a sign-in): redacted by value until the run ends. */
  keepSecret(value: string): void;
  /**
   * Refuse cancellation from now on (with the reason the admin will read), or allow it again
   * with null: an installer inside its Windows Installer transaction must be left to finish.
   */
  guardCancel(reason: string | null): void;
  /**
   * For a step that may restart the server: arrange() before it (journaled first; a scheduled
   * task reopens the companion where the host can), settle(exitCode) after it (3010 and 1641
   * stay pending for the next start; anything else undoes the arrangement).
   */
  restart?: { arrange(): Promise<void>; settle(code: number | null): Promise<void> };
}

/** The title of the one action a plan shows for inputs it refuses: such inputs are never saved. */
export const INPUT_REFUSED = 'Fix the input first';

export interface StepResult {
  passed: boolean;
  summary: string;
  remedy?: string;
  /** Lines for the record: versions, exit codes, log lines. */
  details?: string[];
  evidence?: unknown;
  report?: CheckReport;
  /** Intune's SCEP profiles with the change proposed for each (the renderer's list to tick). */
  profiles?: ScepProfileView[];
}

/**
 * One runbook step: data (id, title, why, inputs) plus code. `plan()` lists exactly what
 * `run()` would do; `verify()` is the truth about the machine, whatever saved state says.
 */
export interface StepDefinition {
  id: StepId;
  title: string;
  summary: string;
  why: { text: string; docUrl: string };
  inputs: InputSpec[];
  cloud: boolean;
  /** Offline runbook mode and the printed runbook: the portal path, the step by hand, what the admin records. */
  offline?: StepOffline;
  /** verify() reads only this machine, so it runs in offline runbook mode too. */
  localVerify?: boolean;
  /** run() honours StepContext.whatIf: it checks and reports, and changes nothing. */
  whatIf?: boolean;
  plan(inputs: Record<string, string>): PlannedAction[];
  /**
   * What a passed run read back that later steps' inputs default to (InputSpec.defaultFrom),
   * e.g. Publish's external URL; kept in the runbook state.
   */
  readBack?(result: StepResult): Record<string, string>;
  capability: {
    run(context: StepContext): Promise<StepResult>;
    verify(context: StepContext): Promise<StepResult>;
  };
}

/** Shows an input the admin has not filled yet as a placeholder, never as an empty string. */
export function shown(inputs: Record<string, string>, id: string, placeholder: string): string {
  const value = inputs[id]?.trim();
  return value ? value : `<${placeholder}>`;
}

/** A step's text for offline runbook mode and the printed runbook, kept in the step's own folder. */
export interface StepOffline {
  /** Cloud steps in offline mode: the portal path of Microsoft's guide, with this runbook's values. */
  portal?(values: RunbookValues): string[];
  /** Local steps: the same step done without the app, for a reader of the printed runbook. */
  byHand?(values: RunbookValues): string[];
  /** Cloud steps in offline mode: what the admin records from the portal, and how it is checked. */
  confirm?: ConfirmSpec;
}
