import { randomUUID } from 'node:crypto';
import { BrowserWindow, session } from 'electron';
import type { PdfPrinter } from '../core/report/export.ts';
import { HARDENED_WEB_PREFERENCES } from './window-options.ts';

/**
 * Electron's own print-to-PDF for the runbook: the self-contained HTML in a hidden window with
 * no script, a session of its own that refuses every request but the page itself, then
 * printToPDF.
 */
export function electronPrintPdf(): PdfPrinter {
  return async (html) => {
    const partition = `report-print-${randomUUID()}`;
    const own = session.fromPartition(partition);
    own.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith('data:') }));
    const window = new BrowserWindow({ show: false, webPreferences: { ...HARDENED_WEB_PREFERENCES, partition, javascript: false, devTools: false } });
    try {
      await window.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
      const pdf = await window.webContents.printToPDF({ pageSize: 'A4', printBackground: false });
      return { ok: true, pdf: Buffer.from(pdf) };
    } catch (error) {
      return { ok: false, reason: `Electron could not print the runbook (${error instanceof Error ? error.message : String(error)})` };
    } finally {
      window.destroy();
      void own.clearStorageData().catch(() => undefined);
    }
  };
}
