import type { KubeObject } from '../kube/types';

/**
 * The ClusterWorkflowTemplates a Launchpad cluster runs (as Harmony installs
 * them): entrypoint `main`, a DAG of a few steps, and the parameters the
 * portal passes. Parameters without a `value` are required.
 */
interface TemplateDefinition {
  name: string;
  image: string;
  parameters: Array<{ name: string; value?: string; description: string }>;
  steps: string[];
}

const mysqlParams = [
  { name: 'namespace', description: 'Instance namespace (the slug)' },
  {
    name: 'database-name',
    description: 'MySQL database, launchpad-<slug>-openedx',
  },
  { name: 'username', description: 'MySQL user, launchpad-<slug>' },
  { name: 'password', description: 'MySQL password' },
  {
    name: 'mysql-host',
    value: 'mysql.harmony.svc.cluster.local',
    description: 'MySQL server',
  },
];
const mongoParams = [
  { name: 'namespace', description: 'Instance namespace (the slug)' },
  {
    name: 'database-name',
    description: 'MongoDB database, launchpad-<slug>-openedx',
  },
  {
    name: 'forum-database-name',
    description: 'Forum MongoDB database, launchpad-<slug>-forum',
  },
  { name: 'username', description: 'MongoDB user, launchpad-<slug>' },
  { name: 'password', description: 'MongoDB password' },
  {
    name: 'mongodb-host',
    value: 'mongodb.harmony.svc.cluster.local',
    description: 'MongoDB server',
  },
];
const storageParams = [
  { name: 'namespace', description: 'Instance namespace (the slug)' },
  { name: 'bucket-name', description: 'Bucket, launchpad-<slug>-<7 random>' },
  { name: 'storage-type', value: 's3', description: 's3 | spaces' },
  { name: 'region', value: 'us-east-1', description: 'Bucket region' },
  {
    name: 'endpoint-url',
    value: '',
    description: 'S3-compatible endpoint (empty for AWS)',
  },
];
const forceDelete = {
  name: 'force-delete',
  value: 'false',
  description: 'Delete even if not empty',
};

export const TEMPLATE_DEFINITIONS: TemplateDefinition[] = [
  {
    name: 'mysql-provision-template',
    image: 'mysql:8.4',
    parameters: mysqlParams,
    steps: ['create-database', 'create-user', 'grant-privileges'],
  },
  {
    name: 'mongodb-provision-template',
    image: 'mongo:7.0',
    parameters: mongoParams,
    steps: ['create-databases', 'create-user', 'grant-roles'],
  },
  {
    name: 'storage-provision-template',
    image: 'amazon/aws-cli:2.22.0',
    parameters: storageParams,
    steps: ['create-bucket', 'configure-cors', 'create-access-key'],
  },
  {
    name: 'mysql-deprovision-template',
    image: 'mysql:8.4',
    parameters: [...mysqlParams, forceDelete],
    steps: ['drop-user', 'drop-database'],
  },
  {
    name: 'mongodb-deprovision-template',
    image: 'mongo:7.0',
    parameters: [...mongoParams, forceDelete],
    steps: ['drop-user', 'drop-databases'],
  },
  {
    name: 'storage-deprovision-template',
    image: 'amazon/aws-cli:2.22.0',
    parameters: [...storageParams, forceDelete],
    steps: ['empty-bucket', 'delete-bucket'],
  },
];

export function clusterWorkflowTemplate(def: TemplateDefinition): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ClusterWorkflowTemplate',
    metadata: {
      name: def.name,
      labels: {
        'app.kubernetes.io/part-of': 'harmony',
        'app.kubernetes.io/component': 'launchpad-provisioning',
      },
    },
    spec: {
      entrypoint: 'main',
      serviceAccountName: 'argo-workflow',
      arguments: {
        parameters: def.parameters.map(p => ({
          name: p.name,
          ...(p.value !== undefined ? { value: p.value } : {}),
          description: p.description,
        })),
      },
      templates: [
        {
          name: 'main',
          dag: {
            tasks: def.steps.map((step, i) => ({
              name: step,
              template: step,
              ...(i > 0 ? { dependencies: [def.steps[i - 1]] } : {}),
            })),
          },
        },
        ...def.steps.map(step => ({
          name: step,
          container: {
            name: 'main',
            image: def.image,
            command: ['/bin/sh', '-c'],
            args: [`echo "${step} for {{workflow.parameters.namespace}}"`],
          },
        })),
      ],
    },
  };
}
