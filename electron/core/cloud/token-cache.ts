import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';

/**
 * MSAL's token cache, kept in one file in the companion's data folder so the CLI's commands share
 * one sign-in. The file is written owner-only (0600) through a temporary file and a rename; on
 * Windows the data folder itself admits only Administrators and SYSTEM. It is not encrypted:
 * @azure/msal-node-extensions (DPAPI) cannot be installed here (its keytar dependency builds
 * natively and fetches from github.com), which --help and the README say plainly.
 */
export function fileCachePlugin(path: string): ICachePlugin & { clear(): void } {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      if (!existsSync(path)) return;
      try {
        context.tokenCache.deserialize(readFileSync(path, 'utf8'));
      } catch {
        // A damaged cache is a signed-out cache: it is set aside, never half-read.
        renameSync(path, `${path}.damaged-${Date.now()}`);
      }
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, context.tokenCache.serialize(), { encoding: 'utf8', mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, path);
    },
    clear() {
      rmSync(path, { force: true });
      const folder = dirname(path);
      const name = basename(path);
      for (const file of readdirSync(folder)) if (file.startsWith(`${name}.damaged-`)) rmSync(join(folder, file), { force: true });
    },
  };
}
