import type { INetworkModule } from '@azure/msal-node';
import type { z } from 'zod';
import type { Catalogue, ParamValue, scriptCatalogue } from './powershell/catalogue.ts';

/**
 * Every way the core reaches the world, in one place. The core declares these; the adapters in
 * electron/platform/ implement them, electron/compose.ts wires them, and the lab hands in its own
 * (tests/lab). Nothing in core/ imports platform/ (lint-enforced).
 */

// ── PowerShell: platform/powershell-runner.ts ───────────────────────────────────────────────

/**
 * Which program runs our scripts. On Windows the in-box Windows PowerShell 5.1 by absolute path
 * (never found through PATH); in the lab, PowerShell over the fake Windows, with its own options first.
 */
export interface PowerShellHost {
  file: string;
  prefixArgs: string[];
  label: string;
}

export interface RunOptions {
  params?: Record<string, ParamValue>;
  /** Secrets travel here, never in argv. */
  stdin?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** A progress line, with how far the script says it has come (0 to 100) when it says so. */
  onProgress?: (message: string, percent?: number) => void;
  /** A named point the script has reached ("transaction": an installer's Windows Installer transaction began). */
  onPhase?: (phase: string) => void;
}

export interface ScriptRun<T> {
  data: T;
  exitCode: number;
  durationMs: number;
}

/** One run of one of our scripts (powershell/catalogue.ts), its output checked against the script's schema. */
export interface PowerShellRunner<C extends Catalogue = typeof scriptCatalogue> {
  readonly host: PowerShellHost | null;
  run<S extends keyof C & string>(script: S, options?: RunOptions): Promise<ScriptRun<z.infer<C[S]['output']>>>;
}

// ── HTTP and network probes: platform/http-probe.ts, platform/net-probe.ts ──────────────────

export interface TlsFacts {
  authorized: boolean;
  authorizationError?: string;
  protocol: string | null;
  /** Leaf first. */
  chain: { subject: string; issuer: string; validTo: string; fingerprint256: string; subjectAltName?: string }[];
}

export interface HttpResult {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  tls?: TlsFacts;
  elapsedMs: number;
}

export interface HttpGetOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** An outbound proxy (http://host:port): HTTPS goes through a CONNECT tunnel, HTTP as an absolute URL. */
  proxy?: string;
  maxBodyBytes?: number;
  headers?: Record<string, string>;
}

/**
 * One HTTP(S) GET with its own timeout and cancellation, that never throws for an HTTP
 * status: the checks classify statuses. TLS is never enforced here; instead the verdict of
 * the trust store is recorded, so a check can say *why* a chain is not trusted. Failures are
 * checks/probe-errors.ts' ProbeFailure.
 */
export interface HttpProbe {
  get(url: string, options: HttpGetOptions): Promise<HttpResult>;
}

/** Lower-level network probes for the outbound checks (DNS, TCP, TLS, proxy tunnels). */
export interface NetProbe {
  resolve(host: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string[]>;
  /** The CNAME record of a name (its target, as DNS answers it); a name without one fails with kind 'dns'. */
  resolveCname(host: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string[]>;
  /** TLS handshake, directly or through an HTTP proxy's CONNECT tunnel. */
  tls(
    host: string,
    port: number,
    options: { timeoutMs: number; signal?: AbortSignal; proxy?: string },
  ): Promise<TlsFacts>;
  /** Plain HTTP GET, directly or through the proxy (absolute URI), for port-80 endpoints. */
  httpGet(
    url: string,
    options: { timeoutMs: number; signal?: AbortSignal; proxy?: string },
  ): Promise<{ status: number; headers: Record<string, string> }>;
}

/**
 * Names the probes resolve differently from the system's DNS: the lab's world (real names sent
 * to loopback servers), and nothing at all in a shipped build. `closedWorld`: a name not mapped
 * here does not exist, so no packet leaves the machine (the lab and the tests).
 */
export interface NameOverrides {
  map(host: string, port?: number): { address: string; port?: number } | undefined;
  /** The CNAME this world gives a name (the lab's custom-domain records); undefined: none here. */
  cname?(host: string): string | undefined;
  readonly closedWorld: boolean;
}

// ── Cloud HTTPS: platform/cloud-http.ts ─────────────────────────────────────────────────────

export interface CloudResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** HTTPS to Microsoft Entra ID and Graph, with a deadline and a size cap on every request. */
export interface CloudHttp {
  /** With `proxy` (http://host:port), through that proxy's CONNECT tunnel. */
  request(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options?: {
      headers?: Record<string, string>;
      body?: string;
      timeoutMs?: number;
      signal?: AbortSignal;
      proxy?: string;
    },
  ): Promise<CloudResponse>;
  /** The same client as MSAL's network module, so sign-in goes where Graph goes. */
  msalNetwork(proxy?: string): INetworkModule;
}

// ── The sign-in window: main/sign-in-window.ts, preview/sign-in-page.ts, cli/paste-sign-in.ts ─

/**
 * The host's sign-in window: it loads the authorize URL, lets the admin sign in, and gives back
 * the address the sign-in ended on once it reaches the redirect URI (Electron: a sandboxed window
 * of its own session; the preview host: a page of its own browser context; the CLI: the address
 * the admin pastes back from any browser).
 */
export interface SignInWindow {
  /** proxy: the outbound proxy (http://host:port) the companion's cloud calls go through. */
  open(request: { authorizeUrl: string; redirectUri: string; proxy?: string; signal?: AbortSignal }): Promise<string>;
}

// ── Print to PDF: platform/pdf.ts, Electron's printToPDF ─────────────────────────────────────

/** The host's print-to-PDF (Electron's printToPDF, or a Chromium-family browser on the machine). */
export type PdfPrinter = (html: string) => Promise<{ ok: true; pdf: Buffer } | { ok: false; reason: string }>;

// ── Processes: platform/process-table.ts ────────────────────────────────────────────────────

/**
 * A process as the runbook state records it: its id, and when it started. Windows and Linux
 * hand a finished process's id to the next one, so an id alone could make a step look "running
 * elsewhere" until some unrelated process ends; with the start time it cannot.
 */
export interface ProcessMark {
  pid: number;
  /** ISO time the process started; absent in state written before it was recorded. */
  started?: string;
}

/** How the core asks about processes. */
export interface ProcessTable {
  /** This process's own mark, saved beside a step it runs. */
  self(): ProcessMark;
  /** Whether the process a mark names still runs: the same id, and the same start. */
  running(mark: ProcessMark): boolean;
}

// ── The clock ───────────────────────────────────────────────────────────────────────────────

/** The time now: the system clock, or a test's. */
export type Clock = () => Date;
