import { existsSync, statSync } from 'node:fs';
import { isAbsolute, win32 } from 'node:path';
import type { PlannedAction } from '../../../contract/model.ts';
import { CompanionError } from '../../errors.ts';
import { INPUT_REFUSED, type StepContext, type StepResult } from '../step.ts';
import type { ExportFormat } from '../../report/export.ts';

/** Step 10: the runbook with evidence, written as files an admin can hand over. */
const ALL: readonly ExportFormat[] = ['markdown', 'html', 'pdf', 'json'];

export function formatsOf(inputs: Record<string, string>): readonly ExportFormat[] {
  const value = (inputs.formats ?? '').trim().toLowerCase();
  if (value === '' || value === 'all') return ALL;
  const formats = value
    .split(',')
    .map((format) => format.trim())
    .filter(Boolean);
  for (const format of formats)
    if (!['markdown', 'html', 'pdf', 'json'].includes(format))
      throw new CompanionError(
        'INVALID_REQUEST',
        `"${format.slice(0, 20)}" is not a runbook format.`,
        'Choose all, or any of markdown, html, pdf, json.',
      );
  return formats as ExportFormat[];
}

export function folderOf(inputs: Record<string, string>): string | null {
  const folder = (inputs.folder ?? '').trim();
  if (folder === '') return null;
  return checkReportFolder(folder);
}

/**
 * Where the elevated app may write the runbook: a full local path, normalised first (so "..",
 * forward slashes and trailing dots cannot walk around the rules); no network share (an SMB
 * sign-in to whatever host is named), no device path, nothing under the Windows folder or IIS's
 * inetpub (served to the network, perhaps through application proxy). The CLI's --out too.
 */
export function checkReportFolder(folder: string): string {
  if (
    folder.length > 1024 ||
    [...folder].some((char) => char.charCodeAt(0) < 0x20) ||
    !(isAbsolute(folder) || win32.isAbsolute(folder))
  )
    throw new CompanionError(
      'INVALID_REQUEST',
      'The folder must be a full path, such as D:\\Change records\\NDES.',
      'Type a full path, or leave it empty for a dated folder under the data folder.',
    );
  if (/^[\\/]{2}/.test(folder))
    throw new CompanionError(
      'INVALID_REQUEST',
      'The runbook is written to a folder on this server, not to a network share or device path.',
      'Type a local folder such as D:\\Change records\\NDES, then copy the files where they belong.',
    );
  const windowsStyle = /^[a-z]:|\\/i.test(folder);
  const normal = windowsStyle ? win32.resolve(folder) : folder;
  const segments = normal.split(/[\\/]+/).map((segment) => segment.replace(/[. ]+$/, '').toLowerCase());
  if (windowsStyle && (segments[1] === 'windows' || segments[1] === 'inetpub'))
    throw new CompanionError(
      'INVALID_REQUEST',
      `The runbook is not written under ${segments[1] === 'windows' ? 'the Windows folder' : "IIS's inetpub (served to the network)"}.`,
      'Type a folder such as D:\\Change records\\NDES.',
    );
  return normal;
}

export function reportPlan(inputs: Record<string, string>): PlannedAction[] {
  let formats: readonly ExportFormat[];
  let folder: string | null;
  try {
    formats = formatsOf(inputs);
    folder = folderOf(inputs);
  } catch (error) {
    return [{ kind: 'manual', title: INPUT_REFUSED, detail: (error as Error).message, changesSystem: false }];
  }
  return [
    {
      kind: 'file',
      title: `Write the runbook (${formats.join(', ')}): environment, each step's why, plan, what happened and evidence, confirmations, open warnings, what to do next, the back-out plan`,
      detail: `${folder ?? '<data folder>\\Reports\\<date and time>'}\\runbook.{md,html,pdf,json}; secrets removed; the PDF printed by a Chromium-family browser on this machine (Microsoft Edge), when there is one`,
      changesSystem: false,
    },
  ];
}

export async function runReport(context: StepContext): Promise<StepResult> {
  const service = context.services.report;
  if (!service)
    throw new CompanionError(
      'NOT_AVAILABLE',
      'This host cannot write the runbook.',
      'Use the CLI: ndes-companion runbook --out <folder>.',
    );
  const formats = formatsOf(context.inputs);
  const folder = folderOf(context.inputs);
  context.progress(`Writing the runbook (${formats.join(', ')}).`);
  const result = await service.write(folder, formats);
  for (const note of result.notes) context.progress(note, 'warn');
  return {
    passed: result.written.length > 0,
    summary: `The runbook is in ${result.folder}: ${result.written.map((path) => path.slice(result.folder.length + 1)).join(', ')}.${result.notes.length ? ` ${result.notes.join(' ')}` : ''}`,
    details: result.written,
  };
}

export async function verifyReport(context: StepContext): Promise<StepResult> {
  const last = context.services.report?.last();
  if (!last) return { passed: false, summary: 'No runbook has been written yet.', remedy: 'Run this step.' };
  const missing = last.written.filter((path) => !existsSync(path) || statSync(path).size === 0);
  if (missing.length)
    return {
      passed: false,
      summary: `The runbook written at ${last.at} is incomplete now: ${missing.join(', ')} missing or empty.`,
      remedy: 'Run this step again.',
      details: last.written,
    };
  return {
    passed: true,
    summary: `The runbook written at ${last.at} is in ${last.folder} (${last.written.length} file(s)).`,
    details: last.written,
  };
}
