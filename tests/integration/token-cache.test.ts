import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenCacheContext, type ISerializableTokenCache } from '@azure/msal-node';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheProtection, protectedTokenCache } from '../../electron/core/cloud/token-cache.ts';

/**
 * The token cache through Microsoft's real @azure/msal-node-extensions (nothing of it is
 * mocked): what an admin notices is whether a sign-in survives, is shared, is forgotten, and
 * never blocks on a process that died holding the lock.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-token-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** MSAL's in-memory cache as the plugin sees it: serialize and deserialize only. */
function memoryCache(initial = ''): ISerializableTokenCache & { text: string } {
  return {
    text: initial,
    serialize() {
      return this.text;
    },
    deserialize(text: string) {
      JSON.parse(text);
      this.text = text;
    },
  };
}

const SECRET_LOOKING = JSON.stringify({ RefreshToken: { one: { secret: 'rt-PLANTED-0123456789abcdef' } } });

async function write(path: string, text: string, lockWait?: { retryNumber: number; retryDelay: number }): Promise<void> {
  const cache = protectedTokenCache(path, lockWait);
  const memory = memoryCache(text);
  const context = new TokenCacheContext(memory, true);
  await cache.beforeCacheAccess(context);
  memory.text = text;
  await cache.afterCacheAccess(context);
}

async function read(path: string, lockWait?: { retryNumber: number; retryDelay: number }): Promise<string> {
  const cache = protectedTokenCache(path, lockWait);
  const memory = memoryCache();
  const context = new TokenCacheContext(memory, false);
  await cache.beforeCacheAccess(context);
  await cache.afterCacheAccess(context);
  return memory.text;
}

/** A pid no process has any more: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the token cache (msal-node-extensions)', () => {
  it('a second process reads what the first wrote, and nothing else is left beside it', async () => {
    const path = join(dir, 'shared', 'msal-cache-global.json');
    await write(path, SECRET_LOOKING);
    expect(await read(path)).toBe(SECRET_LOOKING);
    expect(readdirSync(join(dir, 'shared'))).toEqual(['msal-cache-global.json']);
  });

  it.runIf(process.platform !== 'win32')('off Windows it is the plain-file fallback, owner-only, as --help says', async () => {
    const path = join(dir, 'plain', 'msal-cache-global.json');
    await write(path, SECRET_LOOKING);
    expect(cacheProtection()).toBe('owner-only-plain-file');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(SECRET_LOOKING);
  });

  // DPAPI exists only on Windows: the Windows workflow runs this test, Linux cannot.
  it.runIf(process.platform === 'win32')('on Windows the file on disk is DPAPI-encrypted: the token is not in it, and it still reads back', async () => {
    const path = join(dir, 'dpapi', 'msal-cache-global.json');
    await write(path, SECRET_LOOKING);
    expect(cacheProtection()).toBe('dpapi-current-user');
    const onDisk = readFileSync(path);
    expect(onDisk.toString('latin1')).not.toContain('rt-PLANTED');
    expect(onDisk.toString('utf16le')).not.toContain('rt-PLANTED');
    expect(await read(path)).toBe(SECRET_LOOKING);
  });

  it('a lock left by a process that was killed is removed, not waited on', async () => {
    const path = join(dir, 'stale', 'msal-cache-global.json');
    await write(path, SECRET_LOOKING);
    writeFileSync(`${path}.lockfile`, String(deadPid()));
    expect(await read(path, { retryNumber: 5, retryDelay: 20 })).toBe(SECRET_LOOKING);
    expect(existsSync(`${path}.lockfile`)).toBe(false);
  });

  it('a lock held by a live process is waited on, then refused with what to do', async () => {
    const path = join(dir, 'held', 'msal-cache-global.json');
    await write(path, SECRET_LOOKING);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(`${path}.lockfile`, String(holder.pid));
      const error = await read(path, { retryNumber: 5, retryDelay: 20 }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'SIGN_IN_FAILED', message: expect.stringContaining('held by another companion process'), remediation: expect.stringContaining('Close the other') });
      expect(existsSync(`${path}.lockfile`)).toBe(true);
    } finally {
      holder.kill();
    }
  });

  it('a damaged cache is set aside, the admin is signed out rather than half-read, and sign-out clears every copy', async () => {
    const path = join(dir, 'damaged', 'msal-cache-global.json');
    await write(path, SECRET_LOOKING);
    writeFileSync(path, '{"RefreshToken": {"torn');
    expect(await read(path)).toBe('');
    const aside = readdirSync(join(dir, 'damaged')).filter((name) => name.includes('.damaged-'));
    expect(aside).toHaveLength(1);
    expect(existsSync(`${path}.lockfile`)).toBe(false);

    await write(path, SECRET_LOOKING);
    await protectedTokenCache(path).clear();
    expect(readdirSync(join(dir, 'damaged'))).toEqual([]);
  });
});
