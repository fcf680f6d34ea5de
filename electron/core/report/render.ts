import type { RunbookReport } from './report.ts';

/**
 * The runbook as text a reader can follow to the end without the app: Markdown for tickets and
 * wikis, one self-contained HTML file to print (no external assets; status in words and marks,
 * never by colour alone), and a short summary for a ticket. Input is an already redacted report.
 */

const MARK: Record<string, string> = {
  PASSED: '✔ PASSED',
  FAILED: '✘ FAILED',
  'CONFIRMED BY THE ADMIN': '☑ CONFIRMED BY THE ADMIN',
  'NOT STARTED': '○ NOT STARTED',
  INTERRUPTED: '⚠ INTERRUPTED',
  RUNNING: '… RUNNING',
};

const mark = (statusText: string) => MARK[statusText] ?? statusText;

function environmentLines(report: RunbookReport): [string, string][] {
  const env = report.environment;
  return [
    ['Server', env.server ?? 'not read yet (run Readiness on the server)'],
    ['Operating system', env.os ?? 'not read yet'],
    ['Internal URL', env.internalUrl ?? 'not given yet'],
    ['External URL', env.externalUrl ?? 'not known yet (step 7)'],
    ['Tenant ID', env.tenantId ?? 'not known yet'],
    [
      'Mode',
      report.mode === 'offline'
        ? 'Offline runbook: no cloud call; portal steps by hand, recorded as confirmed by the admin'
        : 'Guided: the companion signs in and calls Microsoft Graph',
    ],
    ['Written', `${report.generatedAt} by ${report.app.name} ${report.app.version} (${report.app.host})`],
  ];
}

/** Markdown text, escaped so a value cannot turn into markup. */
const md = (text: string) => text.replace(/([\\`*_[\]<|])/g, '\\$1').replace(/^>/, '\\>');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

export function toMarkdown(report: RunbookReport): string {
  const out: string[] = [];
  out.push(`# NDES through Microsoft Entra application proxy: runbook`, '');
  out.push(
    `Written ${report.generatedAt}. ${report.mode === 'offline' ? '**Offline runbook mode**: the cloud steps are done by hand in the portal; what the admin read there is recorded as *confirmed by the admin*, never as verified.' : ''}`.trim(),
    '',
  );
  out.push('## Environment', '', '| | |', '|---|---|');
  for (const [name, value] of environmentLines(report)) out.push(`| ${name} | ${md(value)} |`);
  out.push('', '## Steps', '');
  for (const step of report.steps) {
    out.push(`### ${step.number}. ${md(step.title)}: ${mark(step.statusText)}`, '');
    if (step.lastChangedAt) out.push(`Last changed ${step.lastChangedAt}.`, '');
    out.push(`**Why.** ${md(step.why)} (${step.docUrl})`, '');
    const inputs = Object.entries(step.inputs).filter(([, value]) => value.trim() !== '');
    if (inputs.length)
      out.push('**Inputs.** ' + inputs.map(([name, value]) => `${name} = ${code(value)}`).join('; '), '');
    out.push(step.manual ? '**Plan (by hand in the portal).**' : '**Plan.**', '');
    step.plan.forEach((action, index) => {
      if (action.kind === 'manual') {
        out.push(`${index + 1}. ${md(action.detail)}`);
        return;
      }
      out.push(`${index + 1}. ${md(action.title)}${action.changesSystem ? ' *(changes the system)*' : ''}`);
      out.push(`   ${code(action.detail)}`);
    });
    if (step.record.length)
      out.push(
        '',
        '**Record from the portal.**',
        '',
        ...step.record.map((label) => `- ${md(label)}: ____________________________`),
      );
    if (step.byHand.length) out.push('', '**Without the app.**', '', ...step.byHand.map((line) => `- ${md(line)}`));
    for (const note of step.notes) out.push('', `> ${md(note)}`);
    out.push('');
    if (step.confirmations.length)
      out.push(
        '**Confirmed by the admin (not verified).**',
        '',
        ...step.confirmations.map((line) => `- ${md(line)}`),
        '',
      );
    if (step.happened.length) {
      out.push('**What happened.**', '');
      for (const event of step.happened) {
        out.push(`- ${event.at} (${event.kind}): ${md(event.message)}`);
        for (const line of event.lines ?? []) out.push(`  - ${md(line)}`);
      }
      out.push('');
    } else {
      out.push('**What happened.** Nothing yet.', '');
    }
  }
  out.push('## Open warnings', '');
  if (report.warnings.length)
    for (const warning of report.warnings) out.push(`- **${md(warning.step)}:** ${md(warning.message)}`);
  else out.push('None.');
  out.push('', '## What to do next', '', ...report.next.map((line) => `- ${md(line)}`), '');
  out.push('## Back-out plan', '', 'Newest change first:', '');
  report.backOut.forEach((item, index) => out.push(`${index + 1}. **${md(item.title)}.** ${md(item.detail)}`));
  out.push(
    '',
    `---`,
    '',
    `Journal: ${report.journal.entries} entries${report.journal.first ? `, ${report.journal.first} to ${report.journal.last}` : ''}. Secrets (tokens, passwords, proxy credentials, secret query strings) are removed.`,
    '',
  );
  return out.join('\n');
}

const html = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const STYLE = `
:root { color-scheme: light; }
body { font: 11pt/1.45 "Segoe UI", system-ui, sans-serif; color: #111; background: #fff; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #111; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; break-after: avoid; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #777; padding: .3rem .5rem; text-align: left; vertical-align: top; }
code, pre { font: 9.5pt/1.35 Consolas, "Cascadia Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.plan li { margin-bottom: .35rem; }
.status { font-weight: 700; border: 2px solid #111; padding: 0 .35rem; border-radius: .2rem; white-space: nowrap; }
.status-FAILED, .status-INTERRUPTED { border-style: double; border-width: 3px; }
.step { break-inside: avoid-page; border-top: 1px solid #999; }
.changes { font-style: italic; }
.note { border-left: 4px solid #555; padding-left: .6rem; }
.record li { margin: .6rem 0; }
.blank { display: inline-block; min-width: 18rem; border-bottom: 1px solid #111; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
`;

export function toHtml(report: RunbookReport): string {
  const rows = environmentLines(report)
    .map(([name, value]) => `<tr><th scope="row">${html(name)}</th><td>${html(value)}</td></tr>`)
    .join('');
  const steps = report.steps
    .map((step) => {
      const inputs = Object.entries(step.inputs).filter(([, value]) => value.trim() !== '');
      return `<section class="step" aria-labelledby="step-${step.number}">
<h3 id="step-${step.number}">${step.number}. ${html(step.title)} <span class="status status-${html(step.statusText.split(' ')[0] ?? '')}">${html(mark(step.statusText))}</span></h3>
${step.lastChangedAt ? `<p>Last changed ${html(step.lastChangedAt)}.</p>` : ''}
<p><strong>Why.</strong> ${html(step.why)} <span>(${html(step.docUrl)})</span></p>
${inputs.length ? `<p><strong>Inputs.</strong> ${inputs.map(([name, value]) => `${html(name)} = <code>${html(value)}</code>`).join('; ')}</p>` : ''}
<p><strong>${step.manual ? 'Plan (by hand in the portal).' : 'Plan.'}</strong></p>
<ol class="plan">${step.plan.map((action) => (action.kind === 'manual' ? `<li>${html(action.detail)}</li>` : `<li>${html(action.title)}${action.changesSystem ? ' <span class="changes">(changes the system)</span>' : ''}<br><code>${html(action.detail)}</code></li>`)).join('')}</ol>
${step.record.length ? `<p><strong>Record from the portal.</strong></p><ul class="record">${step.record.map((label) => `<li>${html(label)}: <span class="blank"></span></li>`).join('')}</ul>` : ''}
${step.byHand.length ? `<p><strong>Without the app.</strong></p><ul>${step.byHand.map((line) => `<li>${html(line)}</li>`).join('')}</ul>` : ''}
${step.notes.map((note) => `<p class="note">${html(note)}</p>`).join('')}
${step.confirmations.length ? `<p><strong>Confirmed by the admin (not verified).</strong></p><ul>${step.confirmations.map((line) => `<li>${html(line)}</li>`).join('')}</ul>` : ''}
<p><strong>What happened.</strong>${step.happened.length ? '' : ' Nothing yet.'}</p>
${step.happened.length ? `<ul>${step.happened.map((event) => `<li>${html(event.at)} (${html(event.kind)}): ${html(event.message)}${event.lines?.length ? `<ul>${event.lines.map((line) => `<li>${html(line)}</li>`).join('')}</ul>` : ''}</li>`).join('')}</ul>` : ''}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NDES through Microsoft Entra application proxy: runbook (${html(report.generatedAt)})</title>
<style>${STYLE}</style>
</head>
<body>
<h1>NDES through Microsoft Entra application proxy: runbook</h1>
<p>Written ${html(report.generatedAt)}.${report.mode === 'offline' ? ' <strong>Offline runbook mode</strong>: the cloud steps are done by hand in the portal; what the admin read there is recorded as <em>confirmed by the admin</em>, never as verified.' : ''}</p>
<h2>Environment</h2>
<table>${rows}</table>
<h2>Steps</h2>
${steps}
<h2>Open warnings</h2>
${report.warnings.length ? `<ul>${report.warnings.map((warning) => `<li><strong>${html(warning.step)}:</strong> ${html(warning.message)}</li>`).join('')}</ul>` : '<p>None.</p>'}
<h2>What to do next</h2>
<ul>${report.next.map((line) => `<li>${html(line)}</li>`).join('')}</ul>
<h2>Back-out plan</h2>
<p>Newest change first:</p>
<ol>${report.backOut.map((item) => `<li><strong>${html(item.title)}.</strong> ${html(item.detail)}</li>`).join('')}</ol>
<hr>
<p>Journal: ${report.journal.entries} entries${report.journal.first ? `, ${html(report.journal.first)} to ${html(report.journal.last ?? '')}` : ''}. Secrets (tokens, passwords, proxy credentials, secret query strings) are removed.</p>
</body>
</html>
`;
}

/** A few lines for a ticket: where the change stands, redacted like everything else. */
export function toSummary(report: RunbookReport): string {
  const passed = report.steps.filter((step) => step.status === 'passed').length;
  const confirmed = report.steps.filter((step) => step.status === 'confirmed').length;
  const lines = [
    `NDES via Entra application proxy on ${report.environment.server ?? 'this server'}: ${passed} of ${report.steps.length} steps passed${confirmed ? `, ${confirmed} confirmed by the admin (not verified)` : ''} (${report.mode === 'offline' ? 'offline runbook' : 'guided'}), ${report.generatedAt}.`,
    ...report.steps.map((step) => `${step.number}. ${step.title}: ${step.statusText.toLowerCase()}`),
    `Internal URL: ${report.environment.internalUrl ?? '-'}; external URL: ${report.environment.externalUrl ?? '-'}; tenant: ${report.environment.tenantId ?? '-'}.`,
    ...(report.warnings.length
      ? [`Open warnings: ${report.warnings.map((warning) => `${warning.step}: ${warning.message}`).join(' | ')}`]
      : ['No open warnings.']),
    `Next: ${report.next[0] ?? '-'}`,
  ];
  return lines.join('\n');
}
