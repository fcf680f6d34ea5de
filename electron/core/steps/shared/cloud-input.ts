import type { InputSpec } from '../../../contract/model.ts';

/** The cloud input of the steps that come after Sign-in: the same cloud, asked the same way. */
export const signedInCloudInput: InputSpec = {
  id: 'cloud',
  label: 'Cloud',
  help: 'The cloud you signed in to (step 2).',
  kind: 'choice',
  required: false,
  choices: ['global', 'usgov', 'china'],
};
