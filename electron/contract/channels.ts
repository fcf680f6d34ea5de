import { z } from 'zod';
import type { ErrorCode, Failure } from './errors.ts';
import {
  type CheckReport,
  ModeSchema,
  StepIdSchema,
  type HostIdentity,
  type HostKind,
  type JournalEntry,
  type Mode,
  type Plan,
  type StepId,
  type StepOutcome,
  type StepView,
} from './model.ts';

/**
 * The one IPC contract. Every channel is declared here once: its request schema (checked in
 * the gateway before any handler runs), its response type, whether it streams progress
 * events, and the error codes it may answer with. Preload, the preview host, the CLI and the
 * renderer's API type are all derived from this object.
 */

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Step inputs the admin typed: a small flat map of short strings, nothing else. Reserved
 * names are refused before parsing, because a record parser would silently drop them.
 */
export const InputsSchema = z
  .custom<unknown>(
    (value) =>
      !(value !== null && typeof value === 'object' && [...FORBIDDEN_KEYS].some((key) => Object.hasOwn(value, key))),
    'reserved input name',
  )
  .pipe(
    z
      .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,63}$/), z.string().max(4096))
      .refine((value) => Object.keys(value).length <= 32, 'at most 32 inputs'),
  );

const RunIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/);

interface ChannelSpec<Req extends z.ZodType, Res> {
  request: Req;
  summary: string;
  /** True when the handler streams `progress` events while it works. */
  progress: boolean;
  /** Codes this channel may answer with, besides the gateway's own (`gatewayErrors`). */
  errors: readonly ErrorCode[];
  /** Phantom: carries the response type; never read at run time. */
  response?: Res;
}

function channel<Res>() {
  return <Req extends z.ZodType>(spec: Omit<ChannelSpec<Req, Res>, 'response'>): ChannelSpec<Req, Res> => spec;
}

const Empty = z.strictObject({});

/** Codes any channel may answer with, because the gateway itself produces them. */
export const gatewayErrors: readonly ErrorCode[] = [
  'SENDER_REJECTED',
  'UNKNOWN_CHANNEL',
  'INVALID_REQUEST',
  'INTERNAL',
];
const STEP_ERRORS: readonly ErrorCode[] = [
  'NOT_AVAILABLE',
  'NEEDS_SIGN_IN',
  'INVALID_REQUEST',
  'POWERSHELL_UNAVAILABLE',
  'POWERSHELL_FAILED',
  'POWERSHELL_BLOCKED',
  'SCRIPT_CHANGED',
  'TIMEOUT',
  'CANCELLED',
  'STATE_UNREADABLE',
];

/** A restart the connector installer asked for (3010) or started (1641), not yet seen to happen. */
export interface PendingRestartView {
  stepId: StepId;
  code: number;
  at: string;
  /** A scheduled task reopens the companion at the next logon. */
  arranged: boolean;
}

export interface AppInfo {
  name: string;
  version: string;
  host: HostKind;
  platform: string;
  mode: Mode;
  /** Set when the app runs against the lab's fake world rather than the real machine. */
  lab: boolean;
}

export const channels = {
  'app:info': channel<AppInfo>()({
    request: Empty,
    summary: 'Name, version, host kind, platform and current mode.',
    progress: false,
    errors: [],
  }),
  'runbook:list': channel<{ mode: Mode; steps: StepView[]; pendingRestart: PendingRestartView | null }>()({
    request: Empty,
    summary: 'The ten steps with their inputs and last known status.',
    progress: false,
    errors: [],
  }),
  'runbook:plan': channel<Plan>()({
    request: z.strictObject({ stepId: StepIdSchema, inputs: InputsSchema.optional(), mode: ModeSchema.optional() }),
    summary: 'What a step would do, command by command, without doing it (in the current mode unless one is given).',
    progress: false,
    errors: [],
  }),
  'runbook:run': channel<StepOutcome>()({
    request: z.strictObject({
      stepId: StepIdSchema,
      inputs: InputsSchema.optional(),
      runId: RunIdSchema.optional(),
      whatIf: z.boolean().optional(),
      /**
       * A secret the admin typed for this one run (Publish: the custom domain's PFX password). It
       * only travels in: never saved with the inputs, never journaled, never sent back to a window.
       */
      secrets: z.strictObject({ pfxPassword: z.string().min(1).max(256) }).optional(),
    }),
    summary: 'Carry a step out, streaming progress.',
    progress: true,
    errors: STEP_ERRORS,
  }),
  'runbook:verify': channel<StepOutcome>()({
    request: z.strictObject({ stepId: StepIdSchema, inputs: InputsSchema.optional(), runId: RunIdSchema.optional() }),
    summary: "Check that a step's result holds on this machine now.",
    progress: true,
    errors: STEP_ERRORS,
  }),
  'runbook:cancel': channel<{ cancelled: boolean; reason?: string }>()({
    request: z.strictObject({ runId: RunIdSchema }),
    summary: 'Cancel a running step; refused, with the reason, while stopping it would leave the server half-changed.',
    progress: false,
    errors: [],
  }),
  'checks:run': channel<CheckReport>()({
    request: z.strictObject({
      scope: z.enum(['readiness', 'verify', 'all']),
      groups: z
        .array(z.enum(['host', 'ndes', 'outbound', 'scep-internal', 'scep-external']))
        .max(5)
        .optional(),
      inputs: InputsSchema.optional(),
      runId: RunIdSchema.optional(),
    }),
    summary: 'Run readiness or verify checks (or one group of them again), streaming each result.',
    progress: true,
    errors: ['POWERSHELL_FAILED', 'POWERSHELL_BLOCKED', 'SCRIPT_CHANGED', 'TIMEOUT', 'CANCELLED'],
  }),
  'settings:set-mode': channel<{ mode: Mode }>()({
    request: z.strictObject({ mode: ModeSchema }),
    summary: 'Switch between guided (cloud calls) and offline runbook mode.',
    progress: false,
    errors: [],
  }),
  'host:identity': channel<HostIdentity>()({
    request: Empty,
    summary: 'Which server this is: name, OS, PowerShell, elevation (one PowerShell run).',
    progress: true,
    errors: [
      'POWERSHELL_UNAVAILABLE',
      'POWERSHELL_FAILED',
      'POWERSHELL_BLOCKED',
      'SCRIPT_CHANGED',
      'TIMEOUT',
      'CANCELLED',
    ],
  }),
  'journal:tail': channel<{ entries: JournalEntry[] }>()({
    request: z.strictObject({ limit: z.number().int().min(1).max(500).optional() }),
    summary: 'The newest journal entries, already redacted.',
    progress: false,
    errors: [],
  }),
  'runbook:resume-point': channel<{
    point: { stepId: StepId; interrupted: StepId[]; believedDone: StepId[] } | null;
  }>()({
    request: Empty,
    summary:
      'Where to carry on after a restart: an interrupted step first, else the first step not done; and the steps believed done, for Verify.',
    progress: false,
    errors: [],
  }),
  'report:export': channel<{
    format: 'markdown' | 'html' | 'pdf' | 'json' | 'summary';
    fileName: string;
    mimeType: string;
    text?: string;
    base64?: string;
  }>()({
    request: z.strictObject({ format: z.enum(['markdown', 'html', 'pdf', 'json', 'summary']) }),
    summary:
      'The runbook with evidence as it stands, redacted, in one format (a file to save, or the summary to copy).',
    progress: false,
    errors: ['NOT_AVAILABLE'],
  }),
  'support:bundle': channel<{ fileName: string; mimeType: string; base64: string; files: number; notes: string[] }>()({
    request: Empty,
    summary:
      "One zip for support: manifest, journal, runbook in every format, every script's output and excerpts PowerShell gathers (event logs, IIS mscep.dll lines, installer logs), all redacted.",
    progress: true,
    errors: ['CANCELLED', 'TIMEOUT'],
  }),
  'host:restart': channel<{ result: string; delaySeconds: number }>()({
    request: Empty,
    summary:
      'Restart the server in 60 seconds for the connector installer that asked for it (exit code 3010); refused otherwise. Journaled first.',
    progress: false,
    errors: [
      'INVALID_REQUEST',
      'POWERSHELL_UNAVAILABLE',
      'POWERSHELL_FAILED',
      'POWERSHELL_BLOCKED',
      'SCRIPT_CHANGED',
      'TIMEOUT',
    ],
  }),
  'help:open': channel<{ opened: boolean; url: string }>()({
    request: z.strictObject({ url: z.string().max(2048) }),
    summary: 'Open an allowlisted documentation page in the system browser.',
    progress: false,
    errors: ['NOT_ALLOWED'],
  }),
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export const channelNames = Object.keys(channels) as ChannelName[];

export type RequestOf<C extends ChannelName> = z.input<Channels[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<Channels[C]['request']>;
export type ResponseOf<C extends ChannelName> = NonNullable<Channels[C]['response']>;

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: Failure };

export { API_GLOBAL, EVENT_CHANNEL } from './constants.ts';

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(channels, value);
}
