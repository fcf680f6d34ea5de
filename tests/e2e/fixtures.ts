import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type { Companion } from '../../electron/core/companion.ts';
import { attachPreview } from '../../electron/preview/host.ts';
import { previewSignInWindow, previewSystemBrowser } from '../../electron/preview/sign-in-page.ts';
import { appFiles } from '../../electron/platform/app-files.ts';
import { composeCompanion } from '../../electron/compose.ts';
import { labEdges } from '../lab/edges.ts';
import { startLabWorld, type LabWorld } from '../lab/world.ts';

export const root = join(import.meta.dirname, '..', '..');
const files = appFiles(root);

interface Fixtures {
  scenario: string;
  /** A state.json as an earlier session left it (written before the companion starts). */
  savedState: object | null;
  lab: LabWorld;
  /** The sign-in pages the preview host's sign-in window opened, newest last; a test acts as the admin in them. */
  signInPages: Page[];
  companion: Companion;
  app: Page;
}

/**
 * The app as the preview host serves it, over a fresh lab world: the real renderer, bridge,
 * gateway, handlers and runner, and our real scripts in PowerShell over the lab's fake Windows.
 */
export const test = base.extend<Fixtures>({
  scenario: ['healthy', { option: true }],
  savedState: [null, { option: true }],
  lab: async ({ scenario }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'ndes-e2e-'));
    const world = await startLabWorld({ root, dir, scenario });
    await use(world);
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern; this one has none.
  signInPages: async ({}, use) => {
    await use([]);
  },
  companion: async ({ lab, signInPages, savedState }, use) => {
    const edges = labEdges(lab.config());
    if (savedState) {
      mkdirSync(edges.dataDir, { recursive: true });
      writeFileSync(join(edges.dataDir, 'state.json'), JSON.stringify(savedState));
    }
    const companion = composeCompanion({
      host: 'preview',
      version: files.version,
      scriptsDir: files.scriptsDir,
      openExternal: async () => false,
      edges,
      signInWindow: previewSignInWindow({
        headed: false,
        ...(edges.signInBrowser ?? {}),
        onPage: (page) => signInPages.push(page as unknown as Page),
      }),
      openSignInBrowser: previewSystemBrowser({
        headed: false,
        ...(edges.signInBrowser ?? {}),
        onPage: (page) => signInPages.push(page as unknown as Page),
      }),
    });
    await use(companion);
    companion.close();
  },
  app: async ({ context, page, companion }, use) => {
    const session = await attachPreview(context, {
      rendererDir: files.rendererDir,
      bridgeScript: files.bridgeScript,
      handlers: companion.handlers,
    });
    await session.open(page);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Readiness');
    await use(page);
  },
});

/** What an admin does for the Sign-in step: run it, read the code off the log, type it in a browser. */
export async function signInByDeviceCode(app: Page, lab: LabWorld): Promise<void> {
  const steps = app.getByRole('navigation', { name: 'Runbook steps' });
  const log = app.getByRole('log', { name: 'Activity log' });
  await steps.getByRole('button', { name: /^Sign-in/ }).click();
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(log).toContainText('devicelogin');
  expect(lab.entra?.approveDeviceCode(/enter the code (\S+) \(/.exec((await log.textContent()) ?? '')?.[1] ?? '')).toBe(
    true,
  );
  await expect(steps.getByRole('button', { name: /^Sign-in/ })).toContainText('Passed');
}

export { expect };
