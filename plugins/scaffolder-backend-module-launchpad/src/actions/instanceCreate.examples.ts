import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Create an instance on staging as one commit on the cluster repository branch (passwords generated into config.yml).',
    example: YAML.stringify({
      steps: [
        {
          id: 'create',
          action: 'launchpad:instance:create',
          name: 'Create the instance files',
          input: {
            cluster: 'staging',
            slug: 'chem-201',
            platformName: 'Chemistry 201',
            owner: 'group:default/platform-team',
            release: 'release/teak.3',
          },
        },
      ],
    }),
  },
  {
    description:
      'Create an instance as a pull request, with the generated passwords kept out of git (in a Kubernetes Secret in the instance namespace).',
    example: YAML.stringify({
      steps: [
        {
          id: 'create',
          action: 'launchpad:instance:create',
          name: 'Propose the instance files',
          input: {
            cluster: 'staging',
            slug: 'bio-101',
            platformName: 'Biology 101',
            owner: 'group:default/platform-team',
            release: 'teak.3',
            publishAs: 'pull-request',
            writeSecrets: false,
          },
        },
      ],
    }),
  },
  {
    description:
      'Create an instance in a new private repository generated from a template repository (one commit on its default branch; application.yml points ArgoCD at it). The catalog reads cluster repositories only, so this instance is not in the catalog.',
    example: YAML.stringify({
      steps: [
        {
          id: 'create',
          action: 'launchpad:instance:create',
          name: 'Create the instance repository',
          input: {
            cluster: 'staging',
            slug: 'geo-110',
            platformName: 'Geology 110',
            owner: 'group:default/platform-team',
            templateRepository: 'acme-edu/launchpad-instance-template',
            repository: 'acme-edu/launchpad-geo-110',
            writeSecrets: false,
          },
        },
      ],
    }),
  },
];
