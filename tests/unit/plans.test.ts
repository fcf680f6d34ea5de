import { describe, expect, it } from 'vitest';
import { buildChecks, normalizeRequest } from '../../electron/core/checks/suite.ts';
import { steps } from '../../electron/core/steps/index.ts';
import { closedWorld } from '../lab/edges.ts';
import { createHttpProbe } from '../../electron/platform/http-probe.ts';
import { createNetProbe } from '../../electron/platform/net-probe.ts';

const step = (id: string) => {
  const found = steps.find((candidate) => candidate.id === id);
  if (!found) throw new Error(id);
  return found;
};
const services = {
  powershell: { host: null, run: () => Promise.reject(new Error('not used')) },
  http: createHttpProbe({ names: closedWorld }),
  net: createNetProbe({ names: closedWorld }),
  now: () => new Date(),
};
const inputs = {
  internalUrl: 'https://ndes01.contoso.local/',
  externalUrl: 'https://ndes-contoso.msappproxy.net/',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  longUrlKb: '12',
};

describe('every plan lists only what the step really probes', () => {
  it('readiness: the outbound endpoints are exactly the ones the checks probe, and nothing else', () => {
    const plan = step('readiness').plan(inputs);
    const listed = plan.find((action) => action.title.startsWith('Outbound endpoints'))?.detail.split(', ') ?? [];
    const probed = buildChecks(
      normalizeRequest({ scope: 'readiness', ...inputs, timeoutMs: 5_000, longUrlKb: 12 }),
      services,
    )
      .filter((spec) => spec.group === 'outbound' && !['outbound.dns', 'outbound.clock'].includes(spec.id))
      .map((spec) => spec.id.replace(/^outbound\./, ''));
    expect(listed).toEqual(probed);
    expect(JSON.stringify(plan)).not.toMatch(/servicebus/);
  });

  it('readiness and verify: one planned request per SCEP check, at the URLs and size given', () => {
    const readiness = step('readiness').plan(inputs);
    const verify = step('verify').plan(inputs);
    const scepChecks = (scope: 'readiness' | 'verify') =>
      buildChecks(normalizeRequest({ scope, ...inputs, timeoutMs: 5_000, longUrlKb: 12 }), services).filter((spec) =>
        spec.group.startsWith('scep-'),
      );
    expect(readiness.filter((action) => action.title.startsWith('Internal URL:'))).toHaveLength(
      scepChecks('readiness').length,
    );
    expect(verify.filter((action) => /^(Internal|External) URL:|same CA/.test(action.title))).toHaveLength(
      scepChecks('verify').length,
    );
    expect(readiness.map((action) => action.detail)).toContain(
      'GET https://ndes01.contoso.local/certsrv/mscep/mscep.dll?operation=PKIOperation&message=<12 KB of random base64>',
    );
  });

  it("through a proxy, the plan says names are the proxy's to resolve", () => {
    const plan = step('readiness').plan({ ...inputs, proxyAddress: 'http://proxy.contoso.local:8080' });
    expect(plan.some((action) => action.title === 'This server resolves public names')).toBe(false);
    expect(plan.find((action) => action.title.startsWith('Outbound endpoints'))?.detail).toMatch(
      / via http:\/\/proxy\.contoso\.local:8080$/,
    );
  });
});
