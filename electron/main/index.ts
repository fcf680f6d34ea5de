import { BrowserWindow, app, dialog } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESUME_ARGUMENT } from '../core/connector/restart-resume.ts';
import { composeCompanion, productionEdges } from '../compose.ts';
import { registerGateway } from './ipc.ts';
import { registerAppScheme, serveRenderer } from './protocol.ts';
import { applySecurityRules, openExternalAllowlisted } from './security.ts';
import { electronLoopbackSignIn, electronSignInWindow } from './sign-in-window.ts';
import { electronPrintPdf } from './print-pdf.ts';
import { APP_URL, windowOptions } from './window-options.ts';
import { cliArguments } from './cli-mode.ts';
import { runCli, type Io } from '../cli/main.ts';
import { readLine, readStdin } from '../cli/stdin.ts';

/** Composition root of the Electron host. Everything else lives in the host-agnostic core. */
const here = fileURLToPath(new URL('.', import.meta.url));
const root = app.isPackaged ? process.resourcesPath : join(here, '..', '..');
const scriptsDir = app.isPackaged ? join(process.resourcesPath, 'powershell') : join(root, 'scripts', 'powershell');
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, '..', 'preload', 'index.cjs');

const cli = cliArguments(process.argv, app.isPackaged);
if (cli) {
  // The CLI inside the installed app: no window, no single-instance lock (the app may be open).
  void app.whenReady().then(async () => {
    const io: Io = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`), readStdin: () => readStdin(), readLine: () => readLine() };
    const code = await runCli(cli, io, app.getVersion(), ({ dataDir, signInWindow }) =>
      composeCompanion({
        host: 'cli',
        version: app.getVersion(),
        scriptsDir,
        openExternal: async () => false,
        ...(signInWindow ? { signInWindow } : {}),
        edges: productionEdges(dataDir ? { dataDir } : {}),
        printPdf: electronPrintPdf(join(productionEdges(dataDir ? { dataDir } : {}).dataDir, 'Reports', '.print')),
      }),
    );
    app.exit(code);
  });
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
      dialog.showErrorBox('NDES Proxy Companion could not start', error instanceof Error ? error.message : String(error));
      app.quit();
      return;
    }
    registerGateway(companion.handlers, trustedContents, (error) => {
      companion.journal.append({ kind: 'internal-error', message: error instanceof Error ? error.message : String(error) });
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
