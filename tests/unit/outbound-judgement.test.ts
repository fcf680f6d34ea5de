import { describe, expect, it } from 'vitest';
import { runChecks } from '../../electron/core/checks/check.ts';
import { ProbeFailure } from '../../electron/core/checks/probe-errors.ts';
import { type NetProbe } from '../../electron/core/ports.ts';
import { outboundChecks } from '../../electron/core/checks/outbound/outbound-checks.ts';

/** A network whose DNS servers never answer in time (the edge, faked: the judgement is real). */
const silentDns: NetProbe = {
  resolve: async (host) => {
    throw new ProbeFailure('timeout', `DNS ${host}: no answer within 1 s.`);
  },
  resolveCname: async (host) => {
    throw new ProbeFailure('timeout', `DNS ${host}: no answer within 1 s.`);
  },
  tls: async () => {
    throw new Error('not reached');
  },
  httpGet: async () => {
    throw new Error('not reached');
  },
};

describe('outbound judgement', () => {
  it('DNS servers that never answer: the DNS check fails once, nothing passes, no endpoint blames a firewall', async () => {
    const results = await runChecks(outboundChecks({ net: silentDns }), { timeoutMs: 1_000 });
    const dns = results.find((result) => result.id === 'outbound.dns');
    expect(dns).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(dns?.evidence.join(' ')).toMatch(/no answer within/);
    const endpoints = results.filter((result) => result.id !== 'outbound.dns' && result.id !== 'outbound.clock');
    expect(endpoints.every((result) => result.status === 'skipped' && result.skip === 'could-not-run')).toBe(true);
    expect(results.filter((result) => result.status === 'pass')).toEqual([]);
    expect(results.filter((result) => /firewall/i.test(`${result.cause} ${result.remediation}`))).toEqual([]);
  });

  it('through a proxy, a 403 block page on a port-80 endpoint is not a pass', async () => {
    const blockingProxy: NetProbe = {
      ...silentDns,
      httpGet: async () => ({ status: 403, headers: {} }),
      tls: async () => ({ authorized: true, protocol: 'TLSv1.3', chain: [] }),
    };
    const results = await runChecks(outboundChecks({ net: blockingProxy, proxy: 'http://proxy.contoso.local:80' }), {
      timeoutMs: 1_000,
    });
    expect(results.find((result) => result.id === 'outbound.crl3.digicert.com:80')).toMatchObject({ status: 'fail' });
    expect(results.find((result) => result.id === 'outbound.dns')).toMatchObject({
      status: 'skipped',
      skip: 'not-applicable',
    });
  });
});
