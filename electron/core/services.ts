import type { CheckServices } from './checks/suite.ts';
import type { Graph } from './cloud/graph.ts';
import type { RegistrationSignInMethod, RegistrationToken } from './cloud/registration-token.ts';
import type { SignIn } from './cloud/sign-in.ts';
import { CompanionError } from './errors.ts';
import type { ExportFormat } from './report/export.ts';

/**
 * What a step may use while it plans, runs or verifies: the checks' probes, PowerShell and the
 * clock (CheckServices), and, where the host has them, the cloud and the report writer. Built once
 * by companion.ts over the ports (ports.ts) the host hands in.
 */
export interface StepServices extends CheckServices {
  /** Sign-in and Microsoft Graph, for the cloud steps; absent where no host can reach them. */
  cloud?: CloudServices;
  /** Step 10: the runbook with evidence, written to a folder. */
  report?: ReportService;
}

export interface ReportService {
  /** Writes the runbook in these formats; folder null: a new dated folder under the data folder's Reports. */
  write(
    folder: string | null,
    formats: readonly ExportFormat[],
  ): Promise<{ folder: string; written: string[]; notes: string[] }>;
  /** The folder and files the last write left, if any. */
  last(): { folder: string; written: string[]; at: string } | null;
}

export interface CloudChoice {
  cloud?: string;
  tenant?: string;
  clientId?: string;
  /** An outbound proxy for the companion's own cloud calls (http://host:port). */
  proxy?: string;
}

export interface CloudServices {
  signIn(choice?: CloudChoice): SignIn;
  graph(choice?: CloudChoice, runId?: string): Graph;
  /**
   * A token for the connector registration service, from a sign-in made for it in the host's
   * sign-in window (or by device code); kept in memory only.
   */
  registrationToken(request: {
    cloud?: string;
    tenantId: string;
    method: RegistrationSignInMethod;
    onDeviceCode?: (prompt: { userCode: string; verificationUri: string; expiresInSeconds: number }) => void;
    signal?: AbortSignal;
  }): Promise<RegistrationToken>;
  /**
   * Opens a sign-in address in this machine's browser (the loopback sign-in); absent where the
   * host has none to open (the CLI prints the address instead).
   */
  openSignInBrowser?: (url: string, proxy?: string) => Promise<void>;
  /** Where what a cloud step must remember lives (the earlier Intune URLs, for rollback). */
  dataDir: string;
}

/** Sign-in and Graph for a cloud step; a host without them (none today) says so. */
export function cloudServicesOf(context: { services: StepServices }): CloudServices {
  if (!context.services.cloud)
    throw new CompanionError(
      'NOT_AVAILABLE',
      'This host cannot reach Microsoft Entra ID or Graph.',
      'Use the app or the CLI on the server.',
    );
  return context.services.cloud;
}
