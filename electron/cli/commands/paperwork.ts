import { join, resolve } from 'node:path';
import { checkUrl } from '../../core/checks/input-rules.ts';
import { toFailure } from '../../core/errors.ts';
import { toSummary } from '../../core/report/render.ts';
import { checkRealFolder, writeFileSafely } from '../../core/report/safe-write.ts';
import { checkReportFolder, formatsOf } from '../../core/steps/report/report-step.ts';
import { EXIT, type Command } from '../command.ts';
import { failureText } from '../format.ts';

export const resumeCommand: Command = {
  names: ['resume'],
  usage: [
    {
      line: 'resume [--json]',
      text: 'After a crash, a kill or a restart: Verify the step that was interrupted and every step believed done, and say where to carry on (exit 1 when one does not verify, 3 when one could not be verified: its status is left as it was).',
    },
  ],
  options: {},
  args: { min: 0, max: 0 },
  run: async (context) => {
    const { runbook } = context.companion;
    const before = runbook.resumePoint();
    const doneSteps = runbook
      .list()
      .filter((step) => step.status === 'passed')
      .map((step) => step.id);
    const toVerify = [...new Set([...(before?.interrupted ?? []), ...(before?.believedDone ?? doneSteps)])];
    const title = (id: string) => {
      const view = runbook.list().find((step) => step.id === id);
      return `Step ${view?.number ?? '?'} (${view?.title ?? id})`;
    };
    const results: { id: string; status: string; summary: string }[] = [];
    for (const id of toVerify) {
      const verified = await context.api.runbook.verify({ stepId: id });
      // A Verify that could not look (no sign-in, no network) leaves the step's status as it was.
      results.push(
        verified.ok
          ? { id, status: verified.value.status, summary: verified.value.summary }
          : { id, status: 'could not verify', summary: `${verified.error.message} ${verified.error.remediation}` },
      );
    }
    const after = runbook.resumePoint();
    const lines = [
      ...(before?.interrupted ?? []).map((id) => `${title(id)} was interrupted when the companion stopped.`),
      ...results.map((result) => `${title(result.id)}, verified: ${result.status}. ${result.summary}`),
      after ? `Carry on at ${title(after.stepId)}.` : 'Every step is done.',
    ];
    if (context.json)
      context.io.out(
        JSON.stringify(
          {
            ok: true,
            value: { interrupted: before?.interrupted ?? [], verified: results, carryOnAt: after?.stepId ?? null },
          },
          null,
          2,
        ),
      );
    else context.io.out(lines.join('\n'));
    if (results.some((result) => result.status === 'could not verify')) return EXIT.incomplete;
    return results.every((result) => ['passed', 'confirmed'].includes(result.status)) ? EXIT.ok : EXIT.failed;
  },
};

export const runbookCommand: Command = {
  names: ['runbook'],
  usage: [
    {
      line: 'runbook [--offline] [--internal-url U] [--out DIR] [--format all|markdown,html,pdf,json] [--summary] [--json]',
      text: "Write the runbook with evidence (step report) without a window: each step's why, plan, what happened, confirmations, open warnings, what to do next and the back-out plan, as runbook.md, .html (self-contained, to print), .pdf (printed by Microsoft Edge or another Chromium-family browser on this machine; said when there is none) and .json (schema: docs/runbook-report.schema.json), secrets removed. --offline writes the cloud steps as portal steps (change paperwork before the window); --internal-url fills the NDES URL where no step has one yet; --out defaults to a dated folder under the data folder's Reports; --summary prints a few lines for a ticket instead.",
    },
  ],
  notes: [
    '`runbook` writes the runbook as it stands without a window (Server Core, or the paperwork for a',
    'change approval before the window opens): environment, then every step with why it matters,',
    'its plan (exact commands and Graph calls, or in offline mode the portal steps with blanks for',
    'what to record), what happened and its evidence, what the admin confirmed, then open warnings,',
    'what to do next and a back-out plan (roll back Intune, unpublish, restore the proxy',
    'configuration, uninstall the connector). `--offline` writes it in offline mode without switching',
    'the saved runbook; `--internal-url` fills the NDES URL where no step has one. The HTML is one',
    'file with nothing to load (no script, no external asset; pass and fail in words, not only',
    'colour) and prints cleanly; the PDF is printed from it by a Chromium-family browser already on',
    'the machine (Microsoft Edge, which Windows Server 2025 includes and earlier versions often have;',
    'Chromium on Linux), with every name resolution refused, and when there is none (Server Core)',
    'the command says so and writes the rest. `--out` defaults to a dated folder under the data',
    "folder's `Reports`; the wizard refuses network shares, device paths and the Windows folder. For",
    "local steps the runbook also says how to do them without the app (Microsoft's own checks and",
    'commands), and the back-out plan is written whole, before the change too. The JSON follows',
    '`docs/runbook-report.schema.json` (JSON Schema 2020-12, written from the schema the code checks',
    'the report with by `npm run schema`). Every export goes through the same redaction as the',
    'journal: tokens, passwords, proxy credentials and secret query strings never appear in it.',
  ],
  options: {
    offline: { type: 'boolean', help: 'Write it in offline runbook mode; the saved mode is unchanged.' },
    'internal-url': {
      type: 'string',
      value: 'U',
      help: 'NDES as the connector reaches it, where no step has one yet.',
    },
    out: { type: 'string', value: 'DIR', help: 'The folder to write into.' },
    format: { type: 'string', value: 'F', help: 'all (default), or some of markdown,html,pdf,json.' },
    summary: { type: 'boolean', help: 'Print a few lines for a ticket instead.' },
  },
  args: { min: 0, max: 0 },
  run: async (context) => {
    const { io, companion } = context;
    // The runbook as it stands, written without a window: for Server Core, and for the
    // change-approval paperwork written before the change window (--offline).
    const overrides: Record<string, string> = {};
    const internalUrl = context.str('internal-url');
    if (internalUrl !== undefined) {
      const verdict = checkUrl(internalUrl, 'internal');
      if (!verdict.ok) return context.usage(`--internal-url was refused: ${verdict.message}`);
      overrides.internalUrl = verdict.normalized;
    }
    let formats;
    try {
      formats = formatsOf({ formats: context.str('format') ?? 'all' });
    } catch (error) {
      return context.usage(failureText(toFailure(error)));
    }
    // Which server this is, for the runbook, when PowerShell can say (one read-only run).
    await context.quietApi.host.identity();
    const extra = { overrides, ...(context.flag('offline') ? { mode: 'offline' as const } : {}) };
    if (context.flag('summary')) {
      io.out(toSummary(companion.report(extra)));
      return EXIT.ok;
    }
    // Not the current folder by default: an elevated prompt starts in the system folder.
    let out: string | null;
    try {
      const given = context.str('out');
      out = given ? checkReportFolder(resolve(given)) : null;
    } catch (error) {
      return context.usage(failureText(toFailure(error)));
    }
    // The report is built once, by the write (which journals it).
    const result = await companion.writeRunbook(out, formats, extra);
    for (const note of result.notes) io.err(`warning: ${note}`);
    if (context.json)
      io.out(
        JSON.stringify(
          { ok: true, value: { folder: result.folder, written: result.written, notes: result.notes } },
          null,
          2,
        ),
      );
    else
      io.out(
        [
          `The runbook (${(extra.mode ?? companion.runbook.mode) === 'offline' ? 'offline runbook mode' : 'guided'}) is in ${result.folder}:`,
          ...result.written.map((path) => `  ${path}`),
        ].join('\n'),
      );
    return EXIT.ok;
  },
};

export const restartCommand: Command = {
  names: ['restart'],
  usage: [
    {
      line: 'restart --confirm [--json]',
      text: 'Restart this server in 60 seconds, only when the connector installer asked for it (exit code 3010); journaled first; cancel with shutdown /a. Then run ndes-companion resume after you log on again.',
    },
  ],
  options: { confirm: { type: 'boolean', help: 'Restart now: the command does nothing without it.' } },
  args: { min: 0, max: 0 },
  run: async (context) => {
    // Only for the restart the connector installer asked for (3010), and only when told twice.
    const pending = context.companion.runbook.pendingRestart();
    if (!context.flag('confirm')) {
      context.io.err(
        pending?.code === 3010
          ? 'The connector installer asked for a restart (exit code 3010). Run ndes-companion restart --confirm to restart this server in 60 seconds (cancel with shutdown /a).'
          : 'No installer is waiting for a restart of this server.',
      );
      return pending?.code === 3010 ? EXIT.usage : EXIT.failed;
    }
    return context.emit(await context.api.host.restart(), (value) =>
      value.result === 'already-scheduled'
        ? 'A restart was already scheduled on this server.'
        : `Windows restarts this server in ${value.delaySeconds} seconds (cancel with shutdown /a). After you log on again, run ndes-companion resume.`,
    );
  },
};

export const supportBundleCommand: Command = {
  names: ['support-bundle'],
  usage: [
    {
      line: 'support-bundle [--out DIR] [--json]',
      text: "One zip for support (Report step): manifest.json with SHA-256 of every file, the journal, the runbook in every format, every script's output, and excerpts read here with PowerShell (connector, updater and Intune Certificate Connector event logs and Application errors of 7 days, IIS log lines for mscep.dll with status/substatus/win32 status, the tail of the connector installer logs), all redacted. Read only; no cloud call. --out defaults to the data folder's Support folder.",
    },
  ],
  options: { out: { type: 'string', value: 'DIR', help: 'The folder to write into.' } },
  args: { min: 0, max: 0 },
  run: async (context) => {
    const { io, companion } = context;
    // The bundle as it stands, for support: the same zip the wizard saves.
    let out: string;
    try {
      const given = context.str('out');
      out = given ? checkReportFolder(resolve(given)) : join(companion.dataDir, 'Support');
    } catch (error) {
      return context.usage(failureText(toFailure(error)));
    }
    await context.quietApi.host.identity();
    const bundle = await companion.supportBundle((message) => {
      if (!context.json) io.err(message);
    });
    let path: string;
    try {
      path = writeFileSafely(checkRealFolder(out), bundle.fileName, bundle.zip);
    } catch (error) {
      io.err(failureText(toFailure(error)));
      return EXIT.failed;
    }
    for (const note of bundle.manifest.notes) io.err(`warning: ${note}`);
    if (context.json)
      io.out(
        JSON.stringify(
          {
            ok: true,
            value: { path, files: bundle.manifest.files.map((file) => file.path), notes: bundle.manifest.notes },
          },
          null,
          2,
        ),
      );
    else
      io.out(
        `The support bundle is ${path} (${bundle.manifest.files.length} files, listed with their SHA-256 in its manifest.json; secrets removed).`,
      );
    return EXIT.ok;
  },
};
