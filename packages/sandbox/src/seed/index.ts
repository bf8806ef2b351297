import { createHash } from 'node:crypto';
import type { SandboxClock } from '../clock';
import type { GitStore } from '../github/gitStore';
import {
  clusterWorkflowTemplate,
  TEMPLATE_DEFINITIONS,
} from '../argo/templates';
import {
  argoNodeId,
  CLUSTER_WORKFLOW_TEMPLATES,
  STEP_SECONDS_ANNOTATION,
  WORKFLOWS,
} from '../controllers/workflows';
import {
  CRONJOBS,
  ensureInstanceWorkloads,
  NAMESPACES,
} from '../controllers/workloads';
import {
  FAIL_AFTER_ANNOTATION,
  SCHEDULES,
  VELERO_NAMESPACE,
} from '../controllers/velero';
import type { KubeStore } from '../kube/store';
import { kubeTime, type KubeObject } from '../kube/types';
import {
  applicationYaml,
  configYaml,
  envFiles,
  hostsFor,
  imagesFor,
  instanceFiles,
  scaleSlug,
  SEED_CLUSTERS,
  SEED_INSTANCES,
  templateRepositoryFiles,
  TEMPLATE_REPOSITORY,
  workloadCondition,
  type SeedCluster,
  type SeedInstance,
} from './instances';

export * from './instances';

const DAY = 86_400_000;
const short = (text: string, length = 5) =>
  createHash('sha1')
    .update(text)
    .digest('hex')
    .slice(0, length)
    .replace(/[0-9]/g, c => 'bcdfghjklm'[Number(c)]);

export interface ScaleOption {
  cluster: string;
  instances: number;
}

/** A cluster's seeded instances; a cluster beyond the two seeded ones gets one healthy `demo`. */
export function instancesOf(cluster: SeedCluster): SeedInstance[] {
  if (!SEED_CLUSTERS.some(c => c.name === cluster.name)) {
    return [
      {
        cluster: cluster.name,
        slug: 'demo',
        platformName: `Acme Demo (${cluster.title})`,
        state: 'healthy',
        release: 'teak.3',
        owner: 'group:default/platform-team',
      },
    ];
  }
  return SEED_INSTANCES.filter(i => i.cluster === cluster.name);
}

/** The scale option(s) as a list. */
export function scalesOf(scale: ScaleOption | ScaleOption[] | undefined) {
  if (!scale) return [];
  return Array.isArray(scale) ? scale : [scale];
}

/** Every file of a cluster repository, written in one commit. */
export function clusterRepositoryFiles(
  cluster: SeedCluster,
  buildWorkflow: string,
  scales?: ScaleOption | ScaleOption[],
): Record<string, string> {
  const scale = scalesOf(scales).find(x => x.cluster === cluster.name);
  const files: Record<string, string> = {
    'README.md': `# ${cluster.title} cluster\n\nLaunchpad cluster repository: one folder per Open edX instance under \`instances/\`.\n`,
    '.github/workflows/build.yml': buildWorkflow,
  };
  for (const instance of instancesOf(cluster))
    Object.assign(files, instanceFiles(cluster, instance));
  if (scale?.cluster === cluster.name) {
    // Rendered once with placeholders: YAML-stringifying thousands of files is the slow part.
    const slugToken = 'zzslugzz';
    const config = configYaml(cluster, {
      slug: slugToken,
      platformName: 'Load zzindexzz',
      release: 'teak.3',
    });
    const application = applicationYaml(cluster, slugToken);
    const deployments = envFiles(cluster, slugToken, 'teak.3')[
      `instances/${slugToken}/env/k8s/deployments.yml`
    ];
    for (let i = 0; i < scale.instances; i++) {
      const slug = scaleSlug(i);
      const fill = (text: string) =>
        text.replaceAll(slugToken, slug).replaceAll('zzindexzz', String(i + 1));
      files[`instances/${slug}/config.yml`] = fill(config);
      files[`instances/${slug}/application.yml`] = fill(application);
      files[`instances/${slug}/env/deployments.yml`] = fill(deployments);
    }
  }
  return files;
}

export async function seedRepositories(
  git: GitStore,
  clusters: SeedCluster[],
  options: { buildWorkflow: string; scale?: ScaleOption | ScaleOption[] },
): Promise<void> {
  const [owner, name] = TEMPLATE_REPOSITORY.split('/');
  await git.createRepository(owner, name, {
    description: 'Template for new Launchpad Open edX instances',
    isTemplate: true,
    files: templateRepositoryFiles(),
    message: 'Instance template',
  });
  for (const cluster of clusters) {
    const [o, n] = cluster.repository.split('/');
    await git.createRepository(o, n, {
      description: `Launchpad cluster repository (${cluster.title})`,
      private: true,
      defaultBranch: cluster.branch,
      files: clusterRepositoryFiles(
        cluster,
        options.buildWorkflow,
        options.scale,
      ),
      message: 'Seed the cluster repository',
    });
  }
}

/** The cluster's own infrastructure: system namespaces and Argo's templates. */
export function seedInfrastructure(store: KubeStore): void {
  for (const ns of [
    'default',
    'kube-system',
    'argocd',
    'argo',
    'velero',
    'harmony',
  ]) {
    if (!store.get(NAMESPACES, undefined, ns)) {
      store.create(NAMESPACES, {
        metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
        status: { phase: 'Active' },
      });
    }
  }
  for (const def of TEMPLATE_DEFINITIONS) {
    if (!store.get(CLUSTER_WORKFLOW_TEMPLATES, undefined, def.name)) {
      store.create(CLUSTER_WORKFLOW_TEMPLATES, clusterWorkflowTemplate(def));
    }
  }
}

/** Harmony's Velero schedules; `excluded` namespaces are left out (the backup-overdue instance). */
export function seedVeleroSchedules(
  store: KubeStore,
  excluded: string[],
  clock: SandboxClock,
): void {
  const schedules = [
    { name: 'hourly', cron: '0 * * * *', ttl: '24h0m0s' },
    { name: 'daily', cron: '0 0 * * *', ttl: '168h0m0s' },
    { name: 'weekly', cron: '0 0 * * 0', ttl: '720h0m0s' },
  ];
  for (const s of schedules) {
    store.create(SCHEDULES, {
      metadata: {
        name: s.name,
        namespace: VELERO_NAMESPACE,
        labels: { 'app.kubernetes.io/part-of': 'harmony' },
      },
      spec: {
        schedule: s.cron,
        template: {
          includedNamespaces: ['*'],
          excludedNamespaces: ['kube-system', 'velero', ...excluded],
          ttl: s.ttl,
          storageLocation: 'default',
          snapshotVolumes: false,
          defaultVolumesToFsBackup: true,
        },
        useOwnerReferencesInBackup: false,
      },
      status: { phase: 'Enabled' },
    });
  }
  // The overdue instance has its own daily schedule whose backups fail since three days.
  for (const ns of excluded) {
    store.create(SCHEDULES, {
      metadata: {
        name: `${ns}-daily`,
        namespace: VELERO_NAMESPACE,
        labels: { 'app.kubernetes.io/part-of': 'harmony' },
        annotations: {
          [FAIL_AFTER_ANNOTATION]: kubeTime(
            clock.nowMs() - 3 * DAY - 3_600_000,
          ),
        },
      },
      spec: {
        schedule: '0 3 * * *',
        template: {
          includedNamespaces: [ns],
          ttl: '168h0m0s',
          storageLocation: 'default',
        },
      },
      status: { phase: 'Enabled' },
    });
  }
}

function completedWorkflowStatus(
  name: string,
  steps: string[],
  startedAt: number,
): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  // The IDs Argo gives DAG task nodes (as the workflow controller does).
  const ids = steps.map(s => argoNodeId(name, `${name}.${s}`));
  const finishedAt = startedAt + 1000 + steps.length * 20_000;
  nodes[name] = {
    id: name,
    name,
    displayName: name,
    type: 'DAG',
    templateName: 'main',
    phase: 'Succeeded',
    startedAt: kubeTime(startedAt),
    finishedAt: kubeTime(finishedAt),
    progress: `${steps.length}/${steps.length}`,
    children: ids.slice(0, 1),
  };
  steps.forEach((step, i) => {
    nodes[ids[i]] = {
      id: ids[i],
      name: `${name}.${step}`,
      displayName: step,
      type: 'Pod',
      templateName: step,
      phase: 'Succeeded',
      boundaryID: name,
      children: ids.slice(i + 1, i + 2),
      startedAt: kubeTime(startedAt + 1000 + i * 20_000),
      finishedAt: kubeTime(startedAt + 1000 + (i + 1) * 20_000),
      progress: '1/1',
    };
  });
  return {
    phase: 'Succeeded',
    startedAt: kubeTime(startedAt),
    finishedAt: kubeTime(finishedAt),
    progress: `${steps.length}/${steps.length}`,
    nodes,
    conditions: [
      { type: 'PodRunning', status: 'False' },
      { type: 'Completed', status: 'True' },
    ],
  };
}

function provisionParameters(
  cluster: SeedCluster,
  slug: string,
  template: string,
): Array<{ name: string; value: string }> {
  const secret = (kind: string) =>
    `sandbox-${kind}-${createHash('sha1')
      .update(`${cluster.name}/${slug}/${kind}`)
      .digest('hex')
      .slice(0, 16)}`;
  if (template.startsWith('mysql')) {
    return [
      { name: 'namespace', value: slug },
      { name: 'database-name', value: `launchpad-${slug}-openedx` },
      { name: 'username', value: `launchpad-${slug}` },
      { name: 'password', value: secret('mysql') },
    ];
  }
  if (template.startsWith('mongodb')) {
    return [
      { name: 'namespace', value: slug },
      { name: 'database-name', value: `launchpad-${slug}-openedx` },
      { name: 'forum-database-name', value: `launchpad-${slug}-forum` },
      { name: 'username', value: `launchpad-${slug}` },
      { name: 'password', value: secret('mongo') },
    ];
  }
  return [
    { name: 'namespace', value: slug },
    {
      name: 'bucket-name',
      value: `launchpad-${slug}-${createHash('sha1')
        .update(`${cluster.name}/${slug}/bucket`)
        .digest('hex')
        .slice(0, 7)}`,
    },
    { name: 'storage-type', value: 's3' },
  ];
}

/** An instance's namespace, workloads, provisioning workflows and backup CronJobs. */
export function seedInstanceObjects(
  store: KubeStore,
  cluster: SeedCluster,
  instance: SeedInstance,
  clock: SandboxClock,
): void {
  const now = clock.nowMs();
  const hosts = hostsFor(cluster, instance.slug);
  const images = imagesFor(cluster, instance.slug, instance.release);
  const createdAt =
    instance.state === 'provisioning' ? now - 600_000 : now - 90 * DAY;
  ensureInstanceWorkloads(store, {
    slug: instance.slug,
    namespace: instance.slug,
    openedxImage: images.openedx,
    mfeImage: images.mfe,
    lmsHost: hosts.lms,
    cmsHost: hosts.cms,
    condition: workloadCondition(instance.state),
    createdAt: new Date(createdAt),
  });
  for (const def of TEMPLATE_DEFINITIONS.filter(d =>
    d.name.includes('-provision-'),
  )) {
    const name = `${def.name.replace('-template', '')}-${short(
      `${cluster.name}/${instance.slug}/${def.name}`,
    )}`;
    const running = instance.state === 'provisioning';
    const workflow: KubeObject = {
      metadata: {
        name,
        namespace: instance.slug,
        labels: {
          'launchpad.openedx.org/instance': instance.slug,
          'workflows.argoproj.io/cluster-workflow-template': def.name,
          ...(running
            ? {}
            : {
                'workflows.argoproj.io/phase': 'Succeeded',
                'workflows.argoproj.io/completed': 'true',
              }),
        },
        ...(running
          ? { annotations: { [STEP_SECONDS_ANNOTATION]: '600' } }
          : {}),
      },
      spec: {
        arguments: {
          parameters: provisionParameters(cluster, instance.slug, def.name),
        },
        workflowTemplateRef: { name: def.name, clusterScope: true },
      },
      ...(running
        ? {}
        : { status: completedWorkflowStatus(name, def.steps, createdAt) }),
    };
    store.create(WORKFLOWS, workflow, { createdAt: new Date(createdAt) });
  }
  if (instance.dumpCronJobs) {
    for (const db of [
      {
        name: 'mysql-dump',
        image: 'mysql:8.4',
        command:
          'mysqldump --single-transaction "$MYSQL_DATABASE" | gzip > /backup/mysql.sql.gz',
        schedule: '30 2 * * *',
      },
      {
        name: 'mongodb-dump',
        image: 'mongo:7.0',
        command: 'mongodump --archive=/backup/mongodb.archive --gzip',
        schedule: '45 2 * * *',
      },
    ]) {
      const last =
        Math.floor(now / DAY) * DAY +
        (db.name === 'mysql-dump' ? 9_000_000 : 9_900_000);
      const lastRun = last > now ? last - DAY : last;
      store.create(
        CRONJOBS,
        {
          metadata: {
            name: db.name,
            namespace: instance.slug,
            labels: {
              'app.kubernetes.io/name': db.name,
              'app.kubernetes.io/part-of': 'launchpad-backups',
              'backstage.io/kubernetes-id': instance.slug,
            },
          },
          spec: {
            schedule: db.schedule,
            concurrencyPolicy: 'Forbid',
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 1,
            jobTemplate: {
              spec: {
                backoffLimit: 1,
                template: {
                  spec: {
                    restartPolicy: 'OnFailure',
                    containers: [
                      {
                        name: db.name,
                        image: db.image,
                        command: ['/bin/sh', '-c', db.command],
                      },
                    ],
                  },
                },
              },
            },
          },
          status: {
            lastScheduleTime: kubeTime(lastRun),
            lastSuccessfulTime: kubeTime(lastRun + 240_000),
          },
        },
        { createdAt: new Date(createdAt) },
      );
    }
  }
}

/** Cheap objects for generated instances: only their namespace. */
export function seedScaleObjects(store: KubeStore, count: number): void {
  for (let i = 0; i < count; i++) {
    const slug = scaleSlug(i);
    if (store.get(NAMESPACES, undefined, slug)) continue;
    store.create(NAMESPACES, {
      metadata: {
        name: slug,
        labels: {
          'kubernetes.io/metadata.name': slug,
          'launchpad.openedx.org/instance': slug,
        },
      },
      status: { phase: 'Active' },
    });
  }
}

/** After the controllers run: a Picasso-style build for the out-of-sync instance that is never synced (manual sync policy). */
export async function seedAfterStart(
  git: GitStore,
  cluster: SeedCluster,
): Promise<void> {
  const [owner, name] = cluster.repository.split('/');
  for (const instance of instancesOf(cluster).filter(
    i => i.state === 'out-of-sync',
  )) {
    await git.commitFiles(owner, name, {
      branch: cluster.branch,
      message: `[picasso] Build openedx image for ${instance.slug}`,
      changes: {
        [`instances/${instance.slug}/config.yml`]: configYaml(
          cluster,
          instance,
          2,
        ),
        ...envFiles(cluster, instance.slug, instance.release, 2),
      },
    });
  }
}
