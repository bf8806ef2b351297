import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Upgrade an instance to a new release and Tutor version as one commit; outputs the diff and the previous values for a rollback.',
    example: YAML.stringify({
      steps: [
        {
          id: 'update',
          action: 'launchpad:instance:update',
          name: 'Upgrade the release',
          input: {
            cluster: 'production',
            slug: 'legacy-campus',
            changes: {
              EDX_PLATFORM_VERSION: 'release/teak.3',
              TUTOR_VERSION: 'v20.0.5',
            },
          },
        },
      ],
    }),
  },
  {
    description:
      'Change a setting and delete another (null) through a pull request.',
    example: YAML.stringify({
      steps: [
        {
          id: 'update',
          action: 'launchpad:instance:update',
          name: 'Propose new settings',
          input: {
            cluster: 'staging',
            slug: 'demo',
            changes: {
              PLATFORM_NAME: 'Acme Demo (renamed)',
              CONTACT_EMAIL: null,
            },
            publishAs: 'pull-request',
          },
        },
      ],
    }),
  },
];
