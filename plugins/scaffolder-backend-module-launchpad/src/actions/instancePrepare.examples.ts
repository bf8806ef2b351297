import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Create the instance namespace and the workflow-executor RBAC the provision workflows run with.',
    example: YAML.stringify({
      steps: [
        {
          id: 'prepare',
          action: 'launchpad:instance:prepare',
          name: 'Prepare the namespace',
          input: { cluster: 'staging', slug: 'chem-301' },
        },
      ],
    }),
  },
];
