import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { DataProtectionScope, FilePersistence, FilePersistenceWithDataProtection, PersistenceCachePlugin, type IPersistence } from '@azure/msal-node-extensions';
import { CompanionError } from '../errors.ts';
import { processAlive } from '../process-alive.ts';

/** How the token cache file is kept: said by `--help`, the README and the sign-in status. */
export type CacheProtection = 'dpapi-current-user' | 'owner-only-plain-file';

export interface TokenCache extends ICachePlugin {
  readonly protection: CacheProtection;
  /** Deletes the cache, its lock and any copy set aside. */
  clear(): Promise<void>;
}

export function cacheProtection(platform: NodeJS.Platform = process.platform): CacheProtection {
  return platform === 'win32' ? 'dpapi-current-user' : 'owner-only-plain-file';
}

/** Said in `--help` and the README: the admin must know whether a token on disk is encrypted. */
export function describeCacheProtection(protection: CacheProtection): string {
  return protection === 'dpapi-current-user'
    ? 'encrypted with DPAPI for the signed-in Windows user, in the data folder (Administrators and SYSTEM only)'
    : 'a plain file in the data folder, owner-only (0600), NOT encrypted (DPAPI exists only on Windows)';
}

// A lock held this long belongs to a process that is stuck, not one finishing a write.
const LOCK_WAIT = { retryNumber: 100, retryDelay: 100 };

/**
 * MSAL's token cache in one file in the companion's data folder, through Microsoft's
 * @azure/msal-node-extensions, so that the CLI's commands and the app share one sign-in. On
 * Windows the file is encrypted with DPAPI for the current user; elsewhere (development, CI)
 * it is the extension's plain file, owner-only. The extension's lock file serialises the
 * processes; a lock left by a process that no longer runs (a kill during a refresh) is removed
 * rather than waited on, and a cache that cannot be read (damaged, or encrypted for another
 * Windows user) is set aside and the admin is simply signed out, never half-read.
 */
export function protectedTokenCache(path: string, lockWait: { retryNumber: number; retryDelay: number } = LOCK_WAIT): TokenCache {
  const protection = cacheProtection();
  const lockPath = `${path}.lockfile`;
  let plugin: Promise<PersistenceCachePlugin> | undefined;

  const open = (): Promise<PersistenceCachePlugin> => {
    plugin ??= (async () => {
      const persistence: IPersistence = protection === 'dpapi-current-user'
        ? await FilePersistenceWithDataProtection.create(path, DataProtectionScope.CurrentUser)
        : await FilePersistence.create(path);
      return new PersistenceCachePlugin(persistence, lockWait);
    })().catch((error: unknown) => {
      plugin = undefined;
      throw new CompanionError('SIGN_IN_FAILED', `The token cache ${path} cannot be opened: ${firstLine(error)}`, 'Check the data folder exists and this account may write to it, then sign in again.');
    });
    return plugin;
  };

  const before = async (context: TokenCacheContext): Promise<void> => {
    removeDeadLock(lockPath);
    try {
      await (await open()).beforeCacheAccess(context);
    } catch (error) {
      if (error instanceof CompanionError) throw error;
      if (isLockTimeout(error)) throw new CompanionError('SIGN_IN_FAILED', `The token cache is held by another companion process that has not let go for ${Math.round((lockWait.retryNumber * lockWait.retryDelay) / 1000)} seconds.`, 'Close the other companion window or CLI command, then try again.');
      releaseOwnLock(lockPath);
      setAside(path);
      plugin = undefined;
      await (await open()).beforeCacheAccess(context);
    }
  };

  return {
    protection,
    beforeCacheAccess: before,
    async afterCacheAccess(context: TokenCacheContext) {
      await (await open()).afterCacheAccess(context);
    },
    async clear() {
      plugin = undefined;
      rmSync(path, { force: true });
      removeDeadLock(lockPath);
      releaseOwnLock(lockPath);
      const folder = dirname(path);
      const name = basename(path);
      if (existsSync(folder)) for (const file of readdirSync(folder)) if (file.startsWith(`${name}.damaged-`)) rmSync(join(folder, file), { force: true });
    },
  };
}

function lockHolder(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function removeDeadLock(lockPath: string): void {
  const pid = lockHolder(lockPath);
  if (pid !== undefined && pid !== process.pid && !processAlive(pid)) rmSync(lockPath, { force: true });
}

function releaseOwnLock(lockPath: string): void {
  if (lockHolder(lockPath) === process.pid) rmSync(lockPath, { force: true });
}

function setAside(path: string): void {
  if (existsSync(path)) renameSync(path, `${path}.damaged-${Date.now()}`);
}

function isLockTimeout(error: unknown): boolean {
  return /acquire lock/i.test(String((error as Error | undefined)?.message ?? error));
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split(/\r?\n/)[0]?.slice(0, 300) ?? 'unknown error';
}
