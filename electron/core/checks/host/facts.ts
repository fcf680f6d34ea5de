import { z } from 'zod';

/**
 * The JSON document Get-HostReadiness.ps1 prints: facts only, any of which may be null when
 * Windows would not say. The checks judge them (host-checks.ts).
 */
const nullableNumber = z.number().nullable().optional().transform((value) => value ?? null);
const nullableString = z.string().nullable().optional().transform((value) => value ?? null);

const ProxyConfigSchema = z.object({
  file: z.string(),
  present: z.boolean(),
  enabled: nullableString,
  proxyAddress: nullableString,
  bypassOnLocal: nullableString,
  useSystemDefault: nullableString,
});

export const HostFactsSchema = z.object({
  os: z.object({ caption: z.string(), build: z.number().int(), serverCore: z.boolean(), productType: z.number().int(), lastBoot: nullableString }),
  elevated: z.boolean(),
  dotnetRelease: nullableNumber,
  tls12: z.object({
    clientEnabled: nullableNumber,
    clientDisabledByDefault: nullableNumber,
    serverEnabled: nullableNumber,
    serverDisabledByDefault: nullableNumber,
    schUseStrongCrypto: nullableNumber,
    schUseStrongCryptoWow64: nullableNumber,
    systemDefaultTlsVersions: nullableNumber,
  }),
  ieEsc: z.object({ admins: nullableNumber, users: nullableNumber }),
  executionPolicies: z.array(z.object({ scope: z.string(), policy: z.string() })).nullable().optional().transform((value) => value ?? null),
  timeSource: nullableString,
  winhttpProxy: z.object({ configured: z.boolean(), text: nullableString }),
  connector: z.object({
    installed: z.boolean(),
    directory: nullableString,
    version: nullableString,
    services: z.array(z.object({ name: z.string(), status: z.string(), startType: z.string() })),
    configs: z.array(ProxyConfigSchema),
  }),
  passwordProtectionProxy: z.boolean(),
  ndes: z
    .object({
      roleInstalled: z.boolean(),
      appPool: z.object({ name: nullableString, state: nullableString, identity: nullableString, userName: nullableString }).nullable(),
      requestLimits: z.object({ maxUrl: z.number(), maxQueryString: z.number() }).nullable(),
      httpSys: z.object({ maxFieldLength: nullableNumber, maxRequestBytes: nullableNumber }),
      rebootPending: z.boolean(),
      raCertificates: z.array(z.object({ subject: z.string(), template: z.string(), thumbprint: z.string(), notAfter: z.string(), hasPrivateKey: z.boolean() })),
      mscepTemplates: z.object({ signature: nullableString, encryption: nullableString, generalPurpose: nullableString }),
      intuneConnector: z.object({ installed: z.boolean(), version: nullableString, serviceName: nullableString, serviceStatus: nullableString }),
      sites: z.array(z.string()).nullable(),
    })
    .nullable(),
  collectedAt: z.string(),
});

export type HostFacts = z.infer<typeof HostFactsSchema>;
