import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'As the last step of a template: ask the catalog to read the cluster repository again and wait until the new instance is in the catalog.',
    example: YAML.stringify({
      steps: [
        {
          id: 'catalog',
          action: 'launchpad:catalog:refresh',
          name: 'Add the instance to the catalog',
          input: { cluster: 'staging', slug: 'chem-201', timeoutSeconds: 60 },
        },
      ],
    }),
  },
  {
    description:
      'Ask the catalog to read a cluster repository again, without waiting.',
    example: YAML.stringify({
      steps: [
        {
          id: 'catalog',
          action: 'launchpad:catalog:refresh',
          name: 'Refresh the catalog',
          input: { cluster: 'production' },
        },
      ],
    }),
  },
];
