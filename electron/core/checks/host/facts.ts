import { z } from 'zod';

/**
 * The JSON document Get-HostReadiness.ps1 prints: facts only. A fact Windows would not give is
 * null, and why is listed under `problems`. The checks judge them (host-checks.ts). This schema
 * is the one contract for that output: the runner parses with it, and the lab and the Windows
 * workflow validate every script output against it.
 */
const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();
/** A registry DWORD that some tools write as the string "True"/"False" instead (REG-05). */
const flagValue = z.union([z.number(), z.string()]).nullable();

export const ProxyConfigSchema = z.object({
  file: z.string(),
  present: z.boolean(),
  enabled: nullableString,
  proxyAddress: nullableString,
  bypassOnLocal: nullableString,
  useSystemDefault: nullableString,
  /** <bypasslist> addresses (regular expressions, as .NET reads them). */
  bypassList: z.array(z.string()),
});

export const ServiceSchema = z.object({ name: z.string(), status: z.string(), startType: z.string() });

export const FactProblemSchema = z.object({
  fact: z.string(),
  message: z.string(),
  errorId: z.string(),
  category: z.string(),
});

export const RaCertificateSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  template: nullableString,
  role: z.enum(['signing', 'encryption']),
  thumbprint: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  hasPrivateKey: z.boolean(),
});

export const HostFactsSchema = z.object({
  os: z
    .object({
      caption: z.string(),
      build: z.number().int(),
      productType: z.number().int(),
      serverCore: z.boolean(),
      lastBoot: nullableString,
    })
    .nullable(),
  computer: z
    .object({ name: z.string(), dnsHostName: z.string(), domain: z.string(), partOfDomain: z.boolean() })
    .nullable(),
  elevated: z.boolean().nullable(),
  languageMode: z.string(),
  psVersion: z.string(),
  dotnetRelease: nullableNumber,
  tls12: z
    .object({
      clientEnabled: nullableNumber,
      clientDisabledByDefault: nullableNumber,
      serverEnabled: nullableNumber,
      serverDisabledByDefault: nullableNumber,
      schUseStrongCrypto: nullableNumber,
      schUseStrongCryptoWow64: nullableNumber,
      systemDefaultTlsVersions: nullableNumber,
    })
    .nullable(),
  ieEsc: z.object({ admins: flagValue, users: flagValue }).nullable(),
  executionPolicies: z.array(z.object({ scope: z.string(), policy: z.string() })).nullable(),
  time: z
    .object({
      type: nullableString,
      ntpServer: nullableString,
      serviceStatus: nullableString,
      statusExitCode: z.number().int(),
      leapIndicator: z.number().int().nullable(),
      referenceId: nullableString,
      localClock: z.boolean(),
      source: nullableString,
    })
    .nullable(),
  winhttpProxy: z
    .object({ present: z.boolean(), direct: z.boolean(), proxy: nullableString, bypass: nullableString })
    .nullable(),
  connector: z
    .object({
      installed: z.boolean(),
      directory: nullableString,
      version: nullableString,
      services: z.array(ServiceSchema),
      configs: z.array(ProxyConfigSchema),
    })
    .nullable(),
  passwordProtectionProxy: z.boolean().nullable(),
  ndes: z
    .object({
      roleInstalled: z.boolean(),
      appPool: z
        .object({ name: nullableString, state: nullableString, identity: nullableString, userName: nullableString })
        .nullable(),
      requestLimits: z
        .object({
          maxUrl: z.number(),
          maxQueryString: z.number(),
          maxUrlSet: z.boolean(),
          maxQueryStringSet: z.boolean(),
        })
        .nullable(),
      sites: z.array(z.string()).nullable(),
      httpSys: z.object({ maxFieldLength: nullableNumber, maxRequestBytes: nullableNumber }).nullable(),
      rebootPending: z.boolean().nullable(),
      raCertificates: z.array(RaCertificateSchema).nullable(),
      mscepTemplates: z
        .object({ signature: nullableString, encryption: nullableString, generalPurpose: nullableString })
        .nullable(),
      intuneConnector: z
        .object({
          installed: z.boolean(),
          version: nullableString,
          serviceName: nullableString,
          serviceStatus: nullableString,
        })
        .nullable(),
    })
    .nullable(),
  problems: z.array(FactProblemSchema),
  collectedAt: z.string(),
});

export type HostFacts = z.infer<typeof HostFactsSchema>;
export type RaCertificate = z.infer<typeof RaCertificateSchema>;
