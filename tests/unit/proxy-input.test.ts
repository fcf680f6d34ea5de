import { describe, expect, it } from 'vitest';
import { proxyPlan, proxyRequestOf } from '../../electron/core/steps/outbound-proxy/proxy.ts';
import { CompanionError } from '../../electron/core/errors.ts';

function refusal(inputs: Record<string, string>): CompanionError {
  try {
    proxyRequestOf(inputs);
  } catch (error) {
    return error as CompanionError;
  }
  throw new Error('accepted');
}

describe('outbound proxy inputs', () => {
  it('normalises the address to http://host:port, the form the connector config holds', () => {
    expect(proxyRequestOf({ proxyAddress: ' HTTP://Proxy.Contoso.Local ' }).address).toBe(
      'http://proxy.contoso.local:80',
    );
    expect(proxyRequestOf({ proxyAddress: 'http://10.0.0.8:3128/' }).address).toBe('http://10.0.0.8:3128');
  });

  it('refuses what the connector cannot use, saying what to type', () => {
    expect(refusal({ proxyAddress: 'proxy.contoso.local:8080' }).message).toContain(
      'Only http:// and https:// addresses work here',
    );
    expect(refusal({ proxyAddress: 'https://proxy.contoso.local:8443' }).message).toContain('starts with http://');
    expect(refusal({ proxyAddress: 'http://proxy.contoso.local:8080/path' }).message).toContain(
      'only scheme, host and port',
    );
    expect(refusal({ proxyAddress: 'ftp://proxy' }).code).toBe('INVALID_REQUEST');
  });

  it('refuses credentials in the address without repeating them', () => {
    for (const address of [
      'http://svc:S3cret-Value@proxy:8080',
      'http://svc:S3cret-Value@pro xy:8080',
      'http://svc:S3cret-Value@[bad:8080',
    ]) {
      const error = refusal({ proxyAddress: address });
      expect(error.code).toBe('INVALID_REQUEST');
      expect(`${error.message} ${error.remediation ?? ''}`).not.toContain('S3cret-Value');
    }
  });

  it('takes NDES host and bypass entries as names only; separators are ";", "," and spaces', () => {
    expect(proxyRequestOf({ proxyAddress: 'http://p:8080', ndesHost: 'NDES01.contoso.local' }).ndesHost).toBe(
      'ndes01.contoso.local',
    );
    expect(
      proxyRequestOf({ proxyAddress: 'http://p:8080', bypass: 'pki.contoso.local, *.corp.contoso.local ;crl' }).bypass,
    ).toBe('pki.contoso.local;*.corp.contoso.local;crl');
    expect(refusal({ proxyAddress: 'http://p:8080', bypass: 'pki\tcontoso' }).code).toBe('INVALID_REQUEST');
    expect(refusal({ proxyAddress: 'http://p:8080', ndesHost: 'ndes01;calc' }).code).toBe('INVALID_REQUEST');
    expect(refusal({ proxyAddress: 'http://p:8080', ndesHost: '-ndes01' }).code).toBe('INVALID_REQUEST');
    expect(refusal({ action: 'delete' }).message).toContain('is not a proxy action');
  });

  it('plans the probes, the one script run, netsh only when WinHTTP may change, and says when nothing will be done', () => {
    const auto = proxyPlan({ proxyAddress: 'http://proxy.contoso.local:8080', ndesHost: 'ndes01.contoso.local' });
    expect(auto.map((action) => action.kind)).toEqual([
      'process',
      'process',
      'powershell',
      'file',
      'powershell',
      'file',
      'process',
      'powershell',
    ]);
    expect(auto[2]?.detail).toBe(
      'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Set-ConnectorProxy.ps1 -ProxyAddress http://proxy.contoso.local:8080 -NdesHost ndes01.contoso.local -WinHttp Set',
    );
    const keep = proxyPlan({ proxyAddress: 'http://proxy.contoso.local:8080', winHttp: 'keep' });
    expect(keep.some((action) => action.detail.startsWith('netsh'))).toBe(false);
    expect(proxyPlan({})[0]?.title).toBe('No proxy given: nothing to change');
    expect(proxyPlan({ action: 'undo' })[0]?.detail).toContain('-Action Undo');
    expect(proxyPlan({ proxyAddress: 'nonsense' })[0]?.title).toBe('Fix the input first');
  });
});
