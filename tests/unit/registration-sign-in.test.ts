import { describe, expect, it } from 'vitest';
import { CLOUDS } from '../../electron/core/cloud/clouds.ts';
import {
  codeFromRedirect,
  nativeClientRedirect,
  registrationScope,
} from '../../electron/core/cloud/registration-token.ts';
import {
  electronProxyRules,
  loopbackNavigation,
  signInNavigation,
  signInWindowOptions,
} from '../../electron/main/sign-in-rules.ts';

const redirect = nativeClientRedirect(CLOUDS.global);
const state = '5d3c1f0e-2b4a-4c6d-8e9f-0a1b2c3d4e5f';

describe('the address a registration sign-in ends on', () => {
  it("gives the code when it is the nativeclient redirect with this sign-in's state", () => {
    expect(codeFromRedirect(`${redirect}?code=abc123&state=${state}&session_state=x`, redirect, state)).toBe('abc123');
    // Pasted with the spaces a terminal adds around it.
    expect(codeFromRedirect(`  ${redirect}?code=abc123&state=${state}\n`, redirect, state)).toBe('abc123');
  });

  it('refuses an answer from another sign-in (state), another host or path, or without a code', () => {
    expect(() => codeFromRedirect(`${redirect}?code=abc123&state=other`, redirect, state)).toThrow(
      'The sign-in answer belongs to another sign-in (its state does not match).',
    );
    expect(() =>
      codeFromRedirect(`https://evil.example/common/oauth2/nativeclient?code=abc123&state=${state}`, redirect, state),
    ).toThrow(
      'The sign-in ended on https://evil.example/common/oauth2/nativeclient, not on https://login.microsoftonline.com/common/oauth2/nativeclient.',
    );
    expect(() => codeFromRedirect(`${redirect}?state=${state}`, redirect, state)).toThrow(
      'The address holds no sign-in code.',
    );
    expect(() => codeFromRedirect('code=abc123', redirect, state)).toThrow(
      'That is not the address the sign-in ended on.',
    );
  });

  it("says what Entra ID refused, in people's words", () => {
    expect(() =>
      codeFromRedirect(
        `${redirect}?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent&state=${state}`,
        redirect,
        state,
      ),
    ).toThrow('The sign-in was declined.');
    expect(() =>
      codeFromRedirect(
        `${redirect}?error=invalid_request&error_description=AADSTS50011%3A+redirect+mismatch`,
        redirect,
        state,
      ),
    ).toThrow("Microsoft Entra ID refused the redirect address for the connector's registration client.");
  });

  it('the registration scope is documented for the global cloud only', () => {
    expect(registrationScope(CLOUDS.global)).toBe('https://proxy.cloudwebappproxy.net/registerapp/user_impersonation');
    expect(registrationScope(CLOUDS.usgov)).toBeNull();
    expect(nativeClientRedirect(CLOUDS.usgov)).toBe('https://login.microsoftonline.us/common/oauth2/nativeclient');
  });
});

describe('the sign-in window', () => {
  it('ends at the redirect, walks https sign-in pages, and refuses everything else', () => {
    expect(signInNavigation(`${redirect}?code=x&state=y`, redirect)).toBe('finish');
    expect(
      signInNavigation(
        'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize?x=1',
        redirect,
      ),
    ).toBe('allow');
    expect(signInNavigation('https://adfs.contoso.com/adfs/ls/?wa=wsignin1.0', redirect)).toBe('allow');
    for (const url of [
      'http://login.microsoftonline.com/',
      'file:///C:/Windows/System32/',
      'ms-settings:privacy',
      'javascript:alert(1)',
      'not a url',
    ])
      expect(signInNavigation(url, redirect)).toBe('block');
  });

  it('gets nothing of the app: no preload, sandboxed, an in-memory session of its own', () => {
    const options = signInWindowOptions('sign-in-1');
    expect(options.webPreferences).not.toHaveProperty('preload');
    expect(options.webPreferences).toMatchObject({
      partition: 'sign-in-1',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      devTools: false,
    });
    expect(options.webPreferences.partition.startsWith('persist:')).toBe(false);
  });
});

describe("the Graph sign-in's window (loopback)", () => {
  it("reaches https sign-in pages and msal-node's loopback on this machine only", () => {
    const loopback = 'http://localhost:53111';
    expect(loopbackNavigation('http://localhost:53111/', loopback)).toBe('allow');
    expect(
      loopbackNavigation('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?x=1', loopback),
    ).toBe('allow');
    for (const url of ['http://localhost:53112/', 'http://127.0.0.1:53111/', 'http://evil.example/', 'file:///C:/'])
      expect(loopbackNavigation(url, loopback)).toBe('block');
  });

  it("goes out through the companion's proxy", () => {
    expect(electronProxyRules('http://proxy.contoso.local:8080')).toBe(
      'http=proxy.contoso.local:8080;https=proxy.contoso.local:8080',
    );
  });
});
