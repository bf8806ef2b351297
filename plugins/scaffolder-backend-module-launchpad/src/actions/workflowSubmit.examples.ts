import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Provision an instance's MySQL database and user (mysql-provision-demo in namespace demo); the password is read from the instance's config.yml or Secret.",
    example: YAML.stringify({
      steps: [
        {
          id: 'mysql',
          action: 'launchpad:workflow:submit',
          name: 'Provision MySQL',
          input: {
            cluster: 'staging',
            slug: 'demo',
            template: 'mysql-provision-template',
          },
        },
      ],
    }),
  },
  {
    description:
      'Provision the bucket with an explicit region, keep the finished workflow for an hour, wait at most 15 minutes.',
    example: YAML.stringify({
      steps: [
        {
          id: 'storage',
          action: 'launchpad:workflow:submit',
          name: 'Provision the bucket',
          input: {
            cluster: 'staging',
            slug: 'demo',
            template: 'storage-provision-template',
            parameters: { region: 'eu-west-1' },
            ttlMinutes: 60,
            timeoutMinutes: 15,
          },
        },
      ],
    }),
  },
];
