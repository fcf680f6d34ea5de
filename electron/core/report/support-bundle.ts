import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { CompanionError } from '../errors.ts';
import type { PowerShellRunner } from '../ports.ts';
import type { Redactor } from '../store/redact.ts';
import { exportReport, type ExportFormat } from './export.ts';
import { type PdfPrinter } from '../ports.ts';
import type { RunbookReport } from './report.ts';

/** The folder (under the data folder) where every script's output is kept for the bundle. */
export const SCRIPT_OUTPUTS_FOLDER = 'script-outputs';

export interface BundleFile {
  path: string;
  bytes: number;
  sha256: string;
  what: string;
}

/** manifest.json: what is in the bundle, how it was made safe to send, and what is missing and why. */
export interface BundleManifest {
  product: string;
  version: string;
  host: string;
  server: string | null;
  createdAt: string;
  redaction: string;
  files: BundleFile[];
  notes: string[];
}

export interface SupportBundleSource {
  dataDir: string;
  report: RunbookReport;
  redactor: Redactor;
  /** The runner that reads this server; null where there is no PowerShell (then the excerpts are said missing). */
  powershell: PowerShellRunner | null;
  printPdf?: PdfPrinter;
  now: Date;
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

export interface SupportBundle {
  fileName: string;
  zip: Uint8Array;
  manifest: BundleManifest;
}

const REDACTION =
  "Every file passed through the companion's one redaction function before it was zipped: JWTs and Entra ID refresh tokens, bearer, basic and proxy credentials, cookies, passwords and secrets named in text, JSON, XML, Windows Installer properties and PowerShell parameters, credentials in URLs and secret-bearing query strings are replaced by [redacted]. Secrets typed for a run (a PFX password, a registration token) were removed by value while that run lasted. The SCEP message is left out of IIS log lines at the source.";

/**
 * One zip for support: the journal, the runbook in every format, every script's JSON output,
 * and excerpts PowerShell gathers from this server (event logs, IIS mscep.dll lines, installer
 * logs), each through the redaction function, with a manifest of hashes. Whatever cannot be
 * gathered is said in the manifest's notes; the bundle is still made.
 */
export async function buildSupportBundle(source: SupportBundleSource): Promise<SupportBundle> {
  const { redactor } = source;
  const files: Array<{ path: string; what: string; content: Uint8Array }> = [];
  const notes: string[] = [];
  const add = (path: string, what: string, content: string) =>
    files.push({ path, what, content: new TextEncoder().encode(content) });
  const text = (path: string, what: string, content: string) => add(path, what, redactor.text(content));
  // As data: every string through the same function, and the document stays JSON.
  const json = (path: string, what: string, value: unknown) =>
    add(path, what, `${JSON.stringify(redactor.value(value), null, 2)}\n`);

  source.progress?.('Adding the journal.');
  for (const name of listFiles(source.dataDir, /^journal(\.jsonl|\.torn-.*\.txt)$/)) {
    const { content, skipped } = newestBytes(join(source.dataDir, name), JOURNAL_LIMIT);
    if (skipped > 0)
      notes.push(
        `The journal's oldest ${skipped} bytes are not in this bundle (it carries the newest ${JOURNAL_LIMIT / 1024 / 1024} MB); the whole journal is ${join(source.dataDir, name)} on the server.`,
      );
    // Redacted line by line as data (each string through the one function), so JSON stays JSON.
    add(
      `journal/${name}`,
      name.endsWith('.jsonl')
        ? 'The journal: every plan, action, output line, result, check and confirmation, one JSON entry per line.'
        : 'A journal line cut short when the companion stopped, set aside whole.',
      redactLines(content, redactor),
    );
  }
  if (!files.length) notes.push('No journal yet: nothing has been run on this server.');

  source.progress?.('Adding the runbook.');
  const formats: Array<[ExportFormat, string, string]> = [
    ['markdown', 'runbook/runbook.md', 'The runbook with evidence (Markdown).'],
    ['html', 'runbook/runbook.html', 'The runbook with evidence, self-contained and printable (HTML).'],
    ['json', 'runbook/runbook.json', 'The runbook with evidence as data (schema: docs/runbook-report.schema.json).'],
    ['summary', 'runbook/summary.txt', 'The short summary for a ticket.'],
    ['pdf', 'runbook/runbook.pdf', 'The runbook with evidence (PDF, printed from the HTML).'],
  ];
  for (const [format, path, what] of formats) {
    try {
      const file = await exportReport(source.report, format, source.printPdf);
      if (file.base64 !== undefined) files.push({ path, what, content: Buffer.from(file.base64, 'base64') });
      else text(path, what, file.text ?? '');
    } catch (error) {
      if (!(error instanceof CompanionError) || format !== 'pdf') throw error;
      notes.push(`No PDF in this bundle: ${error.message} The HTML runbook prints the same.`);
    }
  }

  source.progress?.("Adding every script's output.");
  const outputs = join(source.dataDir, SCRIPT_OUTPUTS_FOLDER);
  for (const name of listFiles(outputs, /\.json$/)) {
    const raw = readFileSync(join(outputs, name), 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      text(`script-outputs/${name}`, 'A script run whose record is not whole JSON, as it was kept.', raw);
      continue;
    }
    json(
      `script-outputs/${name}`,
      'One script run: the script, its parameters, its JSON output or its failure.',
      parsed,
    );
  }

  source.progress?.('Gathering event logs, IIS lines for mscep.dll and installer logs with PowerShell.');
  if (!source.powershell?.host) {
    notes.push('No excerpts from this server: PowerShell is not available to the companion here.');
  } else {
    try {
      const run = await source.powershell.run('Get-SupportExcerpts', {
        params: { Days: 7 },
        ...(source.signal ? { signal: source.signal } : {}),
      });
      json(
        'excerpts/support-excerpts.json',
        'Excerpts from this server: connector, updater and Intune Certificate Connector event logs and Application log errors (7 days), IIS log lines for mscep.dll with status, substatus and win32 status, and the tail of the connector installer logs.',
        run.data,
      );
      for (const log of run.data.eventLogs)
        if (log.state === 'failed')
          notes.push(
            `The event log ${log.log}${log.source ? ` (${log.source})` : ''} could not be read: ${redactor.text(log.detail)}`,
          );
      for (const part of [run.data.iisLogs, run.data.installerLogs])
        if (part.state !== 'read')
          notes.push(
            redactor.text(
              part.state === 'failed' ? `Could not read ${part.folder ?? 'a folder'}: ${part.detail}` : part.detail,
            ),
          );
    } catch (error) {
      if (error instanceof CompanionError && error.code === 'CANCELLED') throw error;
      notes.push(
        `No excerpts from this server: ${redactor.text(error instanceof Error ? error.message : String(error))}`,
      );
    }
  }

  const createdAt = source.now.toISOString();
  const manifest: BundleManifest = {
    product: source.report.app.name,
    version: source.report.app.version,
    host: source.report.app.host,
    server: source.report.environment.server,
    createdAt,
    redaction: REDACTION,
    files: files.map((file) => ({
      path: file.path,
      bytes: file.content.length,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      what: file.what,
    })),
    notes,
  };
  const mtime = source.now;
  const entries: Zippable = {
    'manifest.json': [new TextEncoder().encode(redactor.text(`${JSON.stringify(manifest, null, 2)}\n`)), { mtime }],
  };
  for (const file of files) entries[file.path] = [file.content, { mtime, level: file.path.endsWith('.pdf') ? 0 : 6 }];
  const server = (source.report.environment.server ?? 'server').replace(/[^A-Za-z0-9.-]/g, '_');
  return {
    fileName: `ndes-companion-support-${server}-${createdAt.replace(/[:.]/g, '-')}.zip`,
    zip: zipSync(entries),
    manifest,
  };
}

/** A journal past this size goes in by its newest part: support reads the end first, and the bundle stays mailable. */
const JOURNAL_LIMIT = 16 * 1024 * 1024;

/** The file's last `limit` bytes, from the start of a line, and how many bytes before them were left out. */
function newestBytes(path: string, limit: number): { content: string; skipped: number } {
  const size = statSync(path).size;
  if (size <= limit) return { content: readFileSync(path, 'utf8'), skipped: 0 };
  const buffer = Buffer.alloc(limit);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, limit, size - limit);
  } finally {
    closeSync(fd);
  }
  const firstLine = buffer.indexOf(0x0a) + 1;
  return { content: buffer.subarray(firstLine).toString('utf8'), skipped: size - limit + firstLine };
}

function listFiles(folder: string, pattern: RegExp): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => pattern.test(name))
    .sort();
}

/** Each journal line redacted as data where it parses (so JSON stays JSON), as text where not. */
function redactLines(content: string, redactor: Redactor): string {
  return content
    .split('\n')
    .map((line) => {
      if (line.trim() === '') return line;
      try {
        return JSON.stringify(redactor.value(JSON.parse(line)));
      } catch {
        return redactor.text(line);
      }
    })
    .join('\n');
}
