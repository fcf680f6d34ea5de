import type { OptionSpec } from '../command.ts';

/** Options several commands take, with one meaning. */
export const inputOption: OptionSpec = {
  type: 'string',
  multiple: true,
  value: 'k=v',
  help: 'A step input, e.g. --input internalUrl=https://ndes01.contoso.local/ (repeatable).',
};

export const whatIfOption: OptionSpec = {
  type: 'boolean',
  help: 'Check everything and report, change nothing (PowerShell -WhatIf).',
};

/** --what-if of the cloud steps: Microsoft Graph is read, never written. */
export const graphWhatIfOption: OptionSpec = {
  type: 'boolean',
  help: 'Check everything and report, change nothing (Microsoft Graph is read, never written).',
};

export const signedInCloudOption: OptionSpec = {
  type: 'string',
  value: 'C',
  help: 'The cloud you signed in to: global (default), usgov or china.',
};
