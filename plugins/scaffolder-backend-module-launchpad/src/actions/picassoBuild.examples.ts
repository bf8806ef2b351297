import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Build an instance's Open edX image and wait for it; outputs the run URL and the new image tag.",
    example: YAML.stringify({
      steps: [
        {
          id: 'build',
          action: 'launchpad:picasso:build',
          name: 'Build the Open edX image',
          input: { cluster: 'staging', slug: 'demo', service: 'openedx' },
        },
      ],
    }),
  },
  {
    description: 'Build the MFE image on a given release and Tutor version.',
    example: YAML.stringify({
      steps: [
        {
          id: 'build-mfe',
          action: 'launchpad:picasso:build',
          name: 'Build the MFE image',
          input: {
            cluster: 'staging',
            slug: 'demo',
            service: 'mfe',
            edxPlatformVersion: 'release/teak.3',
            tutorVersion: 'v20.0.5',
          },
        },
      ],
    }),
  },
];
