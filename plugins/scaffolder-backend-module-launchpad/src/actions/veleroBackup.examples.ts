import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Back up an instance namespace before changing it: a Velero Backup of namespace demo from the covering Schedule's template, waited for until Completed.",
    example: YAML.stringify({
      steps: [
        {
          id: 'backup',
          action: 'launchpad:velero:backup',
          name: 'Back up the namespace',
          input: { cluster: 'production', slug: 'demo' },
        },
      ],
    }),
  },
  {
    description:
      "Use the daily Schedule's template, keep the backup for 30 days, accept a PartiallyFailed backup with a warning, wait at most 20 minutes.",
    example: YAML.stringify({
      steps: [
        {
          id: 'backup',
          action: 'launchpad:velero:backup',
          name: 'Back up the namespace',
          input: {
            cluster: 'staging',
            slug: 'physics-101',
            schedule: 'daily',
            ttl: '720h0m0s',
            acceptPartiallyFailed: true,
            timeoutMinutes: 20,
          },
        },
      ],
    }),
  },
];
