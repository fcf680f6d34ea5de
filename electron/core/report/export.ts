import { CompanionError } from '../errors.ts';
import type { PdfPrinter } from '../ports.ts';
import { checkRealFolder, writeFileSafely } from './safe-write.ts';
import type { RunbookReport } from './report.ts';
import { toHtml, toMarkdown, toSummary } from './render.ts';

export const EXPORT_FORMATS = ['markdown', 'html', 'pdf', 'json', 'summary'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportFile {
  format: ExportFormat;
  fileName: string;
  mimeType: string;
  /** Text formats as text; the PDF as base64. */
  text?: string;
  base64?: string;
}

const FILE: Record<ExportFormat, { name: string; mime: string }> = {
  markdown: { name: 'runbook.md', mime: 'text/markdown; charset=utf-8' },
  html: { name: 'runbook.html', mime: 'text/html; charset=utf-8' },
  pdf: { name: 'runbook.pdf', mime: 'application/pdf' },
  json: { name: 'runbook.json', mime: 'application/json; charset=utf-8' },
  summary: { name: 'runbook-summary.txt', mime: 'text/plain; charset=utf-8' },
};

/** One export of an already redacted report. */
export async function exportReport(
  report: RunbookReport,
  format: ExportFormat,
  printPdf?: PdfPrinter,
): Promise<ExportFile> {
  const { name, mime } = FILE[format];
  const stamp = report.generatedAt.replace(/[:.]/g, '-');
  const fileName = name.replace(/^runbook/, `runbook-${stamp}`);
  switch (format) {
    case 'markdown':
      return { format, fileName, mimeType: mime, text: toMarkdown(report) };
    case 'html':
      return { format, fileName, mimeType: mime, text: toHtml(report) };
    case 'json':
      return { format, fileName, mimeType: mime, text: `${JSON.stringify(report, null, 2)}\n` };
    case 'summary':
      return { format, fileName, mimeType: mime, text: `${toSummary(report)}\n` };
    case 'pdf': {
      if (!printPdf)
        throw new CompanionError(
          'NOT_AVAILABLE',
          'This host cannot print to PDF.',
          'Save the HTML runbook and print it from a browser.',
        );
      const printed = await printPdf(toHtml(report));
      if (!printed.ok)
        throw new CompanionError(
          'NOT_AVAILABLE',
          `No PDF: ${printed.reason}`,
          'Save the HTML runbook and print it from a browser (it is made to print).',
        );
      return { format, fileName, mimeType: mime, base64: printed.pdf.toString('base64') };
    }
  }
}

/**
 * Writes the runbook in each format asked for into a folder (made if missing; never through a link,
 * safe-write.ts); a PDF the host
 * cannot print is said, not faked, and the other formats are still written.
 */
export async function writeRunbook(
  report: RunbookReport,
  folder: string,
  formats: readonly ExportFormat[],
  printPdf?: PdfPrinter,
): Promise<{ written: string[]; notes: string[] }> {
  checkRealFolder(folder);
  const written: string[] = [];
  const notes: string[] = [];
  for (const format of formats) {
    try {
      const file = await exportReport(report, format, printPdf);
      written.push(
        writeFileSafely(
          folder,
          FILE[format].name,
          file.base64 !== undefined ? Buffer.from(file.base64, 'base64') : (file.text ?? ''),
        ),
      );
    } catch (error) {
      if (!(error instanceof CompanionError) || format !== 'pdf') throw error;
      notes.push(error.message);
    }
  }
  return { written, notes };
}
