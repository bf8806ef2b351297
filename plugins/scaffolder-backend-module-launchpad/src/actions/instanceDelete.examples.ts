import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import YAML from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'See what deprovisioning an instance would delete and what backs its data up (run the template as a dry run): the deprovision workflows and what each drops, the Application, the namespace, RBAC leftovers, the folder; the last completed Velero backup and each dump CronJob’s last success.',
    example: YAML.stringify({
      steps: [
        {
          id: 'deprovision',
          action: 'launchpad:instance:delete',
          name: 'Deprovision',
          input: { cluster: 'production', slug: 'demo', confirm: 'demo' },
        },
      ],
    }),
  },
  {
    description:
      'Deprovision an instance that has no recent database dump (staging instances have no dump CronJobs), acknowledging it; the acknowledgement is logged and audited.',
    example: YAML.stringify({
      steps: [
        {
          id: 'deprovision',
          action: 'launchpad:instance:delete',
          name: 'Deprovision',
          input: {
            cluster: 'staging',
            slug: 'physics-101',
            confirm: 'physics-101',
            acknowledgeNoRecentDump: true,
          },
        },
      ],
    }),
  },
];
