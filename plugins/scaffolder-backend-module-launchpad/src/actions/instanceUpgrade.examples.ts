import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Upgrade an instance to a new release and Tutor version: backup, one commit, both images built, synced and waited Healthy; rolled back in one commit otherwise.',
    example: YAML.stringify({
      steps: [
        {
          id: 'upgrade',
          action: 'launchpad:instance:upgrade',
          name: 'Upgrade with a way back',
          input: {
            cluster: 'staging',
            slug: 'demo',
            release: 'release/teak.3',
            tutorVersion: 'v20.0.5',
            healthyTimeoutMinutes: 15,
          },
        },
      ],
    }),
  },
  {
    description:
      'Show the diff and what an upgrade would do, without any side effect.',
    example: YAML.stringify({
      steps: [
        {
          id: 'plan',
          action: 'launchpad:instance:upgrade',
          name: 'Plan the upgrade',
          input: {
            cluster: 'staging',
            slug: 'demo',
            release: 'teak.3',
            services: ['openedx'],
            change: { PLATFORM_NAME: 'Demo University' },
            dryRun: true,
          },
        },
      ],
    }),
  },
];
