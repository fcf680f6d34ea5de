import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenCacheContext, type ISerializableTokenCache } from '@azure/msal-node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cacheProtection,
  protectedTokenCache,
  type LockWait,
  type TokenCache,
} from '../../electron/core/cloud/token-cache.ts';
import { repoRoot } from '../helpers/companion.ts';

/**
 * The token cache through Microsoft's real @azure/msal-node-extensions and a real second
 * process holding the lock (nothing of either is mocked). Each access is driven the way MSAL
 * drives a cache plugin: beforeCacheAccess, the change, and afterCacheAccess in a finally, also
 * when beforeCacheAccess threw.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-token-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const QUICK: LockWait = { staleMs: 2_000, waitMs: 600 };

/** MSAL's in-memory cache as a plugin sees it: serialize and deserialize, which replaces. */
function memoryCache(): ISerializableTokenCache & { state: string } {
  return {
    state: '',
    serialize() {
      return this.state;
    },
    deserialize(text: string) {
      this.state = JSON.stringify(JSON.parse(text));
    },
  };
}

const TOKENS = JSON.stringify({
  Account: { a: { username: 'admin@contoso.com' } },
  IdToken: {},
  AccessToken: {},
  RefreshToken: { r: { secret: 'rt-PLANTED-0123456789abcdef' } },
  AppMetadata: {},
});
const EMPTY = JSON.stringify({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {}, AppMetadata: {} });

async function access(cache: TokenCache, memory: ReturnType<typeof memoryCache>, change?: string): Promise<void> {
  const context = new TokenCacheContext(memory, change !== undefined);
  try {
    await cache.beforeCacheAccess(context);
    if (change !== undefined) memory.state = change;
  } finally {
    await cache.afterCacheAccess(context);
  }
}

/** Another companion process holding the lock the way the cache takes it. */
async function holder(path: string): Promise<ChildProcess> {
  const script = `require('proper-lockfile').lock(process.argv[1], { realpath: false, stale: 2000 }).then(() => { process.stdout.write('locked'); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, ['-e', script, path], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

function folder(name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return join(path, 'msal-cache-global.json');
}

describe('the token cache (msal-node-extensions)', () => {
  it('a second process reads what the first wrote, and a sign-out in one is seen by the other', async () => {
    const path = folder('shared');
    const app = protectedTokenCache(path, QUICK);
    const appMemory = memoryCache();
    await access(app, appMemory, TOKENS);
    const cli = protectedTokenCache(path, QUICK);
    const cliMemory = memoryCache();
    await access(cli, cliMemory);
    expect(cliMemory.state).toBe(TOKENS);
    expect(readdirSync(join(dir, 'shared'))).toEqual(['msal-cache-global.json']);

    await cli.clear();
    await access(app, appMemory);
    expect(appMemory.state).toBe(EMPTY);
  });

  it.runIf(process.platform !== 'win32')(
    'off Windows it is the plain-file fallback, owner-only, as --help says',
    async () => {
      const path = folder('plain');
      await access(protectedTokenCache(path, QUICK), memoryCache(), TOKENS);
      expect(cacheProtection()).toBe('owner-only-plain-file');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toBe(TOKENS);
    },
  );

  // DPAPI exists only on Windows: the Windows workflow runs this test, Linux cannot.
  it.runIf(process.platform === 'win32')(
    'on Windows the file on disk is DPAPI-encrypted: the token is not in it, and it still reads back',
    async () => {
      const path = folder('dpapi');
      await access(protectedTokenCache(path, QUICK), memoryCache(), TOKENS);
      expect(cacheProtection()).toBe('dpapi-current-user');
      const onDisk = readFileSync(path);
      expect(onDisk.toString('latin1')).not.toContain('rt-PLANTED');
      expect(onDisk.toString('utf16le')).not.toContain('rt-PLANTED');
      const memory = memoryCache();
      await access(protectedTokenCache(path, QUICK), memory);
      expect(memory.state).toBe(TOKENS);
    },
  );

  it('while another process holds the lock: waits, says so, and neither writes nor takes that lock', async () => {
    const path = folder('held');
    const cache = protectedTokenCache(path, QUICK);
    await access(cache, memoryCache(), TOKENS);
    const other = await holder(path);
    try {
      const error = await access(cache, memoryCache(), EMPTY).catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'SIGN_IN_FAILED',
        message: expect.stringContaining('held by another companion process'),
        remediation: expect.stringContaining('Let the other'),
      });
      expect(existsSync(`${path}.lock`)).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(TOKENS);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('accesses side by side in one process (Graph calls run in parallel): a change written while a read waits for the lock is kept', async () => {
    const path = folder('side-by-side');
    const cache = protectedTokenCache(path, { staleMs: 2_000, waitMs: 10_000 });
    await access(cache, memoryCache(), EMPTY);
    const writer = memoryCache();
    const write = new TokenCacheContext(writer, true);
    await cache.beforeCacheAccess(write);
    // A read starts while the write holds the lock, and waits for it.
    const reader = memoryCache();
    const read = access(cache, reader);
    writer.state = TOKENS;
    await cache.afterCacheAccess(write);
    await read;
    expect(readFileSync(path, 'utf8')).toBe(TOKENS);
    expect(reader.state).toBe(TOKENS);
  });

  it('a lock left by a process killed while holding it is taken over once it goes stale', async () => {
    const path = folder('stale');
    await access(protectedTokenCache(path, QUICK), memoryCache(), TOKENS);
    const other = await holder(path);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    expect(existsSync(`${path}.lock`)).toBe(true);
    const memory = memoryCache();
    await access(protectedTokenCache(path, { staleMs: 2_000, waitMs: 5_000 }), memory);
    expect(memory.state).toBe(TOKENS);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('a damaged cache is set aside, the admin is signed out rather than half-read, and sign-out clears every copy', async () => {
    const path = folder('damaged');
    const cache = protectedTokenCache(path, QUICK);
    await access(cache, memoryCache(), TOKENS);
    writeFileSync(path, '{"RefreshToken": {"torn');
    const memory = memoryCache();
    memory.state = TOKENS;
    await access(cache, memory);
    expect(memory.state).toBe(EMPTY);
    expect(readdirSync(join(dir, 'damaged')).filter((name) => name.includes('.damaged-'))).toHaveLength(1);

    await access(cache, memoryCache(), TOKENS);
    await cache.clear();
    expect(readdirSync(join(dir, 'damaged'))).toEqual(['msal-cache-global.json']);
    expect(readFileSync(path, 'utf8')).not.toContain('rt-PLANTED');
  });
});
