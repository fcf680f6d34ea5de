import type { Component } from 'svelte';
import type { StepId } from '../../../electron/contract/model.ts';
import type { StepPageProps } from './props.ts';
import Readiness from './Readiness.svelte';
import SignIn from './SignIn.svelte';
import ConnectorInstall from './ConnectorInstall.svelte';
import Registration from './Registration.svelte';
import OutboundProxy from './OutboundProxy.svelte';
import ConnectorStatus from './ConnectorStatus.svelte';
import Publish from './Publish.svelte';
import Verify from './Verify.svelte';
import Intune from './Intune.svelte';
import Report from './Report.svelte';

/** One page component per runbook step; the record type makes a missing page a type error. */
export const stepComponents: Record<StepId, Component<StepPageProps, object, 'heading'>> = {
  readiness: Readiness,
  'sign-in': SignIn,
  'connector-install': ConnectorInstall,
  registration: Registration,
  'outbound-proxy': OutboundProxy,
  'connector-status': ConnectorStatus,
  publish: Publish,
  verify: Verify,
  intune: Intune,
  report: Report,
};
