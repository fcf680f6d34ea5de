import { type StepDefinition } from '../step.ts';
import { reportOffline } from './offline.ts';
import { docs } from '../../runbook/docs.ts';
import { reportPlan, runReport, verifyReport } from './report-step.ts';

export const reportStep: StepDefinition = {
  offline: reportOffline,
  id: 'report',
  title: 'Report',
  summary: 'Leave a runbook with evidence: Markdown, printable HTML, PDF and JSON.',
  why: {
    text: 'The change record and the next admin need to know what was done and what it proved.',
    docUrl: docs.protectNdes,
  },
  inputs: [
    {
      id: 'formats',
      label: 'Formats',
      help: 'all: Markdown for tickets, HTML to print, PDF (printed by Microsoft Edge or another Chromium-family browser on this machine), JSON for tooling.',
      kind: 'choice',
      required: false,
      choices: ['all', 'markdown', 'html', 'pdf', 'json'],
    },
    {
      id: 'folder',
      label: 'Folder',
      help: "A full path for the files; left empty, a new dated folder under the data folder's Reports.",
      kind: 'text',
      required: false,
      placeholder: 'D:\\Change records\\NDES',
    },
  ],
  cloud: false,
  plan: reportPlan,
  capability: { run: runReport, verify: verifyReport },
};
