import type { Command } from '../command.ts';
import { planText, stepsTable } from '../format.ts';
import { stepIds, type StepId } from '../../contract/model.ts';
import { inputOption } from './options.ts';

export const stepsCommand: Command = {
  names: ['steps'],
  usage: [{ line: 'steps [--json]', text: 'List the ten runbook steps and their status.' }],
  options: {},
  args: { min: 0, max: 0 },
  run: async (context) =>
    context.emit(await context.api.runbook.list(), (value) => stepsTable(value.steps, value.mode)),
};

export const planCommand: Command = {
  names: ['plan'],
  usage: [
    {
      line: 'plan <step> [--input k=v]... [--offline] [--json]',
      text: 'Show exactly what a step would do, without doing it.',
    },
  ],
  options: {
    input: inputOption,
    offline: {
      type: 'boolean',
      help: 'Plan in offline runbook mode (cloud steps become manual portal steps); the saved mode is unchanged.',
    },
  },
  args: { min: 1, max: 1, oneOf: stepIds },
  run: async (context) => {
    const stepId = context.args[0] as StepId;
    const title = context.companion.runbook.list().find((step) => step.id === stepId)?.title ?? stepId;
    return context.emit(
      await context.api.runbook.plan({
        stepId,
        ...(Object.keys(context.inputs).length > 0 ? { inputs: context.inputs } : {}),
        ...(context.flag('offline') ? { mode: 'offline' as const } : {}),
      }),
      (value) => planText(value, title),
    );
  },
};

export const runCommand: Command = {
  names: ['run', 'verify'],
  usage: [
    { line: 'run <step> [--input k=v]... [--what-if]', text: 'Carry a step out (streams progress to stderr).' },
    { line: 'verify <step> [--input k=v]...', text: "Check a step's result on this machine now." },
  ],
  options: {
    input: inputOption,
    'what-if': {
      type: 'boolean',
      help: 'Check everything and report, change nothing (PowerShell -WhatIf; for the cloud steps, Graph is only read).',
    },
  },
  args: { min: 1, max: 1, oneOf: stepIds },
  run: async (context) => {
    const stepId = context.args[0] as StepId;
    const inputs = Object.keys(context.inputs).length > 0 ? { inputs: context.inputs } : {};
    if (context.command === 'verify')
      return await context.interruptibly((runId) => context.api.runbook.verify({ stepId, ...inputs, runId }));
    return await context.interruptibly((runId) =>
      context.api.runbook.run({ stepId, ...inputs, runId, ...(context.whatIf ? { whatIf: true } : {}) }),
    );
  },
};

export const hostCommand: Command = {
  names: ['host'],
  usage: [{ line: 'host [--json]', text: 'Which server this is (one PowerShell run).' }],
  options: {},
  args: { min: 0, max: 0 },
  run: async (context) =>
    context.emit(
      await context.api.host.identity(),
      (value) =>
        `${value.computerName}: ${value.osCaption} (build ${value.osBuild}), ${value.elevated ? 'elevated' : 'NOT elevated: run as administrator'}`,
    ),
};
