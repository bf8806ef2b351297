import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Create (or update) the instance's ArgoCD Application from its application.yml.",
    example: YAML.stringify({
      steps: [
        {
          id: 'apply',
          action: 'launchpad:argocd:apply',
          name: 'Apply the ArgoCD Application',
          input: { cluster: 'staging', slug: 'demo' },
        },
      ],
    }),
  },
];
