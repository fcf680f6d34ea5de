import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BYPASS_ENTRY, GUID, HOST_NAME } from '../../electron/core/checks/input-rules.ts';
import { proxyRequestOf } from '../../electron/core/steps/outbound-proxy/proxy.ts';
import { scriptsDir } from '../helpers/companion.ts';

/**
 * The app checks what an admin typed before any script starts; the scripts hold the same
 * parameters to their own ValidatePattern, for a run that does not come from the app. The two
 * must agree: a value the app accepts that the script refused would fail a change half-way.
 * Each pattern is read from the script as shipped. ValidatePattern ignores case unless told
 * otherwise (its Options named parameter, docs: "you can make the pattern case sensitive");
 * .NET's $ also matches before a final line break, which the runner never lets through (it
 * refuses any control character in an argument before PowerShell starts).
 */
function patternOf(script: string, parameter: string): RegExp {
  const source = readFileSync(join(scriptsDir, script), 'utf8');
  const line = source.split('\n').find((text) => text.includes(`$${parameter}`) && text.includes('ValidatePattern'));
  const pattern = /\[ValidatePattern\('((?:[^']|'')*)'\)\]/.exec(line ?? '')?.[1];
  if (!pattern) throw new Error(`${script} has no ValidatePattern on -${parameter}`);
  return new RegExp(pattern.replace(/''/g, "'"), 'i');
}

const HOSTS = [
  'ndes01.contoso.local',
  'NDES01',
  'a',
  'ndes-01.contoso.local',
  `${'a'.repeat(63)}.contoso.local`,
  `${'a'.repeat(64)}.contoso.local`,
  '-ndes.contoso.local',
  'ndes-.contoso.local',
  'ndes..contoso.local',
  'ndes.contoso.local.',
  'ndes_01.contoso.local',
  'ndes 01',
  'ndes01.contoso.local;evil',
  '*.contoso.local',
  '10.0.0.5',
  'ündes.contoso.local',
  '',
];

describe("the scripts' ValidatePattern and the app's rules agree", () => {
  it('Set-ConnectorProxy.ps1 -NdesHost: the same host names as HOST_NAME', () => {
    const script = patternOf('Set-ConnectorProxy.ps1', 'NdesHost');
    for (const host of HOSTS)
      expect({ host, script: script.test(host) }).toEqual({ host, script: HOST_NAME.test(host) });
  });

  it('Register-Connector.ps1 -TenantId: the same GUIDs as GUID', () => {
    const script = patternOf('Register-Connector.ps1', 'TenantId');
    for (const value of [
      '72f988bf-86f1-41af-91ab-2d7cd011db47',
      '72F988BF-86F1-41AF-91AB-2D7CD011DB47',
      '72f988bf86f141af91ab2d7cd011db47',
      '{72f988bf-86f1-41af-91ab-2d7cd011db47}',
      '72f988bf-86f1-41af-91ab-2d7cd011db4',
      'contoso.onmicrosoft.com',
      '',
    ])
      expect({ value, script: script.test(value) }).toEqual({ value, script: GUID.test(value) });
  });

  it('Set-ConnectorProxy.ps1 -Bypass: a list is valid when every entry is, as BYPASS_ENTRY judges it; the list the app hands on passes', () => {
    const script = patternOf('Set-ConnectorProxy.ps1', 'Bypass');
    // The script takes the whole list, ";" between entries: valid when every entry is.
    const list = (value: string) => value.split(';').every((entry) => BYPASS_ENTRY.test(entry));
    for (const value of [
      ...HOSTS,
      '*.contoso.local',
      '*.*.contoso.local',
      'pki.contoso.local;*.contoso.local',
      'a;;b',
      'a;',
    ])
      expect({ value, script: script.test(value) }).toEqual({ value, script: list(value) });
    const inputs = {
      proxyAddress: 'http://proxy.contoso.local:8080',
      bypass: 'pki.contoso.local, *.contoso.local crl.contoso.local',
    };
    const { bypass } = proxyRequestOf(inputs);
    expect(bypass).toBe('pki.contoso.local;*.contoso.local;crl.contoso.local');
    expect(script.test(bypass ?? '')).toBe(true);
  });

  it('Set-ConnectorProxy.ps1 -ProxyAddress: every address the app accepts, as the app hands it on', () => {
    const script = patternOf('Set-ConnectorProxy.ps1', 'ProxyAddress');
    for (const typed of [
      'http://proxy.contoso.local:8080',
      'HTTP://Proxy.Contoso.Local:8080/',
      'http://10.0.0.5:3128',
      'http://[fd00::5]:8080',
      'proxy.contoso.local:8080',
      'https://proxy.contoso.local',
    ]) {
      let address: string | null = null;
      try {
        address = proxyRequestOf({ proxyAddress: typed }).address;
      } catch {
        // Refused by the app: the script never sees it.
      }
      if (address !== null) expect({ typed, address, script: script.test(address) }).toMatchObject({ script: true });
    }
    // What the app refuses (credentials, a path) the script refuses too.
    for (const refused of ['http://user:pass@proxy:8080', 'http://proxy:8080/path', 'ftp://proxy:21'])
      expect({ refused, script: script.test(refused) }).toEqual({ refused, script: false });
  });
});
