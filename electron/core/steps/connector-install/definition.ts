import { type StepDefinition } from '../step.ts';
import { connectorInstallOffline } from './offline.ts';
import { docs } from '../../runbook/docs.ts';
import { INSTALLER_NAMES, installPlan, runInstall, verifyInstall } from './install.ts';

export const connectorInstallStep: StepDefinition = {
  offline: connectorInstallOffline,
  id: 'connector-install',
  title: 'Connector install',
  summary: "Install the private network connector from Microsoft's signed installer, without registering yet.",
  why: {
    text: 'A quiet install that does not register lets registration use a token instead of an embedded sign-in page.',
    docUrl: docs.registerConnectorPowerShell,
  },
  inputs: [
    {
      id: 'installerPath',
      label: 'Connector installer',
      help: `${INSTALLER_NAMES[0]} (or the older ${INSTALLER_NAMES[1]}), downloaded to this server from the Application proxy page. The companion copies it where only administrators can write and checks Microsoft's signature on the copy.`,
      kind: 'file',
      required: true,
      placeholder: `C:\\Install\\${INSTALLER_NAMES[0]}`,
    },
    {
      id: 'cloud',
      label: 'Cloud',
      help: 'global: Microsoft Entra ID worldwide. usgov: US Government (the installer gets ENVIRONMENTNAME="AzureUSGovernment").',
      kind: 'choice',
      required: false,
      choices: ['global', 'usgov'],
    },
    {
      id: 'upgrade',
      label: 'Replace another installed version',
      help: 'Only when a connector of another version is installed: yes replaces it (its registration is kept).',
      kind: 'choice',
      required: false,
      choices: ['no', 'yes'],
    },
    {
      id: 'waitSeconds',
      label: 'Wait for the services (seconds)',
      help: 'How long to wait for the connector services after the installer returns; default 300.',
      kind: 'text',
      required: false,
      placeholder: '300',
    },
  ],
  cloud: false,
  plan: installPlan,
  whatIf: true,
  capability: { run: runInstall, verify: verifyInstall },
};
