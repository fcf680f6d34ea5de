import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAllowedExternalUrl } from '../../electron/core/runbook/docs.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/core/security/csp.ts';
import { serveRendererFile } from '../../electron/core/security/renderer-files.ts';
import { isPermissionGranted, windowOptions } from '../../electron/main/window-options.ts';

describe('window hardening', () => {
  it('isolates, sandboxes and never grants Node to the page', () => {
    const { webPreferences } = windowOptions('/app/preload.cjs');
    expect(webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
  });

  it("grants the page one permission, clipboard writing for its Copy buttons, and only to the app's own main frame", () => {
    expect(isPermissionGranted('clipboard-sanitized-write', 'app://bundle/index.html', true)).toBe(true);
    expect(isPermissionGranted('clipboard-sanitized-write', 'app://bundle/index.html', false)).toBe(false);
    expect(isPermissionGranted('clipboard-sanitized-write', 'app://other/index.html', true)).toBe(false);
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://bundle/index.html', true)).toBe(false);
    expect(isPermissionGranted('clipboard-sanitized-write', undefined, true)).toBe(false);
    for (const permission of ['clipboard-read', 'media', 'notifications', 'geolocation', 'openExternal'])
      expect(isPermissionGranted(permission, 'app://bundle/index.html', true)).toBe(false);
  });

  it("has a CSP that allows only the app's own scripts and styles", () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(eval|inline)|https?:|\*/);
  });
});

describe('openExternal allowlist', () => {
  it.each([
    ['https://learn.microsoft.com/entra/identity/app-proxy/app-proxy-protect-ndes', true],
    ['https://entra.microsoft.com/', true],
    ['http://learn.microsoft.com/', false],
    ['https://learn.microsoft.com.evil.example/', false],
    ['https://user:pw@learn.microsoft.com/', false],
    ['https://learn.microsoft.com:8443/', false],
    ['file:///C:/Windows/System32/calc.exe', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedExternalUrl(url)).toBe(allowed);
  });
});

describe('renderer file serving', () => {
  const root = mkdtempSync(join(tmpdir(), 'ndes-renderer-'));
  const rendererDir = join(root, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'export {}');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves the app with its CSP and content type', async () => {
    const file = await serveRendererFile(rendererDir, '/assets/app.js');
    expect(file.status).toBe(200);
    expect(file.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(file.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await serveRendererFile(rendererDir, '/')).body.toString()).toBe('<!doctype html>');
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2F..%2Fsecret.txt',
    '/..\\secret.txt',
    '/%00',
    '/%E0%A4%A',
    '/missing.js',
  ])('refuses %s', async (path) => {
    const file = await serveRendererFile(rendererDir, path);
    expect(file.status).toBe(404);
    expect(file.body.toString()).not.toContain('outside');
  });
});
