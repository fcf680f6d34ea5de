import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { apiPaths, listApiPaths } from '../../electron/contract/api.ts';
import { API_GLOBAL, EVENT_CHANNEL, channelNames, channels } from '../../electron/contract/channels.ts';
import { repoRoot, testCompanion } from '../helpers/companion.ts';

const contractPaths = [...apiPaths().map(({ domain, method }) => `${domain}.${method}`), 'events.on'].sort();

/** Evaluates the built preload bundle with a stand-in for the `electron` module it requires. */
function preloadApi(): { paths: string[]; invoked: string[]; api: unknown } {
  let exposed: unknown;
  const invoked: string[] = [];
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (name: string, api: unknown) => name === API_GLOBAL && (exposed = api) },
    ipcRenderer: {
      invoke: async (channel: string) => invoked.push(channel),
      on: () => undefined,
      removeListener: () => undefined,
    },
  };
  const code = readFileSync(join(repoRoot, 'dist', 'preload', 'index.cjs'), 'utf8');
  const module = { exports: {} };
  vm.runInNewContext(code, {
    module,
    exports: module.exports,
    require: (name: string) => {
      if (name === 'electron') return fakeElectron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    },
  });
  return { paths: listApiPaths(exposed), invoked, api: exposed };
}

/** Evaluates the built preview bridge as the init script would, with the binding present. */
function previewApi(): { paths: string[]; calls: string[] } {
  const calls: string[] = [];
  const window: Record<string, unknown> = { __companionIpc: async (channel: string) => calls.push(channel) };
  vm.runInNewContext(readFileSync(join(repoRoot, 'dist', 'preview', 'bridge.js'), 'utf8'), { window, Object, Set });
  return { paths: listApiPaths(window[API_GLOBAL]), calls };
}

describe('one contract, three surfaces', () => {
  it('the preload exposes exactly the contract (and needs only electron)', async () => {
    const { paths } = preloadApi();
    expect(paths).toEqual(contractPaths);
  });

  it('the preview host forwards exactly the contract', () => {
    expect(previewApi().paths).toEqual(contractPaths);
  });

  it('every API method of the preload invokes its own channel', async () => {
    const { invoked, api } = preloadApi();
    expect(invoked).toEqual([]);
    const methods = api as Record<string, Record<string, (request?: unknown) => Promise<unknown>>>;
    for (const { domain, method } of apiPaths()) await methods[domain]?.[method]?.({});
    expect(invoked).toEqual(channelNames);
  });

  it('every API method of the preview bridge calls its own channel', async () => {
    const window: Record<string, unknown> = {};
    const calls: string[] = [];
    window.__companionIpc = async (channel: string) => calls.push(channel);
    vm.runInNewContext(readFileSync(join(repoRoot, 'dist', 'preview', 'bridge.js'), 'utf8'), { window, Object, Set });
    const api = window[API_GLOBAL] as Record<string, Record<string, (request?: unknown) => Promise<unknown>>>;
    for (const { domain, method } of apiPaths()) await api[domain]?.[method]?.({});
    expect(calls).toEqual(channelNames);
  });

  it('every channel has a handler, a schema and a summary', () => {
    const subject = testCompanion();
    try {
      expect(Object.keys(subject.companion.handlers).sort()).toEqual([...channelNames].sort());
      for (const name of channelNames) {
        expect(channels[name].summary.length).toBeGreaterThan(10);
        expect(typeof channels[name].request.safeParse).toBe('function');
      }
    } finally {
      subject.dispose();
    }
  });

  it('channel names are domain:verb and the event channel is not one of them', () => {
    for (const name of channelNames) expect(name).toMatch(/^[a-z]+:[a-z]+(-[a-z]+)*$/);
    expect(channelNames).not.toContain(EVENT_CHANNEL);
  });
});
