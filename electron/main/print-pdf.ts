import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, session } from 'electron';
import type { PdfPrinter } from '../core/ports.ts';
import { HARDENED_WEB_PREFERENCES } from './window-options.ts';

/**
 * Electron's own print-to-PDF for the runbook: the self-contained HTML in a hidden window with
 * no script, a session of its own that refuses every request but the page's own file, then
 * printToPDF.
 */
export function electronPrintPdf(workDir: string): PdfPrinter {
  return async (html) => {
    // A file, not a data: URL, which Chromium caps at 2 MB; under the data folder, admin-only.
    mkdirSync(workDir, { recursive: true });
    const page = join(workDir, `runbook-${randomUUID()}.html`);
    writeFileSync(page, html, 'utf8');
    const partition = `report-print-${randomUUID()}`;
    const own = session.fromPartition(partition);
    const ownUrl = pathToFileURL(page).href;
    own.webRequest.onBeforeRequest((details, callback) => callback({ cancel: details.url !== ownUrl }));
    const window = new BrowserWindow({
      show: false,
      webPreferences: { ...HARDENED_WEB_PREFERENCES, partition, javascript: false, devTools: false },
    });
    try {
      await window.loadFile(page);
      const pdf = await window.webContents.printToPDF({ pageSize: 'A4', printBackground: false });
      return { ok: true, pdf: Buffer.from(pdf) };
    } catch (error) {
      return {
        ok: false,
        reason: `Electron could not print the runbook (${error instanceof Error ? error.message : String(error)})`,
      };
    } finally {
      window.destroy();
      void own.clearStorageData().catch(() => undefined);
      rmSync(page, { force: true });
    }
  };
}
