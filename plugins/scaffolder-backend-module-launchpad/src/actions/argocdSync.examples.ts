import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Sync an instance's Application and wait until it is Synced and Healthy.",
    example: YAML.stringify({
      steps: [
        {
          id: 'sync',
          action: 'launchpad:argocd:sync',
          name: 'Sync the instance',
          input: { cluster: 'staging', slug: 'demo', timeoutMinutes: 10 },
        },
      ],
    }),
  },
];
