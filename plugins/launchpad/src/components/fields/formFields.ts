import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  LaunchpadClusterPicker,
  launchpadClusterValidation,
} from './LaunchpadClusterPicker';
import {
  LaunchpadReleasePicker,
  launchpadReleaseValidation,
} from './LaunchpadReleasePicker';
import {
  LaunchpadSlugPicker,
  launchpadSlugValidation,
} from './LaunchpadSlugPicker';

/** What the fields return and accept, for the template editor's field explorer. */
export const clusterPickerSchema = makeFieldSchema({
  output: z => z.string().describe('A cluster name from launchpad.clusters'),
});
export const slugPickerSchema = makeFieldSchema({
  output: z => z.string().describe('The instance slug'),
  uiOptions: z =>
    z.object({
      clusterField: z
        .string()
        .optional()
        .describe('Form field holding the cluster name (default cluster)'),
      platformNameField: z
        .string()
        .optional()
        .describe(
          'Form field holding the platform name the slug is suggested from (default platformName)',
        ),
    }),
});
export const releasePickerSchema = makeFieldSchema({
  output: z => z.string().describe('release/<name>.<n>'),
});

/** The form fields of the new frontend system (FormFieldBlueprint loads them). */
export const launchpadClusterPickerField = createFormField({
  name: 'LaunchpadClusterPicker',
  component: LaunchpadClusterPicker,
  validation: launchpadClusterValidation,
  schema: clusterPickerSchema,
});

export const launchpadSlugPickerField = createFormField({
  name: 'LaunchpadSlugPicker',
  component: LaunchpadSlugPicker,
  validation: launchpadSlugValidation,
  schema: slugPickerSchema,
});

export const launchpadReleasePickerField = createFormField({
  name: 'LaunchpadReleasePicker',
  component: LaunchpadReleasePicker,
  validation: launchpadReleaseValidation,
  schema: releasePickerSchema,
});
