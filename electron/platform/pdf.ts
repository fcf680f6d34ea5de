import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemRoot } from './windows-paths.ts';

/**
 * Print-to-PDF by a Chromium-family browser already on the machine (Microsoft Edge on Windows
 * Server, Chromium on Linux): the CLI's and the preview host's way to a PDF of the runbook
 * (Electron uses its own printToPDF). The browser is found at fixed install locations, never
 * through an environment variable, and runs headless with every name resolution refused, so the
 * page can load nothing from anywhere.
 */
export function pdfBrowserCandidates(platform: NodeJS.Platform = process.platform, root: () => string = systemRoot): string[] {
  if (platform === 'win32') {
    const drive = root().slice(0, 2);
    return [`${drive}\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe`, `${drive}\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe`, `${drive}\\Program Files\\Google\\Chrome\\Application\\chrome.exe`];
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/microsoft-edge'];
}

export type PdfOutcome = { ok: true; pdf: Buffer; browser: string } | { ok: false; reason: string };

export async function printHtmlToPdf(html: string, options: { browsers?: string[]; timeoutMs?: number } = {}): Promise<PdfOutcome> {
  const browser = (options.browsers ?? pdfBrowserCandidates()).find((candidate) => existsSync(candidate));
  if (!browser) return { ok: false, reason: `No Chromium-family browser was found (looked for ${(options.browsers ?? pdfBrowserCandidates()).join(', ')}); print the HTML runbook from any browser instead.` };
  const work = mkdtempSync(join(tmpdir(), 'ndes-pdf-'));
  try {
    const page = join(work, 'runbook.html');
    const out = join(work, 'runbook.pdf');
    writeFileSync(page, html, 'utf8');
    const args = [
      '--headless',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      // Nothing resolves: a page that tried to load anything would get nothing.
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${join(work, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${out}`,
      ...(process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      pathToFileURL(page).href,
    ];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(browser, args, { stdio: 'ignore', windowsHide: true });
      const timer = setTimeout(() => child.kill(), options.timeoutMs ?? 60_000);
      child.on('error', () => resolve(-1));
      child.on('exit', (exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
    if (!existsSync(out)) return { ok: false, reason: `${browser} did not write the PDF (exit ${String(code)}); print the HTML runbook from a browser instead.` };
    return { ok: true, pdf: readFileSync(out), browser };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
