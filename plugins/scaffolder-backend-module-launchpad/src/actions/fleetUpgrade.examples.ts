import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'See the plan first: which instances of the cluster a fleet upgrade would take, the canary, the waves, and those already at the target; nothing changes.',
    example: YAML.stringify({
      steps: [
        {
          id: 'fleet',
          action: 'launchpad:fleet:upgrade',
          name: 'Plan the fleet upgrade',
          input: {
            cluster: 'staging',
            release: 'release/teak.4',
            tutorVersion: 'v20.0.6',
            dryRun: true,
          },
        },
      ],
    }),
  },
  {
    description:
      "Upgrade one group's Teak instances: one canary, then waves of 5 in parallel, two Picasso builds at a time; halts at the first instance that rolls back.",
    example: YAML.stringify({
      steps: [
        {
          id: 'fleet',
          action: 'launchpad:fleet:upgrade',
          name: 'Upgrade the fleet',
          input: {
            cluster: 'staging',
            filter: { release: 'teak', owner: 'group:default/physics-dept' },
            release: 'release/teak.4',
            tutorVersion: 'v20.0.6',
            canaries: 1,
            waveSize: 5,
            buildConcurrency: 2,
            healthyTimeoutMinutes: 20,
          },
        },
      ],
    }),
  },
  {
    description:
      'Upgrade an explicit list in this order (demo is the canary), building only the Open edX image.',
    example: YAML.stringify({
      steps: [
        {
          id: 'fleet',
          action: 'launchpad:fleet:upgrade',
          name: 'Upgrade three instances',
          input: {
            cluster: 'staging',
            filter: { slugs: ['demo', 'physics-101', 'summer-school'] },
            release: 'release/teak.4',
            tutorVersion: 'v20.0.6',
            waveSize: 2,
            services: ['openedx'],
          },
        },
      ],
    }),
  },
];
