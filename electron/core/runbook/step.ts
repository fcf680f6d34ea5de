import type { CheckReport, InputSpec, Mode, PlannedAction, StepId } from '../../contract/model.ts';
import type { CheckServices } from '../checks/suite.ts';
import type { Progress } from '../store/progress.ts';

/** What a step sees when it plans, runs or verifies. */
export interface StepContext {
  mode: Mode;
  inputs: Record<string, string>;
  runId: string;
  signal: AbortSignal;
  progress: Progress;
  services: CheckServices;
}

export interface StepResult {
  passed: boolean;
  summary: string;
  evidence?: unknown;
  report?: CheckReport;
}

/**
 * One runbook step: data (id, title, why, inputs) plus code. `plan()` lists exactly what
 * `run()` would do; `verify()` is the truth about the machine, whatever saved state says.
 * `capability` is null until the step's run/verify is built, and the runbook then answers
 * "not available yet" instead of pretending.
 */
export interface StepDefinition {
  id: StepId;
  title: string;
  summary: string;
  why: { text: string; docUrl: string };
  inputs: InputSpec[];
  cloud: boolean;
  /** Portal steps for offline runbook mode (cloud steps only). */
  manual?: string[];
  plan(inputs: Record<string, string>): PlannedAction[];
  capability: null | {
    run(context: StepContext): Promise<StepResult>;
    verify(context: StepContext): Promise<StepResult>;
  };
}

/** Shows an input the admin has not filled yet as a placeholder, never as an empty string. */
export function shown(inputs: Record<string, string>, id: string, placeholder: string): string {
  const value = inputs[id]?.trim();
  return value ? value : `<${placeholder}>`;
}
