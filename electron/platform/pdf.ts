import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childEnvironment, systemRoot } from './windows-paths.ts';
import { killProcessTree } from './process-tree.ts';

/**
 * Print-to-PDF by a Chromium-family browser already on the machine (Microsoft Edge on Windows
 * Server, Chromium on Linux): the CLI's and the preview host's way to a PDF of the runbook
 * (Electron uses its own printToPDF). The browser is found at fixed install locations, never
 * through an environment variable, and runs headless with every name resolution refused, so the
 * page can load nothing from anywhere. Microsoft Edge comes with Windows Server 2025 (and is
 * often installed on earlier versions); Server Core has none, and then the CLI says so.
 */
export function pdfBrowserCandidates(
  platform: NodeJS.Platform = process.platform,
  root: () => string = systemRoot,
): string[] {
  if (platform === 'win32') {
    const drive = root().slice(0, 2);
    return [
      `${drive}\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe`,
      `${drive}\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe`,
      `${drive}\\Program Files\\Google\\Chrome\\Application\\chrome.exe`,
    ];
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/microsoft-edge'];
}

export type PdfOutcome = { ok: true; pdf: Buffer; browser: string } | { ok: false; reason: string };

/**
 * workDir: where the page and the browser's throwaway profile go: under the data folder (which
 * only administrators can write on Windows), not %TEMP%, which comes from the environment.
 */
export async function printHtmlToPdf(
  html: string,
  options: { workDir: string; browsers?: string[]; timeoutMs?: number },
): Promise<PdfOutcome> {
  const browser = (options.browsers ?? pdfBrowserCandidates()).find((candidate) => existsSync(candidate));
  if (!browser)
    return {
      ok: false,
      reason: `No Chromium-family browser was found (looked for ${(options.browsers ?? pdfBrowserCandidates()).join(', ')}); print the HTML runbook from any browser instead.`,
    };
  mkdirSync(options.workDir, { recursive: true });
  const work = mkdtempSync(join(options.workDir, 'pdf-'));
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
    const limit = options.timeoutMs ?? 60_000;
    const ended = await new Promise<{ code: number | null; timedOut: boolean }>((resolve) => {
      // The allowlisted environment PowerShell gets (no variables that load code or change its paths).
      const child = spawn(browser, args, {
        stdio: 'ignore',
        windowsHide: true,
        env: childEnvironment(process.env, process.platform),
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        // The browser and every process it started (Windows keeps them, and its profile locked, otherwise).
        if (child.pid !== undefined) killProcessTree(child.pid);
        resolve({ code: null, timedOut });
      }, limit);
      child.on('error', () => resolve({ code: -1, timedOut }));
      child.on('exit', (exit) => {
        clearTimeout(timer);
        resolve({ code: exit, timedOut });
      });
    });
    if (ended.timedOut)
      return {
        ok: false,
        reason: `${browser} did not finish printing within ${Math.round(limit / 1000)} seconds; print the HTML runbook from a browser instead.`,
      };
    if (ended.code !== 0 || !existsSync(out))
      return {
        ok: false,
        reason: `${browser} did not write the PDF (exit ${String(ended.code)}); print the HTML runbook from a browser instead.`,
      };
    return { ok: true, pdf: readFileSync(out), browser };
  } finally {
    try {
      // The browser may hold its profile a moment after it exits (Windows).
      rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // A leftover throwaway profile under the data folder is harmless; the PDF is what matters.
    }
  }
}
