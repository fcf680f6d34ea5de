import type { StepView } from '../../../electron/contract/model.ts';
import type { Wizard } from '../lib/wizard.svelte.ts';

export interface StepPageProps {
  wizard: Wizard;
  step: StepView;
  heading?: HTMLHeadingElement | null;
}
