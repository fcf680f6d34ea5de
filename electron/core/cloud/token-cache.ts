import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { IPersistence } from '@azure/msal-node-extensions';
import { lock } from 'proper-lockfile';
import { CompanionError } from '../errors.ts';

/** How the token cache file is kept: said by `--help`, `whoami`, and docs/cli.md. */
export type CacheProtection = 'dpapi-current-user' | 'owner-only-plain-file';

export interface TokenCache extends ICachePlugin {
  readonly protection: CacheProtection;
  /** Empties the cache (under the lock, so a running app sees it) and deletes any copy set aside. */
  clear(): Promise<void>;
}

export function cacheProtection(platform: NodeJS.Platform = process.platform): CacheProtection {
  return platform === 'win32' ? 'dpapi-current-user' : 'owner-only-plain-file';
}

export function describeCacheProtection(protection: CacheProtection = cacheProtection()): string {
  return protection === 'dpapi-current-user'
    ? 'encrypted with DPAPI for the signed-in Windows user'
    : 'a plain file, owner-only (0600), NOT encrypted (DPAPI exists only on Windows)';
}

export interface LockWait {
  /** A lock older than this (not refreshed by a live holder) is taken over. */
  staleMs: number;
  /** How long to wait for a live holder before saying so. */
  waitMs: number;
}
// MSAL holds the lock only while it merges and writes the cache (milliseconds); the library
// refreshes a held lock every staleMs/2, so only a dead holder's lock goes stale.
const LOCK_WAIT: LockWait = { staleMs: 10_000, waitMs: 15_000 };

// What an empty MSAL cache serialises to: deserialising it empties the in-memory cache too, so
// a sign-out by another process is seen by this one.
const EMPTY_CACHE = JSON.stringify({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {}, AppMetadata: {} });

/**
 * MSAL's token cache in one file in the companion's data folder, through Microsoft's
 * @azure/msal-node-extensions persistence, so that the CLI's commands and the app share one
 * sign-in: on Windows encrypted with DPAPI for the current user (checked with a round trip
 * before first use), elsewhere the extension's plain file, owner-only. The app and the CLI take
 * turns through a lock (proper-lockfile: a held lock is kept fresh, a dead holder's goes stale
 * and is taken over). The lock is held from MSAL's read to its write of one change, and only
 * when this process took it; a read that failed writes nothing. A cache that is not MSAL's JSON
 * (damaged, or encrypted for another Windows user) is set aside and the admin is signed out.
 */
export function protectedTokenCache(path: string, lockWait: LockWait = LOCK_WAIT): TokenCache {
  const protection = cacheProtection();
  let persistence: Promise<IPersistence> | undefined;
  /**
   * Per access (MSAL makes a context for each, and Graph calls run side by side): the lock this
   * process holds between MSAL's read and write of one change, kept only when the read succeeded,
   * so a write never overwrites what it did not read, and one access never cancels another's write.
   */
  const held = new WeakMap<TokenCacheContext, () => Promise<void>>();

  const open = (): Promise<IPersistence> => {
    persistence ??= openPersistence(path, protection).catch((error: unknown) => {
      persistence = undefined;
      throw error;
    });
    return persistence;
  };

  const take = async (): Promise<() => Promise<void>> => {
    mkdirSync(dirname(path), { recursive: true });
    try {
      return await lock(path, {
        realpath: false,
        stale: lockWait.staleMs,
        retries: {
          retries: Math.max(1, Math.ceil(lockWait.waitMs / 200)),
          factor: 1,
          minTimeout: 200,
          maxTimeout: 200,
        },
        // A lock taken over while held (the machine slept past staleMs): the next access re-reads.
        onCompromised: () => undefined,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new CompanionError(
          'SIGN_IN_FAILED',
          `The token cache ${path} is held by another companion process that has not let go for ${Math.round(lockWait.waitMs / 1000)} seconds.`,
          `Let the other companion window or CLI command finish (or close it), then try again. A lock left by a process that has ended is taken over after ${Math.round(lockWait.staleMs / 1000)} seconds.`,
        );
      }
      throw new CompanionError(
        'SIGN_IN_FAILED',
        `The token cache's lock ${path}.lock cannot be taken: ${firstLine(error)}`,
        'Check this account may write to the data folder, then try again.',
      );
    }
  };

  const load = async (context: TokenCacheContext): Promise<void> => {
    const store = await open();
    let text: string;
    try {
      text = existsSync(path) ? ((await store.load()) ?? '') : '';
    } catch (error) {
      // The extension reports a failed read and a failed decryption alike: the file is read
      // here to tell them apart. A file that reads but does not decrypt, where DPAPI works for
      // this account (open() checked), was encrypted for another Windows user.
      try {
        readFileSync(path);
      } catch {
        throw new CompanionError(
          'SIGN_IN_FAILED',
          `The token cache ${path} cannot be read: ${firstLine(error)}`,
          'Check nothing else holds the file (an antivirus scan, a backup), then try again.',
        );
      }
      if (protection !== 'dpapi-current-user')
        throw new CompanionError(
          'SIGN_IN_FAILED',
          `The token cache ${path} cannot be read: ${firstLine(error)}`,
          'Check nothing else holds the file, then try again.',
        );
      setAside(path);
      text = '';
    }
    try {
      context.tokenCache.deserialize(text.trim() === '' ? EMPTY_CACHE : text);
    } catch {
      // Not MSAL's JSON: set aside, never half-read; the admin signs in again.
      setAside(path);
      context.tokenCache.deserialize(EMPTY_CACHE);
    }
  };

  return {
    protection,
    async beforeCacheAccess(context: TokenCacheContext) {
      const release = await take();
      let readOk = false;
      try {
        await load(context);
        readOk = true;
      } finally {
        // A change is written in afterCacheAccess under the same lock; a plain read lets go now.
        if (context.cacheHasChanged && readOk) held.set(context, release);
        else await release().catch(() => undefined);
      }
    },
    async afterCacheAccess(context: TokenCacheContext) {
      // MSAL calls this in a finally, also when beforeCacheAccess threw: then nothing is written.
      const release = held.get(context);
      held.delete(context);
      if (!release) return;
      try {
        if (context.cacheHasChanged) await save(await open(), path, context.tokenCache.serialize());
      } finally {
        await release().catch(() => undefined);
      }
    },
    async clear() {
      const release = await take();
      try {
        if (existsSync(path)) await save(await open(), path, EMPTY_CACHE);
      } finally {
        await release().catch(() => undefined);
      }
      const folder = dirname(path);
      const name = basename(path);
      if (existsSync(folder))
        for (const file of readdirSync(folder))
          if (file.startsWith(`${name}.damaged-`)) rmSync(join(folder, file), { force: true });
    },
  };
}

/**
 * The two persistences the companion uses, loaded from the extension's own files on first use.
 * Its index also loads the Linux and macOS keychain persistences, which need keytar, a native
 * module compiled at install time against libsecret: the companion never uses them, so keytar's
 * install script is denied (package.json allowScripts) and nothing here reaches it. The files
 * are the extension's own, unchanged: DPAPI still loads its binding (bin/<arch>/dpapi.node,
 * prebuilt by Microsoft) relative to them.
 */
interface Persistences {
  FilePersistence: typeof import('@azure/msal-node-extensions').FilePersistence;
  FilePersistenceWithDataProtection: typeof import('@azure/msal-node-extensions').FilePersistenceWithDataProtection;
  DataProtectionScope: typeof import('@azure/msal-node-extensions').DataProtectionScope;
}

export const EXTENSION_PERSISTENCE_FILES = [
  'dist/persistence/FilePersistence.mjs',
  'dist/persistence/FilePersistenceWithDataProtection.mjs',
  'dist/persistence/DataProtectionScope.mjs',
] as const;

async function loadPersistences(): Promise<Persistences> {
  const folder = dirname(createRequire(import.meta.url).resolve('@azure/msal-node-extensions/package.json'));
  const [file, withDataProtection, scope] = await Promise.all(
    EXTENSION_PERSISTENCE_FILES.map(
      (relative) => import(pathToFileURL(join(folder, relative)).href) as Promise<Record<string, unknown>>,
    ),
  );
  const loaded = {
    FilePersistence: file?.['FilePersistence'],
    FilePersistenceWithDataProtection: withDataProtection?.['FilePersistenceWithDataProtection'],
    DataProtectionScope: scope?.['DataProtectionScope'],
  };
  for (const [name, value] of Object.entries(loaded))
    if (value === undefined) throw new Error(`${name} is not where version ${extensionVersion(folder)} keeps it`);
  return loaded as unknown as Persistences;
}

function extensionVersion(folder: string): string {
  try {
    return String((JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
}

/**
 * The extension is loaded on first use, not at start: a missing file then fails a sign-in with
 * a clear message instead of every command. On Windows, DPAPI is proven with a round trip
 * first, so a logon without DPAPI keys is said before a sign-in is thrown away.
 */
async function openPersistence(path: string, protection: CacheProtection): Promise<IPersistence> {
  let extensions: Persistences;
  try {
    extensions = await loadPersistences();
  } catch (error) {
    throw new CompanionError(
      'SIGN_IN_FAILED',
      `The token cache cannot be kept: @azure/msal-node-extensions did not load (${firstLine(error)}).`,
      'Reinstall the companion; from source, run npm ci again.',
    );
  }
  try {
    if (protection !== 'dpapi-current-user') return await extensions.FilePersistence.create(path);
    const store = await extensions.FilePersistenceWithDataProtection.create(
      path,
      extensions.DataProtectionScope.CurrentUser,
    );
    if (!(await store.verifyPersistence())) throw new Error('the DPAPI round trip did not give back what was written');
    return store;
  } catch (error) {
    if (protection === 'dpapi-current-user') {
      throw new CompanionError(
        'SIGN_IN_FAILED',
        `Windows could not encrypt the token cache for this account with DPAPI: ${firstLine(error)}`,
        'Run the companion from an interactive logon on the server (not a remote PowerShell session or a service account without a profile), then sign in again.',
      );
    }
    throw new CompanionError(
      'SIGN_IN_FAILED',
      `The token cache ${path} cannot be opened: ${firstLine(error)}`,
      'Check the data folder exists and this account may write to it, then sign in again.',
    );
  }
}

async function save(store: IPersistence, path: string, text: string): Promise<void> {
  try {
    await store.save(text);
  } catch (error) {
    throw new CompanionError(
      'SIGN_IN_FAILED',
      `The token cache ${path} cannot be written: ${firstLine(error)}`,
      'Check nothing else holds the file and the disk is not full, then sign in again.',
    );
  }
}

function setAside(path: string): void {
  try {
    if (existsSync(path)) renameSync(path, `${path}.damaged-${Date.now()}`);
  } catch (error) {
    throw new CompanionError(
      'SIGN_IN_FAILED',
      `The token cache ${path} cannot be read and cannot be set aside: ${firstLine(error)}`,
      'Delete the file by hand (you will sign in again), then try again.',
    );
  }
}

function firstLine(error: unknown): string {
  return (
    String(error instanceof Error ? error.message : error)
      .split(/\r?\n/)[0]
      ?.slice(0, 300) ?? 'unknown error'
  );
}
