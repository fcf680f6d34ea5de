import type { StepId } from '../../contract/model.ts';
import type { StepDefinition } from './step.ts';
import { readinessStep } from './readiness/definition.ts';
import { signInStep } from './sign-in/definition.ts';
import { connectorInstallStep } from './connector-install/definition.ts';
import { registrationStep } from './registration/definition.ts';
import { outboundProxyStep } from './outbound-proxy/definition.ts';
import { connectorStatusStep } from './connector-status/definition.ts';
import { publishStep } from './publish/definition.ts';
import { verifyStep } from './verify/definition.ts';
import { intuneStep } from './intune/definition.ts';
import { reportStep } from './report/definition.ts';

/** The ten steps of the procedure, in order: each defined in its own folder. */
export const steps: readonly StepDefinition[] = [
  readinessStep,
  signInStep,
  connectorInstallStep,
  registrationStep,
  outboundProxyStep,
  connectorStatusStep,
  publishStep,
  verifyStep,
  intuneStep,
  reportStep,
];

export function stepById(id: StepId): StepDefinition {
  const step = steps.find((candidate) => candidate.id === id);
  if (!step) throw new Error(`unknown step ${id}`);
  return step;
}
