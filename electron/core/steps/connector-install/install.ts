import type { PlannedAction } from '../../../contract/model.ts';
import { cloudOf, type CloudProfile } from '../../cloud/clouds.ts';
import { CompanionError } from '../../errors.ts';
import type { StepContext, StepResult } from '../step.ts';
import type { InstallReport } from './judgement.ts';
import { commandLine } from '../../powershell/command-line.ts';
import { judgeConnectorState } from '../../connector/state-judgement.ts';

/** Where Install-Connector.ps1 keeps the copy it runs (under ProgramData, as Windows records it). */
export const STAGING_FOLDER = 'C:\\ProgramData\\NDES Proxy Companion\\Installers';
export const INSTALLER_NAMES = [
  'MicrosoftEntraPrivateNetworkConnectorInstaller.exe',
  'AADApplicationProxyConnectorInstaller.exe',
] as const;

/** The installer's ENVIRONMENTNAME for the cloud chosen, from the one clouds table (docs/reference/domain.md section 1.3). */
function connectorEnvironmentOf(inputs: Record<string, string>): NonNullable<CloudProfile['connectorEnvironment']> {
  const cloud = cloudOf(inputs.cloud);
  if (!cloud.connectorEnvironment)
    throw new CompanionError(
      'INVALID_REQUEST',
      `The connector installer's environment for ${cloud.label} is not documented in the companion's references.`,
      'Choose global (Microsoft Entra ID worldwide) or usgov (US Government), or install by hand for that cloud.',
    );
  return cloud.connectorEnvironment;
}

function wantsUpgrade(inputs: Record<string, string>): boolean {
  return ['yes', 'true', 'upgrade'].includes(inputs.upgrade?.trim().toLowerCase() ?? '');
}

/**
 * The installer path as the admin gave it: a full Windows path to one of the two installer
 * names. Anything else is refused here, before PowerShell starts, with what to do instead.
 */
export function installerPathOf(inputs: Record<string, string>): string {
  const path = inputs.installerPath?.trim() ?? '';
  if (path === '')
    throw new CompanionError(
      'INVALID_REQUEST',
      'No connector installer was given.',
      `Download ${INSTALLER_NAMES[0]} from the Application proxy page of the Microsoft Entra admin center and give its full path.`,
    );
  if (!/^[A-Za-z]:\\[^<>:"|?*]+$/.test(path) && !/^\\\\[^\\<>:"|?*]+\\[^\\<>:"|?*]+\\[^<>:"|?*]+$/.test(path)) {
    throw new CompanionError(
      'INVALID_REQUEST',
      `"${path}" is not a full Windows path to a file.`,
      `Give the full path, e.g. C:\\Install\\${INSTALLER_NAMES[0]}.`,
    );
  }
  const name = path.slice(path.lastIndexOf('\\') + 1);
  if (!INSTALLER_NAMES.some((known) => known.toLowerCase() === name.toLowerCase())) {
    throw new CompanionError(
      'INVALID_REQUEST',
      `${name} is not the connector installer: it must be named ${INSTALLER_NAMES.join(' or ')}.`,
      'Pick the file Microsoft serves; if the browser renamed it (for example "(1)"), rename it back first.',
    );
  }
  return path;
}

export const DEFAULT_WAIT_SECONDS = 300;

function waitSecondsOf(inputs: Record<string, string>): number | null {
  const text = inputs.waitSeconds?.trim() ?? '';
  if (text === '') return null;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 3600)
    throw new CompanionError(
      'INVALID_REQUEST',
      `"${text}" is not a number of seconds from 1 to 3600.`,
      `Leave it empty for ${DEFAULT_WAIT_SECONDS} seconds, or give a whole number from 1 to 3600.`,
    );
  return value;
}

export function installParams(
  inputs: Record<string, string>,
  whatIf: boolean,
): Record<string, string | boolean | number> {
  const environment = connectorEnvironmentOf(inputs);
  const wait = waitSecondsOf(inputs);
  return {
    InstallerPath: installerPathOf(inputs),
    ...(environment === 'AzureCloud' ? {} : { Environment: environment }),
    ...(wait === null ? {} : { ServicesTimeoutSeconds: wait }),
    ...(wantsUpgrade(inputs) ? { Upgrade: true } : {}),
    ...(whatIf ? { WhatIf: true } : {}),
  };
}

export function installPlan(inputs: Record<string, string>): PlannedAction[] {
  let params: Record<string, string | boolean | number>;
  let path = inputs.installerPath?.trim() || `<${INSTALLER_NAMES[0]}>`;
  try {
    params = installParams(inputs, false);
  } catch {
    params = { InstallerPath: path };
  }
  path = String(params.InstallerPath);
  const name = path.slice(path.lastIndexOf('\\') + 1);
  const environment = (() => {
    try {
      return connectorEnvironmentOf(inputs);
    } catch {
      return 'AzureCloud';
    }
  })();
  return [
    {
      kind: 'powershell',
      title: 'Install the connector (one PowerShell run)',
      detail: commandLine('Install-Connector.ps1', params),
      changesSystem: true,
    },
    {
      kind: 'file',
      title: 'Copy the installer where only Administrators and SYSTEM can write, and check the copy',
      detail: `${STAGING_FOLDER}\\${name}: owner Administrators, inheritance removed (icacls); Authenticode Valid, signer O=Microsoft Corporation; file version shown`,
      changesSystem: true,
    },
    {
      kind: 'process',
      title: 'Run the checked copy quietly, without registering',
      detail: `"${STAGING_FOLDER}\\${name}" REGISTERCONNECTOR="false" /q${environment === 'AzureCloud' ? '' : ` ENVIRONMENTNAME="${environment}"`}, after its mark of the web is removed (Unblock-File) and checked gone, so no security prompt waits unseen. A quiet install may restart the server by itself (exit code 1641): save your work elsewhere first.`,
      changesSystem: true,
    },
    {
      kind: 'powershell',
      title: 'Before the installer: arrange to carry on after a restart (exit code 3010 or 1641)',
      detail:
        'Set-RestartResume.ps1 -Action Register: a scheduled task \\NDES Proxy Companion\\Resume after restart starts the companion elevated at your next logon (the installed app only; from the CLI or the preview host, open it again yourself or run ndes-companion resume). It is removed when the companion opens, or right after an install that needs no restart. For 3010 the companion offers to restart the server.',
      changesSystem: true,
    },
    {
      kind: 'powershell',
      title: 'Wait for the connector module and both services',
      detail: `Modules\\<module> folder; Get-Service WAPCSvc, WAPCUpdaterSvc (polled up to ${params.ServicesTimeoutSeconds ?? DEFAULT_WAIT_SECONDS} s)`,
      changesSystem: false,
    },
    {
      kind: 'powershell',
      title: 'Verify',
      detail:
        'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Get-ConnectorState.ps1 (read only)',
      changesSystem: false,
    },
  ];
}

const TRANSACTION_GUARD =
  'Windows Installer is installing the connector now. Stopping it midway could leave a half-installed connector, so the companion lets it finish and then checks what it did.';

function versionText(report: InstallReport): string {
  return report.installer?.version ? `version ${report.installer.version}` : 'an unknown version';
}

/** What an exit code of the installer means, from Windows Installer's documented codes (docs/reference/domain.md section 1.3). */
export function exitCodeMeaning(code: number): string {
  switch (code) {
    case 0:
      return 'success';
    case 3010:
      return 'success, a restart is required to finish';
    case 1641:
      return 'success, and the installer has started a restart of the server';
    case 1602:
      return 'cancelled';
    case 1603:
      return 'a fatal error during installation';
    case 1618:
      return 'another installation was already in progress';
    default:
      return `not a code Windows Installer defines (0x${(code >>> 0).toString(16).toUpperCase()}): the installer probably crashed`;
  }
}

/** The outcome of an install from what the script saw: the exit code explains, the installed state decides. */
export function judgeInstall(report: InstallReport, options: { upgrade: boolean }): StepResult {
  const details: string[] = [];
  if (report.installer) {
    details.push(`Installer: ${report.installer.name}, ${versionText(report)}, SHA-256 ${report.installer.sha256}`);
    details.push(
      `Signature: ${report.installer.signature.status}${report.installer.signature.signer ? `, ${report.installer.signature.signer}` : ''}`,
    );
  }
  if (report.staged) details.push(`Ran the checked copy: ${report.staged} ${(report.arguments ?? []).join(' ')}`);
  if (report.existing)
    details.push(
      `Already installed before: connector ${report.existing.version ?? '(version unknown)'} (${report.existing.generation === 'aad' ? 'Azure AD App Proxy names' : 'Entra names'})`,
    );
  if (report.exitCode !== null) details.push(`Exit code ${report.exitCode}: ${exitCodeMeaning(report.exitCode)}`);
  if (report.log) details.push(`Installer log: ${report.log.file}`, ...report.log.lines.map((line) => `  ${line}`));

  switch (report.result) {
    case 'refused':
      return refusal(report, details);
    case 'what-if':
      return {
        passed: true,
        summary: `-WhatIf: the installer is Microsoft's (${versionText(report)}); nothing was copied or run.${report.existing ? ` Connector ${report.existing.version ?? ''} is installed already.` : ''}`,
        details,
      };
    case 'already-installed':
      return {
        passed: true,
        summary: `The connector ${report.existing?.version ?? ''} is already installed at the installer's version; nothing was changed.`,
        details,
      };
    case 'other-version-installed':
      return {
        passed: false,
        summary: `Connector ${report.existing?.version ?? '(unknown version)'} is already installed; the installer you picked is ${versionText(report)}. Nothing was changed.`,
        remedy: options.upgrade
          ? 'Run the step again.'
          : 'To replace the installed connector with this version, choose "upgrade: yes" (CLI: --upgrade) and run the step again; its registration is kept.',
        details,
      };
    case 'ran':
      return ranOutcome(report, details);
  }
}

function refusal(report: InstallReport, details: string[]): StepResult {
  const reason = report.refusal?.reason;
  const detail = report.refusal?.detail ?? '';
  const refused = (summary: string, remedy: string): StepResult => ({
    passed: false,
    summary: `Refused, nothing was run: ${summary}`,
    remedy,
    details,
  });
  switch (reason) {
    case 'not-found':
      return refused(
        `${detail} does not exist on this server.`,
        'Check the path (the file must be on this server, not on your workstation) and run the step again.',
      );
    case 'wrong-name':
      return refused(
        `${detail} is not named as the connector installer is.`,
        `Use ${INSTALLER_NAMES.join(' or ')} as Microsoft serves it; rename a browser copy such as "(1)" back.`,
      );
    case 'copy-changed':
      return refused(
        `the copy in ${detail} does not match the file you picked.`,
        'Something changed the file while it was copied: download the installer again and check this server for tampering.',
      );
    case 'not-signed':
      return refused(
        `the installer's Authenticode signature is ${detail === 'NotSigned' ? 'missing' : `not valid (${detail})`}.`,
        'Download the installer again from the Application proxy page of the Microsoft Entra admin center; do not use a copy from another source.',
      );
    case 'still-marked':
      return refused(
        `${detail} still carries the mark of the web after Unblock-File, so Windows would stop it at a security prompt nobody sees.`,
        'Something keeps the mark on files there (a policy for attachments, an antivirus): check Properties > Unblock on that file, or install the connector by hand once.',
      );
    case 'not-microsoft':
      return refused(
        `the installer is signed, but not by Microsoft Corporation (${detail}).`,
        'Download the installer from Microsoft (Application proxy page of the Microsoft Entra admin center) and run the step again.',
      );
    default:
      return refused(
        `the script refused the installer (${reason ?? 'no reason given'}).`,
        'Run the step again; if it repeats, export the support bundle.',
      );
  }
}

function ranOutcome(report: InstallReport, details: string[]): StepResult {
  const after = report.after;
  const installed = after !== null && after.moduleFound && after.services.length === 2;
  const running = installed && after.services.every((service) => service.status === 'Running');
  const version = after?.version ?? report.installer?.version ?? '';
  if (report.timedOut) {
    return report.stopped
      ? {
          passed: false,
          summary:
            'The installer did not finish in time and was stopped before Windows Installer began changing the server; nothing was installed.',
          remedy:
            'An installer that waits usually shows a window nobody can see: run it by hand once (interactively) to read its message, or restart the server and try again.',
          details,
        }
      : {
          passed: false,
          summary:
            'The installer is still running inside Windows Installer after the deadline; the companion left it to finish.',
          remedy:
            'Wait a few minutes, then Verify this step; do not restart the server while Windows Installer is busy.',
          details,
        };
  }
  const code = report.exitCode ?? -1;
  if (code === 1602)
    return {
      passed: false,
      summary: 'The installation was cancelled (exit code 1602); nothing was installed.',
      remedy: 'Run the step again when ready.',
      details,
    };
  if (code === 1618)
    return {
      passed: false,
      summary:
        'Another installation was already running on this server (exit code 1618); the connector was not installed.',
      remedy: 'Wait for the other installation (often Windows Update) to finish, then run the step again.',
      details,
    };
  if (code === 1603) {
    return {
      passed: false,
      summary: `The installer failed (exit code 1603: a fatal error during installation).${report.log ? ` Its log: ${report.log.file}.` : ' No installer log was found in TEMP.'}`,
      remedy:
        'Read the log lines below; the usual causes are .NET Framework older than 4.7.2, TLS 1.2 turned off, or the Microsoft Entra Password Protection proxy on the same server (run Readiness, which checks all three).',
      details,
    };
  }
  if (code === 0 || code === 3010 || code === 1641) {
    if (!installed) {
      const missing = [
        after?.moduleFound ? null : 'the connector module',
        ...['WAPCSvc', 'WAPCUpdaterSvc'].filter((name) => !after?.services.some((service) => service.name === name)),
      ]
        .filter(Boolean)
        .join(', ');
      return {
        passed: false,
        summary: `The installer reported success (exit code ${code}), but ${missing} did not appear in time.`,
        remedy:
          'Verify this step in a few minutes; if the services are still missing, read the installer log in %TEMP% and reinstall.',
        details,
      };
    }
    if (code === 1641)
      return {
        passed: true,
        summary: `Connector ${version} installed; the installer has started a restart of the server (exit code 1641). The companion will verify when it opens again.`,
        details,
      };
    if (code === 3010)
      return {
        passed: true,
        summary: `Connector ${version} installed; restart the server to finish (exit code 3010).`,
        remedy: 'Restart the server when your change window allows, then Verify this step.',
        details,
      };
    return running
      ? { passed: true, summary: `Connector ${version} installed; WAPCSvc and WAPCUpdaterSvc are running.`, details }
      : {
          passed: false,
          summary: `Connector ${version} installed, but not every service is running.`,
          remedy: 'Start the stopped service (Services console or Start-Service) and Verify this step.',
          details,
        };
  }
  return {
    passed: false,
    summary: `The installer ended with exit code ${code} (${exitCodeMeaning(code)}); ${installed ? 'the connector is there nevertheless' : 'no connector was installed'}.`,
    remedy: 'Look in the Application event log for the installer crash, then run the step again.',
    details,
  };
}

/** The install step: one PowerShell run that checks, installs and reports, then a read-only verify. */
export async function runInstall(context: StepContext): Promise<StepResult> {
  const params = installParams(context.inputs, context.whatIf);
  // Journaled, and the way back arranged, before anything that may restart the server.
  if (!context.whatIf) await context.restart?.arrange();
  context.progress(`Running: ${commandLine('Install-Connector.ps1', params)}`);
  let run;
  try {
    run = await context.services.powershell.run('Install-Connector', {
      params,
      signal: context.signal,
      onProgress: (message, percent) => context.progress(message, 'info', undefined, percent),
      onPhase: (phase) => {
        if (phase === 'transaction') {
          context.guardCancel(TRANSACTION_GUARD);
          context.progress('From now on Cancel is refused: Windows Installer is changing the server.', 'warn');
        }
      },
    });
  } catch (error) {
    if (!context.whatIf) await context.restart?.settle(null);
    throw error;
  }
  context.guardCancel(null);
  // An installer still running inside Windows Installer past the deadline may yet restart the
  // server: the arrangement stays, and the next start after a restart verifies this step.
  const stillRunning = run.data.launched && run.data.exitCode === null && !run.data.stopped;
  if (!context.whatIf && !stillRunning) await context.restart?.settle(run.data.exitCode);
  // One PowerShell run per action: the script's own closing look (module folder, both
  // services) is the verification; Verify reads the whole connector state again.
  return judgeInstall(run.data, { upgrade: wantsUpgrade(context.inputs) });
}

export async function verifyInstall(context: StepContext): Promise<StepResult> {
  const state = await context.services.powershell.run('Get-ConnectorState', {
    signal: context.signal,
    onProgress: (message) => context.progress(message),
  });
  return judgeConnectorState(state.data);
}
