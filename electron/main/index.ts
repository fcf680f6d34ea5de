import { BrowserWindow, app, dialog } from 'electron';
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESUME_ARGUMENT } from '../core/connector/restart-resume.ts';
import { composeCliCompanion, composeCompanion, productionEdges } from '../compose.ts';
import { prepareDataDir } from '../platform/data-dir.ts';
import { BUILD_SCRIPT_HASHES } from '../platform/script-integrity.ts';
import { registerGateway } from './ipc.ts';
import { registerAppScheme, serveRenderer } from './protocol.ts';
import { applySecurityRules, openExternalAllowlisted } from './security.ts';
import { electronLoopbackSignIn, electronSignInWindow } from './sign-in-window.ts';
import { electronPrintPdf } from './print-pdf.ts';
import { APP_URL, windowOptions } from './window-options.ts';
import { isCliStart, readCliArguments, watchInterrupt } from './cli-mode.ts';
import { runCli } from '../cli/main.ts';
import { processIo } from '../cli/process-io.ts';

/** Composition root of the Electron host. Everything else lives in the host-agnostic core. */
const here = fileURLToPath(new URL('.', import.meta.url));
const root = app.isPackaged ? process.resourcesPath : join(here, '..', '..');
const scriptsDir = app.isPackaged ? join(process.resourcesPath, 'powershell') : join(root, 'scripts', 'powershell');
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, '..', 'preload', 'index.cjs');

if (isCliStart(process.argv, app.isPackaged)) {
  // The CLI inside the installed app: no window, no single-instance lock (the app may be open),
  // a profile of its own so it does not contend with the open app's, and no GPU.
  let profile: string | null = null;
  let prepared: { dir: string; notices: string[] } | undefined;
  const end = (code: number) => {
    if (profile) {
      try {
        rmSync(profile, { recursive: true, force: true });
      } catch {
        // Chromium may still hold a file in it; the next command removes it.
      }
    }
    app.exit(code);
  };
  // Nobody may be there to dismiss Electron's error box (WinRM, a scheduled task): say it, and end.
  const fail = (error: unknown) => {
    process.stderr.write(
      `ndes-companion: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    end(70);
  };
  process.on('uncaughtException', fail);
  try {
    // Under the data folder, which only Administrators and SYSTEM may write; earlier commands'
    // profiles that Chromium still held when they ended are removed here.
    const dataDir = productionEdges().dataDir;
    prepared = {
      dir: dataDir,
      notices: prepareDataDir(dataDir, { scripts: { dir: scriptsDir, expectedHashes: BUILD_SCRIPT_HASHES } }).notices,
    };
    removeOldProfiles(dataDir);
    profile = mkdtempSync(join(dataDir, 'cli-profile-'));
    app.setPath('userData', profile);
    app.disableHardwareAcceleration();
  } catch (error) {
    fail(error);
  }
  // Printing the runbook's PDF closes its hidden window: that must not quit the command midway.
  app.on('window-all-closed', () => undefined);
  app
    .whenReady()
    .then(async () => {
      // Electron gives the main process on Windows a standard input that is already at its end:
      // the launcher's pipe is read from the file descriptor itself.
      const stdin = createReadStream('', { fd: 0, autoClose: false });
      let cli: Awaited<ReturnType<typeof readCliArguments>>;
      try {
        cli = await readCliArguments(stdin);
      } catch (error) {
        process.stderr.write(`ndes-companion: ${error instanceof Error ? error.message : String(error)}\n`);
        end(2);
        return;
      }
      // The launcher's first Ctrl+C reaches the CLI as the SIGINT it listens for during a step.
      const interrupt = cli.interrupt ? watchInterrupt(cli.interrupt, () => process.emit('SIGINT', 'SIGINT')) : null;
      const code = await runCli(cli.args, processIo(cli.rest), app.getVersion(), ({ dataDir, signInWindow }) =>
        composeCliCompanion({
          version: app.getVersion(),
          scriptsDir,
          ...(dataDir ? { dataDir } : {}),
          ...(signInWindow ? { signInWindow } : {}),
          printPdf: (folder) => electronPrintPdf(join(folder, 'Reports', '.print')),
          ...(prepared ? { prepared } : {}),
        }),
      );
      interrupt?.stop();
      end(code);
    })
    .catch(fail);
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.enableSandbox();
  let mainWindow: BrowserWindow | null = null;
  const trustedContents = new Set<number>();

  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  void app.whenReady().then(() => {
    applySecurityRules();
    serveRenderer(rendererDir);
    let companion: ReturnType<typeof composeCompanion>;
    const edges = productionEdges();
    try {
      companion = composeCompanion({
        host: 'electron',
        version: app.getVersion(),
        scriptsDir,
        openExternal: openExternalAllowlisted,
        edges,
        signInWindow: electronSignInWindow(() => mainWindow),
        openSignInBrowser: electronLoopbackSignIn(() => mainWindow),
        printPdf: electronPrintPdf(join(edges.dataDir, 'Reports', '.print')),
        // Only the installed app may be started elevated at logon: its executable is under Program Files.
        ...(app.isPackaged && process.platform === 'win32' ? { relaunch: { appPath: process.execPath } } : {}),
        launchedToResume: process.argv.includes(RESUME_ARGUMENT),
      });
    } catch (error) {
      // Say why and stop, instead of an unhandled rejection and a process that quietly stays.
      dialog.showErrorBox(
        'NDES Proxy Companion could not start',
        error instanceof Error ? error.message : String(error),
      );
      app.quit();
      return;
    }
    registerGateway(companion.handlers, trustedContents, (error) => {
      companion.journal.append({
        kind: 'internal-error',
        message: error instanceof Error ? error.message : String(error),
      });
    });

    mainWindow = new BrowserWindow(windowOptions(preloadPath, app.isPackaged));
    const id = mainWindow.webContents.id;
    trustedContents.add(id);
    mainWindow.webContents.on('destroyed', () => trustedContents.delete(id));
    mainWindow.once('ready-to-show', () => mainWindow?.show());
    mainWindow.loadURL(APP_URL).catch((error: unknown) => {
      dialog.showErrorBox('NDES Proxy Companion', `The window could not load: ${String(error)}`);
    });

    app.on('window-all-closed', () => {
      companion.close();
      app.quit();
    });
  });
}

/** Profiles of earlier CLI commands left behind (Chromium held a file when they ended), over an hour old. */
function removeOldProfiles(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if (!name.startsWith('cli-profile-')) continue;
    const path = join(dataDir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // In use by a command still running, or already gone.
    }
  }
}
