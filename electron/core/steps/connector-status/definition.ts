import { type StepDefinition } from '../step.ts';
import { connectorStatusOffline } from './offline.ts';
import { signedInCloudInput } from '../shared/cloud-input.ts';
import { docs } from '../../runbook/docs.ts';
import { connectorStatusPlan, runConnectorStatus } from './connector-status.ts';

export const connectorStatusStep: StepDefinition = {
  offline: connectorStatusOffline,
  id: 'connector-status',
  title: 'Connector status',
  summary: 'Confirm the connector services run here and the tenant sees this connector as active.',
  why: {
    text: 'A connector shows inactive after 60 minutes without reaching the service; two or more per group give high availability.',
    docUrl: docs.troubleshootConnectors,
  },
  inputs: [signedInCloudInput],
  cloud: true,
  plan: connectorStatusPlan,
  capability: { run: runConnectorStatus, verify: runConnectorStatus },
};
