import { afterAll, describe, expect, it } from 'vitest';
import { channelNames, channels, gatewayErrors } from '../../electron/contract/channels.ts';
import { errorCodes } from '../../electron/contract/errors.ts';
import { createGateway, type Sender } from '../../electron/core/ipc/gateway.ts';
import { testCompanion } from '../helpers/companion.ts';

const ORIGIN = 'app://bundle';
const known = new Set([7]);
const subject = testCompanion();
const gateway = createGateway(subject.companion.handlers, { origin: ORIGIN, isKnownContents: (id) => known.has(id) });
afterAll(() => subject.dispose());

function sender(overrides: Partial<Sender> = {}): Sender {
  return { frameUrl: `${ORIGIN}/index.html`, isMainFrame: true, contentsId: 7, emit: () => undefined, ...overrides };
}

describe('gateway sender check', () => {
  const wrongSenders: [string, Partial<Sender>][] = [
    ['a page from another origin', { frameUrl: 'https://evil.example/index.html' }],
    ['an app:// page on another host', { frameUrl: 'app://other/index.html' }],
    ['a file:// page', { frameUrl: 'file:///C:/index.html' }],
    ['a sub-frame of the app window', { isMainFrame: false }],
    ['a frame that is gone', { frameUrl: null }],
    ['contents the host did not create', { contentsId: 99 }],
    ['an unparsable URL', { frameUrl: 'not a url' }],
  ];
  it.each(wrongSenders)('refuses %s', async (_name, overrides) => {
    const result = await gateway.dispatch(sender(overrides), 'runbook:list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'SENDER_REJECTED' } });
  });

  it('serves the app window', async () => {
    const result = await gateway.dispatch(sender(), 'runbook:list', {});
    expect(result.ok).toBe(true);
    if (result.ok) expect((result.value as { steps: unknown[] }).steps).toHaveLength(10);
  });

  it('refuses a channel outside the contract', async () => {
    expect(await gateway.dispatch(sender(), 'shell:exec', {})).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL' },
    });
    expect(await gateway.dispatch(sender(), '__proto__', {})).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL' },
    });
    expect(await gateway.dispatch(sender(), 'toString', {})).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL' },
    });
  });
});

/** Small deterministic PRNG so a failing payload can be reproduced from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function deep(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i += 1) value = { nested: value, list: [value] };
  return value;
}

function randomPayload(random: () => number): unknown {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const scalar = () =>
    pick<unknown>([
      null,
      undefined,
      true,
      false,
      0,
      -1,
      1e308,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '',
      'x',
      'readiness',
      'guided',
      'offline',
      '-Command',
      '${env:PATH}',
      '\u0000',
      '..\\..\\windows',
      'A'.repeat(1 + Math.floor(random() * 70_000)),
    ]);
  switch (Math.floor(random() * 10)) {
    case 0:
      return scalar();
    case 1:
      return JSON.parse('{"__proto__":{"polluted":true},"stepId":"readiness"}');
    case 2:
      return JSON.parse('{"constructor":{"prototype":{"polluted":true}},"mode":"offline"}');
    case 3:
      return deep(2_000 + Math.floor(random() * 3_000));
    case 4:
      return {
        stepId: pick(['readiness', 'publish', 'nope', 7, null]),
        inputs: { __proto__: { polluted: true }, [pick(['a', 'constructor', 'prototype', 'x'.repeat(200)])]: scalar() },
      };
    case 5:
      return {
        stepId: 'readiness',
        inputs: Object.fromEntries(
          Array.from({ length: 1 + Math.floor(random() * 60) }, (_, i) => [`k${i}`, String(scalar())]),
        ),
      };
    case 6:
      return Array.from({ length: Math.floor(random() * 50) }, scalar);
    case 7:
      return {
        mode: scalar(),
        runId: scalar(),
        limit: pick([0, 1, 500, 501, -5, 1.5, '10']),
        url: pick(['https://evil.example/', 'javascript:alert(1)', 'https://learn.microsoft.com/x', scalar()]),
      };
    case 8:
      return { [String(scalar()).slice(0, 40)]: scalar(), extra: deep(20) };
    default:
      return new Map([['stepId', 'readiness']]);
  }
}

describe('gateway under 1,000 random and malformed payloads per channel', () => {
  it.each(channelNames)('%s answers every payload with a typed envelope', async (channel) => {
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    const random = prng(channel.length * 7919);
    // Every payload the contract refuses goes through the gateway; of those it accepts, the first
    // ten do. The storm is about the envelope: more valid requests would only repeat the
    // handler's work (a whole support bundle each, over a journal that grows with every one),
    // which the channel's own tests cover.
    let accepted = 0;
    try {
      for (let i = 0; i < 1_000; i += 1) {
        const payload = randomPayload(random);
        if (channels[channel].request.safeParse(payload).success && ++accepted > 10) continue;
        const result = await gateway.dispatch(sender(), channel, payload);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) {
          expect(errorCodes).toContain(result.error.code);
          // Only the codes the contract declares for this channel (or the gateway's own).
          expect([...gatewayErrors, ...channels[channel].errors]).toContain(result.error.code);
          expect(result.error.message.length).toBeGreaterThan(0);
          expect(result.error.message.length).toBeLessThan(2_000);
          expect(result.error.remediation.length).toBeGreaterThan(0);
        }
      }
    } finally {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
    expect(crashes).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // After the storm the gateway still serves a well-formed request.
    expect((await gateway.dispatch(sender(), 'app:info', {})).ok).toBe(true);
  });
});
