import { join } from 'node:path';
import type { PlannedAction, ScepProfileView } from '../../../contract/model.ts';
import { runCheckSuite } from '../../checks/suite.ts';
import { GUID } from '../../checks/input-rules.ts';
import { CompanionError } from '../../errors.ts';
import { INPUT_REFUSED, type StepContext, type StepResult } from '../step.ts';
import { createStateStore } from '../../store/state-store.ts';
import { cloudOf, type CloudProfile } from '../../cloud/clouds.ts';
import { cloudServicesOf } from '../../services.ts';
import { confirmedRoleRemedy } from '../../cloud/graph-causes.ts';
import { GraphError, type Graph } from '../../cloud/graph.ts';
import { preflight, preflightLine, refusal } from '../../cloud/preflight.ts';

/**
 * Pointing Intune's SCEP certificate profiles at the external URL (reference docs/reference/domain.md §7):
 * every SCEP profile type, across pages, matched on its @odata.type whatever its casing; a
 * per-profile diff; only the profiles the admin names are changed (one first, as a pilot); the
 * values replaced are journaled and kept in the data folder, so rollback restores them exactly.
 */
const CONFIGURATIONS = '/deviceManagement/deviceConfigurations';
const SCEP_TYPE = /scepcertificateprofile$/i;

export interface ScepProfile {
  id: string;
  displayName: string;
  odataType: string;
  scepServerUrls: string[];
}

export interface ProfileChange {
  profile: ScepProfile;
  after: string[];
  changed: boolean;
  /** Why an unchanged profile stays as it is. */
  note?: string;
}

type Mode = 'replace' | 'add';
type Action = 'list' | 'apply' | 'rollback';

export interface IntuneRequest {
  cloud: CloudProfile;
  action: Action;
  mode: Mode;
  externalUrl: string;
  /** The URL devices use today, replaced in "replace" mode (required there). */
  internalUrl: string | null;
  /** Profile ids to change; empty on list. */
  profileIds: string[];
}

function invalid(message: string, remedy: string): never {
  throw new CompanionError('INVALID_REQUEST', message, remedy);
}

/** A SCEP URL; the external one may be given as the published URL (https://…msappproxy.net/ or …/certsrv/mscep/), completed to mscep.dll. */
function scepUrlOf(raw: string, what: string): string {
  if (raw.trim() === '')
    invalid(
      `No ${what} was given, and Publish has not read one back yet.`,
      'Run publish first (its SCEP URL is then used), or give it, e.g. --external-url https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
    );
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return invalid(
      `The ${what} is not a URL.`,
      'Type it whole, e.g. https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
    );
  }
  if (url.protocol !== 'https:' && what === 'external SCEP URL')
    invalid(
      'The external SCEP URL must be https:// (Android requires it, and Application Proxy publishes over TLS only).',
      'Use the URL the Publish step read back.',
    );
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    invalid(`The ${what} must be http:// or https://.`, 'Use the URL the profiles hold today.');
  if (url.username || url.password || url.search || url.hash)
    invalid(`The ${what} must not hold credentials, a query or a fragment.`, 'Use scheme, host and path only.');
  // The published URL as Publish shows it names the same SCEP endpoint: completed, not refused.
  if (url.pathname === '/' || /^\/certsrv\/mscep\/?$/i.test(url.pathname)) url.pathname = '/certsrv/mscep/mscep.dll';
  if (!/\/certsrv\/mscep\/mscep\.dll$/i.test(url.pathname))
    invalid(
      `The ${what} must end in /certsrv/mscep/mscep.dll, the path Intune's devices call.`,
      'Add certsrv/mscep/mscep.dll to the URL.',
    );
  return url.toString();
}

export function intuneRequestOf(inputs: Record<string, string>): IntuneRequest {
  const cloud = cloudOf(inputs.cloud);
  const action = ((inputs.action ?? '').trim().toLowerCase() || 'list') as Action;
  if (!['list', 'apply', 'rollback'].includes(action))
    invalid(`"${action.slice(0, 30)}" is not an Intune action.`, 'Choose list, apply or rollback.');
  const mode = ((inputs.mode ?? '').trim().toLowerCase() || 'replace') as Mode;
  if (!['replace', 'add'].includes(mode))
    invalid(`"${mode.slice(0, 30)}" is not a change mode.`, 'Choose replace or add.');
  const externalUrl =
    action === 'rollback' && !inputs.externalUrl?.trim()
      ? ''
      : scepUrlOf(inputs.externalUrl ?? '', 'external SCEP URL');
  const internalUrl = inputs.internalUrl?.trim() ? scepUrlOf(inputs.internalUrl, 'internal SCEP URL') : null;
  const profileIds = (inputs.profiles ?? '').split(/[\s,;]+/).filter(Boolean);
  const bad = profileIds.find((id) => !GUID.test(id));
  if (bad)
    invalid(`"${bad.slice(0, 60)}" is not a profile id.`, 'Copy the ids from the list this step shows (list first).');
  if (action === 'apply' && profileIds.length === 0)
    invalid(
      'No profile was named to change.',
      'List first, then name one profile as a pilot, and the others once it works.',
    );
  return { cloud, action, mode, externalUrl, internalUrl, profileIds: profileIds.map((id) => id.toLowerCase()) };
}

/**
 * The internal SCEP URL the profiles use today, from the app published for the external URL: its
 * internal URL with the same path below it (Graph's onPremisesPublishing, docs/reference/domain.md §5.2).
 */
async function internalFromPublishedApp(
  graph: Graph,
  externalUrl: string,
  signal?: AbortSignal,
): Promise<{ url: string; app: string } | null> {
  const options = { version: 'beta' as const, ...(signal ? { signal } : {}) };
  const published = await graph.list<{ appId: string }>(
    `/servicePrincipals?$filter=${encodeURIComponent("tags/any(t:t eq 'WindowsAzureActiveDirectoryOnPremApp')")}&$select=appId,displayName`,
    options,
  );
  const wanted = externalUrl.toLowerCase();
  for (const sp of published) {
    const app = await graph.get<{
      displayName: string;
      onPremisesPublishing?: { externalUrl?: string; internalUrl?: string } | null;
    }>(`/applications(appId='${encodeURIComponent(sp.appId)}')?$select=displayName,onPremisesPublishing`, options);
    const external = app.onPremisesPublishing?.externalUrl?.replace(/\/?$/, '/');
    const internal = app.onPremisesPublishing?.internalUrl?.replace(/\/?$/, '/');
    if (external && internal && wanted.startsWith(external.toLowerCase()))
      return { url: `${internal}${externalUrl.slice(external.length)}`, app: app.displayName };
  }
  return null;
}

export async function listScepProfiles(graph: Graph, signal?: AbortSignal): Promise<ScepProfile[]> {
  const items = await graph.list<{ id: string; displayName: string; '@odata.type': string; scepServerUrls?: string[] }>(
    CONFIGURATIONS,
    {
      version: 'beta',
      ...(signal ? { signal } : {}),
      needs: 'Intune Administrator (or an Intune role with device configuration rights)',
    },
  );
  return items
    .filter((item) => SCEP_TYPE.test(item['@odata.type'] ?? ''))
    .map((item) => ({
      id: item.id,
      displayName: item.displayName,
      odataType: item['@odata.type'],
      scepServerUrls: item.scepServerUrls ?? [],
    }));
}

/** The URLs a profile would hold: the external URL in place of the internal one, or added to the list. */
export function proposeChange(profile: ScepProfile, request: IntuneRequest): ProfileChange {
  const has = profile.scepServerUrls.some((url) => url.toLowerCase() === request.externalUrl.toLowerCase());
  let after: string[];
  let note: string | undefined;
  if (request.mode === 'add') {
    after = has ? [...profile.scepServerUrls] : [...profile.scepServerUrls, request.externalUrl];
    if (has) note = 'already lists the external URL';
  } else if (!request.internalUrl) {
    after = [...profile.scepServerUrls];
    note = has ? 'already lists the external URL' : 'name the internal URL to see what would be replaced';
  } else {
    const internal = request.internalUrl.toLowerCase();
    const holds = profile.scepServerUrls.some((url) => url.toLowerCase() === internal);
    // A profile that does not use the internal URL is not this NDES's: it is left as it is.
    if (!holds) {
      after = [...profile.scepServerUrls];
      note = has ? 'already lists the external URL' : `does not use ${request.internalUrl}`;
    } else {
      const kept = profile.scepServerUrls.map((url) => (url.toLowerCase() === internal ? request.externalUrl : url));
      after = kept.filter(
        (url, index) => kept.findIndex((other) => other.toLowerCase() === url.toLowerCase()) === index,
      );
    }
  }
  const changed =
    after.length !== profile.scepServerUrls.length || after.some((url, index) => url !== profile.scepServerUrls[index]);
  return { profile, after, changed, ...(note ? { note } : {}) };
}

/** A proposed change as the wizard lists it, one checkbox each. */
export function profileView(change: ProfileChange): ScepProfileView {
  return {
    id: change.profile.id,
    displayName: change.profile.displayName,
    type: change.profile.odataType.replace(/^#?microsoft\.graph\./i, ''),
    current: [...change.profile.scepServerUrls],
    proposed: [...change.after],
    changed: change.changed,
    ...(change.note ? { note: change.note } : {}),
  };
}

const label = (change: ProfileChange) =>
  `${change.profile.displayName} (${change.profile.odataType.replace('#microsoft.graph.', '')}, ${change.profile.id})`;

/** One profile: unchanged, or what would change (`proposed` names it: "would change", "still to change"). */
function diffLine(change: ProfileChange, proposed = 'would change'): string {
  if (!change.changed)
    return `${label(change)}: unchanged: ${change.profile.scepServerUrls.join(', ') || '(no URL)'}${change.note ? ` (${change.note})` : ''}`;
  return `${label(change)}: ${proposed}: ${change.profile.scepServerUrls.join(', ') || '(no URL)'} -> ${change.after.join(', ')}`;
}

const MULTI_URL =
  'With several URLs a device picks one (Android randomly and then sticks, iOS one at random, Windows in order) and its three SCEP calls must reach the same NDES: every URL left in a profile must work from wherever the device is.';
const CONFIG_MGR =
  'Configuration Manager: on the certificate registration point, set the URL to the external one (or Set-CMCertificateProfileScep -ScepServerUrl for its SCEP profiles).';

export function intunePlan(inputs: Record<string, string>): PlannedAction[] {
  let request: IntuneRequest;
  try {
    request = intuneRequestOf(inputs);
  } catch (error) {
    return [{ kind: 'manual', title: INPUT_REFUSED, detail: (error as Error).message, changesSystem: false }];
  }
  const graph = request.cloud.graph;
  const before: PlannedAction = {
    kind: 'graph',
    title: `Before any change: your active roles (Intune Administrator or Global Administrator), the Intune licence, the permission to write device configurations${request.action === 'apply' ? ' and application proxy enabled' : ''}, read now; anything missing refuses with nothing changed`,
    detail: `GET ${graph}/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole?$count=true; GET ${graph}/v1.0/subscribedSkus (INTUNE_A); the sign-in's granted permissions (DeviceManagementConfiguration.ReadWrite.All)${request.action === 'apply' ? `; GET ${graph}/beta/onPremisesPublishingProfiles/applicationProxy and its connectors` : ''}`,
    changesSystem: false,
  };
  const internal: PlannedAction[] =
    request.mode === 'replace' && !request.internalUrl
      ? [
          {
            kind: 'graph',
            title: 'Find the internal SCEP URL from the app published for the external URL (none was given)',
            detail: `GET ${graph}/beta/servicePrincipals?$filter=tags/any(t:t eq 'WindowsAzureActiveDirectoryOnPremApp'), then GET ${graph}/beta/applications(appId='…') for its onPremisesPublishing internalUrl`,
            changesSystem: false,
          },
        ]
      : [];
  const list: PlannedAction = {
    kind: 'graph',
    title: 'List every SCEP certificate profile (all types, all pages)',
    detail: `GET ${graph}/beta${CONFIGURATIONS}, following @odata.nextLink; kept: @odata.type ending ScepCertificateProfile or SCEPCertificateProfile`,
    changesSystem: false,
  };
  if (request.action === 'list')
    return [
      ...internal,
      {
        kind: 'probe',
        title: 'First, prove SCEP answers through the external URL',
        detail: `GetCACaps and GetCACert at ${request.externalUrl}`,
        changesSystem: false,
      },
      list,
      {
        kind: 'manual',
        title: "Nothing is changed: the list shows each profile's URLs and the proposed change",
        detail: MULTI_URL,
        changesSystem: false,
      },
    ];
  if (request.action === 'rollback')
    return [
      before,
      list,
      {
        kind: 'graph',
        title: 'Put back the URLs each profile held before the companion changed it',
        detail: `PATCH ${graph}/beta${CONFIGURATIONS}/{id} {"@odata.type":…, "scepServerUrls":[previous values]} for each profile recorded in intune-changes.json, unless it was changed since`,
        changesSystem: true,
      },
    ];
  return [
    before,
    ...internal,
    {
      kind: 'probe',
      title: 'First, prove SCEP answers through the external URL',
      detail: `GetCACaps and GetCACert at ${request.externalUrl}; nothing is changed unless both answer`,
      changesSystem: false,
    },
    list,
    {
      kind: 'file',
      title: 'Record the current URLs of the profiles named',
      detail: 'In the journal and in intune-changes.json in the data folder, for rollback',
      changesSystem: false,
    },
    ...request.profileIds.map((id) => ({
      kind: 'graph' as const,
      title: `Change profile ${id} (${request.mode === 'add' ? 'add the external URL' : 'replace the internal URL with the external one'})`,
      detail: `PATCH ${graph}/beta${CONFIGURATIONS}/${id} {"@odata.type":"<its type>","scepServerUrls":[…]}`,
      changesSystem: true,
    })),
    { kind: 'manual', title: 'Multi-URL semantics', detail: MULTI_URL, changesSystem: false },
    { kind: 'manual', title: 'Configuration Manager', detail: CONFIG_MGR, changesSystem: false },
  ];
}

interface Record_ {
  at: string;
  tenantId: string;
  id: string;
  displayName: string;
  odataType: string;
  before: string[];
  after: string[];
  /** pending: written before the change was sent; applied: Intune accepted it. */
  status: 'pending' | 'applied';
}

/** The earlier URLs, kept as the runbook state is (written atomically and flushed). */
function recordStore(dataDir: string) {
  return createStateStore<{ changes: Record_[] }>(
    join(dataDir, 'intune-changes.json'),
    () => ({ changes: [] }),
    (raw) => {
      const changes = (raw as { changes?: unknown }).changes;
      if (!Array.isArray(changes)) throw new Error('no changes list');
      return { changes: changes as Record_[] };
    },
  );
}

function readRecords(dataDir: string): Record_[] {
  const store = recordStore(dataDir);
  const { changes } = store.read();
  // An unreadable file is set aside by the store; the earlier values are then not known here.
  if (store.recoveredFrom)
    throw new CompanionError(
      'STATE_UNREADABLE',
      `intune-changes.json could not be read (kept as ${store.recoveredFrom}), so the earlier values are not known.`,
      'Restore the profiles by hand from the journal (the "Recorded …\'s current URLs" lines), or from that file.',
    );
  return changes;
}

function writeRecords(dataDir: string, changes: Record_[]): void {
  recordStore(dataDir).write({ changes });
}

async function externalAnswers(context: StepContext, externalUrl: string): Promise<{ ok: boolean; lines: string[] }> {
  const base = externalUrl.replace(/certsrv\/mscep\/mscep\.dll$/i, '');
  const report = await runCheckSuite(
    { scope: 'verify', externalUrl: base, timeoutMs: 10_000, longUrlKb: 20, groups: ['scep-external'] },
    context.services,
    { signal: context.signal, runId: context.runId },
  );
  const scep = report.results.filter((result) => /getcacaps|getcacert/i.test(`${result.id} ${result.title}`));
  const ok = scep.length > 0 && scep.every((result) => result.status === 'pass' || result.status === 'warn');
  return {
    ok,
    lines: scep.map(
      (result) => `${result.status.toUpperCase()} ${result.title}${result.cause ? `: ${result.cause}` : ''}`,
    ),
  };
}

export async function runIntune(context: StepContext): Promise<StepResult> {
  const cloudServices = cloudServicesOf(context);
  const dataDir = () => cloudServices.dataDir;
  const request = intuneRequestOf(context.inputs);
  const graph = cloudServices.graph({ cloud: request.cloud.name }, context.runId);
  const needs = 'Intune Administrator (or an Intune role with device configuration rights)';
  const session = cloudServices.signIn({ cloud: request.cloud.name });

  const tenantId = (await session.current())?.tenantId ?? '';
  const preLines: string[] = [];
  let roleConfirmed: string | null = null;
  if (request.action !== 'list') {
    // Read now, not at sign-in: a role activated an hour ago may have expired since.
    context.progress(
      'Checking, before any change, that your account and this tenant may change Intune device configurations (read now from Microsoft Graph).',
    );
    const ready = await preflight(graph, request.action === 'rollback' ? 'intune-rollback' : 'intune-apply', {
      signal: context.signal,
      grantedScopes: () => session.grantedScopes().catch(() => null),
    });
    for (const check of ready.checks)
      context.progress(preflightLine(check), check.status === 'ok' ? 'info' : 'warn', undefined, undefined, true);
    if (!ready.ready)
      return refusal(
        ready,
        request.action === 'rollback' ? 'rolling back the Intune profiles' : 'changing the Intune profiles',
      );
    preLines.push(...ready.checks.map(preflightLine));
    roleConfirmed = ready.checks.find((check) => check.name === 'role')?.message ?? null;
    // A fresh token before the first write: a role activated since it was issued is in the new one.
    await graph.refreshToken();
  }
  if (request.action === 'rollback') {
    const records = readRecords(dataDir());
    if (records.length === 0)
      return {
        passed: false,
        summary: 'Nothing to roll back: the companion has not changed an Intune profile here.',
        remedy: 'Change profiles by hand in the Intune admin center if needed.',
      };
    const live = new Map(
      (await listScepProfiles(graph, context.signal)).map((profile) => [profile.id, [...profile.scepServerUrls]]),
    );
    const details: string[] = [...preLines];
    const left: Record_[] = [];
    let restored = 0;
    for (const record of [...records].reverse()) {
      const now = live.get(record.id);
      const equal = (urls: string[] | undefined, other: string[]) => JSON.stringify(urls) === JSON.stringify(other);
      if (record.tenantId && tenantId && record.tenantId !== tenantId) {
        details.push(
          `${record.displayName} (${record.id}): changed in tenant ${record.tenantId}, not the one signed in to; kept for later.`,
        );
        left.unshift(record);
        continue;
      }
      if (!now) {
        details.push(
          `${record.displayName} (${record.id}): not found in Intune now; kept, it held ${record.before.join(', ') || '(none)'} before.`,
        );
        left.unshift(record);
        continue;
      }
      if (record.status === 'pending' && equal(now, record.before)) {
        details.push(`${record.displayName} (${record.id}): the change never reached Intune; nothing to undo.`);
        continue;
      }
      if (!equal(now, record.after)) {
        details.push(
          `${record.displayName} (${record.id}): changed since (${now.join(', ')}); left alone. It held ${record.before.join(', ')} before the companion's change.`,
        );
        left.unshift(record);
        continue;
      }
      if (context.whatIf) {
        details.push(`${record.displayName} (${record.id}): would go back to ${record.before.join(', ')}.`);
        left.unshift(record);
        restored += 1;
        continue;
      }
      try {
        await graph.call('PATCH', `${CONFIGURATIONS}/${encodeURIComponent(record.id)}`, {
          version: 'beta',
          body: { '@odata.type': record.odataType, scepServerUrls: record.before },
          signal: context.signal,
          needs,
        });
      } catch (error) {
        // Kept for the next rollback, and what is restored so far is written down now.
        details.push(`${record.displayName} (${record.id}): could not be put back: ${(error as Error).message}`);
        left.unshift(record);
        continue;
      }
      live.set(record.id, [...record.before]);
      restored += 1;
      details.push(`${record.displayName} (${record.id}): back to ${record.before.join(', ')}.`);
      // Written after each restore: a rollback stopped half-way never shows a restored profile as "changed since".
      writeRecords(dataDir(), [...records.slice(0, records.indexOf(record)), ...left]);
    }
    if (!context.whatIf) writeRecords(dataDir(), left);
    const kept = context.whatIf ? left.length - restored : left.length;
    return {
      passed: kept === 0,
      summary: context.whatIf
        ? `-WhatIf: ${restored} profile(s) would be rolled back; nothing was changed.`
        : `Rolled back ${restored} profile(s) to the URLs they held before.${kept ? ` ${kept} could not be (see below) and stay recorded.` : ''}`,
      ...(kept
        ? { remedy: 'Compare those profiles with the values in the details and restore them by hand if needed.' }
        : {}),
      details,
    };
  }

  let fromApp: string | null = null;
  if (request.mode === 'replace' && !request.internalUrl) {
    const found = await internalFromPublishedApp(graph, request.externalUrl, context.signal).catch((error: unknown) => {
      if (error instanceof GraphError && error.status >= 400 && error.status < 500) return null;
      throw error;
    });
    if (found) {
      request.internalUrl = found.url;
      fromApp = found.app;
    } else if (request.action === 'apply') {
      return {
        passed: false,
        summary: `Refused, nothing was changed: no app published through application proxy serves ${request.externalUrl}, so which URL the profiles use today is not known.`,
        remedy:
          'Give the URL the profiles use today (CLI: --internal-scep-url https://ndes01.contoso.local/certsrv/mscep/mscep.dll; wizard: Internal SCEP URL), or add the external URL beside it (CLI: --add).',
      };
    } else {
      context.progress(
        `No app published through application proxy serves ${request.externalUrl}: give the internal SCEP URL to see what would be replaced.`,
        'warn',
      );
    }
  }
  context.progress(`Checking SCEP answers through ${request.externalUrl} before changing any profile.`);
  const gate = await externalAnswers(context, request.externalUrl);
  if (!gate.ok) {
    return {
      passed: false,
      summary: `SCEP does not answer through ${request.externalUrl} yet: no profile was ${request.action === 'list' ? 'proposed for change' : 'changed'}.`,
      remedy: 'Run step 8 (Verify) with the external URL and fix what it finds first.',
      details: gate.lines,
    };
  }
  const profiles = await listScepProfiles(graph, context.signal);
  if (fromApp && request.internalUrl) {
    // The connector may reach NDES over http while devices were given https: the same host and path is the same endpoint.
    const key = (url: string) => url.toLowerCase().replace(/^https?:/, '');
    const wanted = key(request.internalUrl);
    request.internalUrl =
      profiles.flatMap((profile) => profile.scepServerUrls).find((url) => key(url) === wanted) ?? request.internalUrl;
    context.progress(
      `Internal SCEP URL: ${request.internalUrl}, from the published app "${fromApp}" (its internal URL), as none was given.`,
      'info',
      undefined,
      undefined,
      true,
    );
  }
  const changes = profiles.map((profile) => proposeChange(profile, request));
  const source =
    fromApp && request.internalUrl
      ? [
          `Internal SCEP URL ${request.internalUrl}: from the published app "${fromApp}" (its internal URL), as none was given.`,
        ]
      : [];
  const details = [
    ...preLines,
    ...source,
    ...gate.lines,
    ...changes.map((change) => diffLine(change)),
    MULTI_URL,
    CONFIG_MGR,
  ];
  const profileViews = changes.map(profileView);
  if (request.action === 'list') {
    return {
      profiles: profileViews,
      passed: true,
      summary: `${profiles.length} SCEP profile(s); ${changes.filter((change) => change.changed).length} would change (${request.mode}). Nothing was changed: choose the profiles to change, one first as a pilot.`,
      details,
      evidence: changes.map((change) => ({
        id: change.profile.id,
        displayName: change.profile.displayName,
        type: change.profile.odataType,
        before: change.profile.scepServerUrls,
        after: change.after,
      })),
    };
  }
  const chosen = request.profileIds.map((id) => changes.find((change) => change.profile.id.toLowerCase() === id));
  const missing = request.profileIds.filter((_id, index) => !chosen[index]);
  if (missing.length)
    return {
      passed: false,
      summary: `No SCEP profile has the id ${missing.join(', ')}.`,
      remedy: 'List the profiles first and copy their ids.',
      details,
      profiles: profileViews,
    };
  if (context.whatIf)
    return {
      passed: true,
      summary: `-WhatIf: ${chosen.filter((change) => change?.changed).length} profile(s) would change; nothing was changed.`,
      details,
      profiles: profileViews,
    };
  const records = readRecords(dataDir());
  const done: string[] = [];
  for (const change of chosen) {
    if (!change?.changed) continue;
    const record: Record_ = {
      at: new Date().toISOString(),
      tenantId,
      id: change.profile.id,
      displayName: change.profile.displayName,
      odataType: change.profile.odataType,
      before: change.profile.scepServerUrls,
      after: change.after,
      status: 'pending',
    };
    // Kept first, so a crash in between never loses the earlier value.
    context.progress(`Recorded ${change.profile.displayName}'s current URLs: ${record.before.join(', ') || '(none)'}.`);
    records.push(record);
    writeRecords(dataDir(), records);
    try {
      await graph.call('PATCH', `${CONFIGURATIONS}/${encodeURIComponent(change.profile.id)}`, {
        version: 'beta',
        body: { '@odata.type': change.profile.odataType, scepServerUrls: change.after },
        signal: context.signal,
        needs,
      });
    } catch (error) {
      const failure = error as CompanionError;
      // A role confirmed just before (and a renewed token) is not what Graph refused.
      const remedy =
        error instanceof GraphError && error.graphCause === 'role' && roleConfirmed
          ? confirmedRoleRemedy(
              roleConfirmed,
              error.answer?.requestId,
              'the directory role',
              'an Intune scope tag or a policy',
            )
          : (failure.remediation ?? 'Fix what the message says.');
      return {
        passed: false,
        summary: `Changing ${change.profile.displayName} failed: ${failure.message}${done.length ? ` Changed before that: ${done.join(', ')}.` : ' No profile was changed.'}`,
        remedy: `${remedy} Rollback (this step) puts back any profile changed.`,
        details,
        ...(done.length ? {} : { profiles: profileViews }),
      };
    }
    record.status = 'applied';
    writeRecords(dataDir(), records);
    done.push(change.profile.displayName);
  }
  const after = await listScepProfiles(graph, context.signal);
  // The list as Intune holds it now: what this run changed, what is still to change, what stays.
  const proposalsNow = after.map((profile) => proposeChange(profile, request));
  const profilesNow = proposalsNow.map(profileView);
  const changedIds = new Set(chosen.filter((change) => change?.changed).map((change) => change?.profile.id));
  const nowLines = proposalsNow.map((proposal) => {
    const was = changes.find((change) => change.profile.id === proposal.profile.id);
    if (changedIds.has(proposal.profile.id))
      return `${label(proposal)}: changed now: ${was?.profile.scepServerUrls.join(', ') || '(no URL)'} -> ${proposal.profile.scepServerUrls.join(', ') || '(no URL)'}`;
    return diffLine(proposal, 'still to change');
  });
  const stillToChange = proposalsNow.filter((proposal) => proposal.changed && !changedIds.has(proposal.profile.id));
  const detailsNow = [...preLines, ...source, ...gate.lines, ...nowLines, MULTI_URL, CONFIG_MGR];
  const wrong = chosen.filter(
    (change) =>
      change?.changed &&
      JSON.stringify(after.find((profile) => profile.id === change.profile.id)?.scepServerUrls) !==
        JSON.stringify(change.after),
  );
  if (wrong.length)
    return {
      passed: false,
      summary: `Intune does not show the new URLs on ${wrong.map((change) => change?.profile.displayName).join(', ')} after the change.`,
      remedy:
        'Open the profiles in the Intune admin center and compare; roll back with this step (rollback) if needed.',
      details: detailsNow,
      profiles: profilesNow,
    };
  const untouched = chosen
    .filter((change) => change && !change.changed)
    .map((change) => `${change?.profile.displayName} (${change?.note ?? 'unchanged'})`);
  return {
    passed: true,
    summary: `${done.length ? `Changed ${done.length} profile(s): ${done.join(', ')}. Their earlier URLs are kept for rollback.` : 'Nothing was changed.'}${untouched.length ? ` Left as they are: ${untouched.join('; ')}.` : ''}${stillToChange.length ? ` Still to change once the pilot works: ${stillToChange.map((proposal) => `${proposal.profile.displayName} (${proposal.profile.id})`).join(', ')}.` : ''}`,
    details: detailsNow,
    profiles: profilesNow,
  };
}

/** What the profiles hold now: the external URL listed, and the internal one gone (when named). Never changes anything. */
export async function verifyIntune(context: StepContext): Promise<StepResult> {
  const cloudServices = cloudServicesOf(context);
  const request = intuneRequestOf({ ...context.inputs, action: 'list' });
  const profiles = await listScepProfiles(
    cloudServices.graph({ cloud: request.cloud.name }, context.runId),
    context.signal,
  );
  const lists = (profile: ScepProfile, url: string | null) =>
    url !== null && profile.scepServerUrls.some((item) => item.toLowerCase() === url.toLowerCase());
  const holding = profiles.filter((profile) => lists(profile, request.externalUrl));
  const stillInternal =
    request.mode === 'replace' ? profiles.filter((profile) => lists(profile, request.internalUrl)) : [];
  const details = profiles.map(
    (profile) =>
      `${profile.displayName} (${profile.odataType.replace('#microsoft.graph.', '')}): ${profile.scepServerUrls.join(', ') || '(no URL)'}`,
  );
  if (profiles.length === 0)
    return {
      passed: false,
      summary: 'No SCEP certificate profile was found in Intune.',
      remedy:
        'Create the SCEP profiles in the Intune admin center (with a trusted certificate profile for the same group).',
      details,
    };
  if (stillInternal.length)
    return {
      passed: false,
      summary: `${stillInternal.length} SCEP profile(s) still list ${request.internalUrl ?? ''}: ${stillInternal.map((profile) => profile.displayName).join(', ')}.`,
      remedy: 'Apply the change to them once the pilot works (this step, apply).',
      details,
    };
  if (holding.length === 0)
    return {
      passed: false,
      summary: `No SCEP profile lists ${request.externalUrl} yet.`,
      remedy: 'Apply the change to one profile first, as a pilot (this step, apply).',
      details,
    };
  return {
    passed: true,
    summary: `${holding.length} SCEP profile(s) list ${request.externalUrl}${request.internalUrl && request.mode === 'replace' ? `, and none still lists ${request.internalUrl}` : ''}.`,
    details,
  };
}
