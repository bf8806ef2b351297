import {
  deriveArgocdStatus,
  deriveAutoscalerStatus,
  deriveBackupStatus,
  deriveCronJobStatus,
  deriveWorkflowStatus,
  deriveWorkloadsStatus,
  deriveInstanceVerdict,
  deriveInstanceDrift,
  fleetRowStatus,
  type ClusterFreshness,
  type FleetResponse,
  type FleetRow,
  type InstanceStatusResponse,
} from '@internal/plugin-launchpad-common';

/*
 * Instance status answers as the `launchpad` backend builds them
 * (plugins/launchpad-backend/src/status/StatusService.ts): the real
 * derivation functions of launchpad-common applied to Kubernetes objects
 * shaped like the sandbox seed's (ArgoCD Applications, autoscaling/v2 HPAs,
 * apps/v1 Deployments, v1 Pods, batch/v1 Jobs and CronJobs, Velero
 * Schedules and Backups), so the cards are tested on what the backend
 * really answers.
 */

/** The backend's clock for every fixture. */
export const NOW = '2026-12-01T09:00:00Z';
const NOW_MS = Date.parse(NOW);
const ago = (minutes: number) =>
  new Date(NOW_MS - minutes * 60_000).toISOString().replace('.000Z', 'Z');

export const REVISION = '4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
const PREVIOUS = '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c';

/** The image tag the fixtures' Deployments run; config.yml names a newer one for an out-of-sync instance. */
export const RUNNING_TAG = 'teak-4f2a9c1';
export const CONFIG_TAG_OUT_OF_SYNC = 'teak-9d8e7f6';
const imageOf = (slug: string, name: string, tag: string) =>
  `docker.io/acme-edu/openedx-${name === 'mfe' ? 'mfe-' : ''}${slug}:${tag}`;

export type SeedState =
  | 'healthy'
  | 'out-of-sync'
  | 'degraded'
  | 'at-max'
  | 'backup-failing'
  | 'backup-overdue'
  | 'crash-looping'
  | 'metrics-unavailable'
  | 'syncing';

export function application(
  cluster: string,
  slug: string,
  state: SeedState,
): Record<string, unknown> {
  const outOfSync = state === 'out-of-sync';
  const degraded = state === 'degraded';
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `${slug}-${cluster}`, namespace: 'argocd' },
    spec: {
      project: 'default',
      source: {
        repoURL: `https://github.com/acme-edu/launchpad-cluster-${cluster}.git`,
        targetRevision: 'main',
        path: `instances/${slug}/env`,
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: slug,
      },
      syncPolicy: outOfSync
        ? { syncOptions: ['CreateNamespace=true'] }
        : { automated: { prune: true, selfHeal: true } },
    },
    ...(state === 'syncing'
      ? {
          operation: {
            sync: { revision: REVISION },
            initiatedBy: { username: 'user:default/guest' },
          },
        }
      : {}),
    status: {
      sync: {
        status: outOfSync ? 'OutOfSync' : 'Synced',
        revision: REVISION,
        comparedTo: {
          source: {
            repoURL: `https://github.com/acme-edu/launchpad-cluster-${cluster}.git`,
          },
        },
      },
      health: degraded
        ? {
            status: 'Degraded',
            message: 'Deployment "lms" exceeded its progress deadline',
          }
        : { status: 'Healthy' },
      reconciledAt: ago(1),
      resources: degraded
        ? [
            {
              group: 'apps',
              version: 'v1',
              kind: 'Deployment',
              namespace: slug,
              name: 'lms',
              status: 'Synced',
              health: {
                status: 'Degraded',
                message: 'Deployment "lms" exceeded its progress deadline',
              },
            },
          ]
        : [],
      operationState: {
        operation: {
          sync: { revision: outOfSync ? PREVIOUS : REVISION },
          initiatedBy: outOfSync ? { username: 'admin' } : { automated: true },
        },
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: ago(62),
        finishedAt: ago(61),
        syncResult: { revision: outOfSync ? PREVIOUS : REVISION },
      },
      history: [
        { id: 0, revision: PREVIOUS, deployedAt: ago(24 * 60) },
        ...(outOfSync
          ? []
          : [{ id: 1, revision: REVISION, deployedAt: ago(61) }]),
      ],
    },
  };
}

function hpa(
  slug: string,
  name: string,
  state: SeedState,
): Record<string, unknown> {
  const atMax = state === 'at-max' && name === 'lms';
  const noMetrics = state === 'metrics-unavailable';
  const current = atMax ? 10 : 2;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: `${name}-hpa`, namespace: slug },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: 80 },
          },
        },
        {
          type: 'Resource',
          resource: {
            name: 'memory',
            target: { type: 'AverageValue', averageValue: '1500Mi' },
          },
        },
      ],
    },
    status: {
      currentReplicas: current,
      desiredReplicas: current,
      currentMetrics: noMetrics
        ? []
        : [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                current: {
                  averageUtilization: atMax ? 97 : 35,
                  averageValue: '350m',
                },
              },
            },
            {
              type: 'Resource',
              resource: { name: 'memory', current: { averageValue: '900Mi' } },
            },
          ],
      conditions: [
        {
          type: 'AbleToScale',
          status: 'True',
          reason: 'ReadyForNewScale',
          lastTransitionTime: ago(300),
        },
        noMetrics
          ? {
              type: 'ScalingActive',
              status: 'False',
              reason: 'FailedGetResourceMetric',
              message:
                'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
              lastTransitionTime: ago(20),
            }
          : {
              type: 'ScalingActive',
              status: 'True',
              reason: 'ValidMetricFound',
              lastTransitionTime: ago(300),
            },
        atMax
          ? {
              type: 'ScalingLimited',
              status: 'True',
              reason: 'TooManyReplicas',
              message:
                'the desired replica count is more than the maximum replica count',
              lastTransitionTime: ago(45),
            }
          : {
              type: 'ScalingLimited',
              status: 'False',
              reason: 'DesiredWithinRange',
              lastTransitionTime: ago(300),
            },
      ],
    },
  };
}

function deployment(
  slug: string,
  name: string,
  state: SeedState,
): Record<string, unknown> {
  const broken = state === 'degraded' && name === 'lms';
  const replicas = name === 'lms' || name === 'cms' ? 2 : 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: slug, generation: 3 },
    spec: {
      replicas,
      template: {
        spec: {
          containers: [{ name, image: imageOf(slug, name, RUNNING_TAG) }],
        },
      },
    },
    status: {
      observedGeneration: 3,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: broken ? 0 : replicas,
      availableReplicas: broken ? 0 : replicas,
      ...(broken ? { unavailableReplicas: replicas } : {}),
      conditions: broken
        ? [
            {
              type: 'Available',
              status: 'False',
              reason: 'MinimumReplicasUnavailable',
              message: 'Deployment does not have minimum availability.',
            },
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "lms-7d9f8b6c5d" has timed out progressing.',
            },
          ]
        : [
            {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
            },
            {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
            },
          ],
    },
  };
}

/** `kubectl rollout pause`: the controller reports Progressing Unknown, reason DeploymentPaused. */
function paused(d: Record<string, unknown>): Record<string, unknown> {
  const status = d.status as { conditions: Array<{ type: string }> };
  return {
    ...d,
    spec: { ...(d.spec as object), paused: true },
    status: {
      ...status,
      conditions: [
        ...status.conditions.filter(c => c.type !== 'Progressing'),
        {
          type: 'Progressing',
          status: 'Unknown',
          reason: 'DeploymentPaused',
          message: 'Deployment is paused',
        },
      ],
    },
  };
}

function pods(slug: string, state: SeedState): unknown[] {
  const waiting = (
    pod: string,
    container: string,
    reason: string,
    message: string,
    restartCount: number,
  ) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod, namespace: slug },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: container,
          ready: false,
          restartCount,
          image: `docker.io/acme-edu/openedx-${slug}:teak-4f2a9c1`,
          state: { waiting: { reason, message } },
        },
      ],
    },
  });
  if (state === 'degraded' || state === 'crash-looping') {
    return [
      waiting(
        'lms-7d9f8b6c5d-x2k4p',
        'lms',
        'CrashLoopBackOff',
        'back-off 5m0s restarting failed container=lms pod=lms-7d9f8b6c5d-x2k4p_legacy-campus',
        14,
      ),
      waiting(
        'mfe-5c6b7d8e9f-q7w8e',
        'mfe',
        'ImagePullBackOff',
        'Back-off pulling image "docker.io/acme-edu/openedx-mfe:sumac-missing"',
        0,
      ),
    ];
  }
  return [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'lms-6b8c9d7f5e-abcde', namespace: slug },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'lms',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: ago(300) } },
          },
        ],
      },
    },
  ];
}

function jobs(slug: string, state: SeedState): unknown[] {
  if (state !== 'degraded') return [];
  return [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'lms-job-20261201083000',
        namespace: slug,
        creationTimestamp: ago(30),
      },
      status: {
        failed: 1,
        startTime: ago(30),
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: ago(25),
          },
        ],
      },
    },
  ];
}

const SCHEDULE = {
  apiVersion: 'velero.io/v1',
  kind: 'Schedule',
  metadata: {
    name: 'daily-instances',
    namespace: 'velero',
    creationTimestamp: ago(60 * 24 * 30),
  },
  spec: {
    schedule: '0 3 * * *',
    template: {
      includedNamespaces: ['*'],
      excludedNamespaces: ['kube-system'],
      ttl: '720h0m0s',
    },
  },
  status: { phase: 'Enabled', lastBackup: ago(6 * 60) },
};

function backup(
  name: string,
  phase: string,
  startedMinutesAgo: number,
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: {
      name,
      namespace: 'velero',
      labels: { 'velero.io/schedule-name': 'daily-instances' },
      creationTimestamp: ago(startedMinutesAgo),
    },
    spec: {
      includedNamespaces: ['*'],
      excludedNamespaces: ['kube-system'],
      ttl: '720h0m0s',
    },
    status: {
      phase,
      startTimestamp: ago(startedMinutesAgo),
      ...(phase === 'Completed' ||
      phase === 'Failed' ||
      phase === 'PartiallyFailed'
        ? { completionTimestamp: ago(startedMinutesAgo - 10) }
        : {}),
      ...extra,
    },
  };
}

function backups(state: SeedState): unknown[] {
  if (state === 'backup-failing') {
    return [
      backup('daily-instances-20261201030000', 'Failed', 6 * 60, {
        failureReason:
          'error checking if backup already exists in object storage: AccessDenied',
      }),
      backup('daily-instances-20261130030000', 'PartiallyFailed', 30 * 60, {
        errors: 3,
        warnings: 1,
      }),
      backup(
        'daily-instances-20261127030000',
        'Completed',
        4 * 24 * 60 + 6 * 60,
      ),
    ];
  }
  if (state === 'backup-overdue') {
    return [
      backup(
        'daily-instances-20261127030000',
        'Completed',
        4 * 24 * 60 + 6 * 60,
      ),
    ];
  }
  return [
    backup('daily-instances-20261201030000', 'Completed', 6 * 60),
    backup('daily-instances-20261130030000', 'Completed', 30 * 60),
  ];
}

function cronJobs(slug: string, state: SeedState, dumps: boolean): unknown[] {
  if (!dumps) return [];
  const cronJob = (name: string, failing: boolean) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: slug },
    spec: { schedule: '30 2 * * *', suspend: false },
    status: {
      lastScheduleTime: ago(6 * 60 + 30),
      lastSuccessfulTime: failing ? ago(30 * 60 + 20) : ago(6 * 60 + 20),
    },
  });
  return [
    cronJob('mongodb-dump', false),
    cronJob('mysql-dump', state === 'backup-failing'),
  ];
}

export function freshness(
  cluster: string,
  stale?: { seconds: number; error: string },
): ClusterFreshness {
  return stale
    ? {
        cluster,
        state: 'stale',
        lastGoodAt: new Date(NOW_MS - stale.seconds * 1000).toISOString(),
        staleSeconds: stale.seconds,
        error: stale.error,
      }
    : { cluster, state: 'ok', lastGoodAt: NOW };
}

/** An Argo Workflow from a ClusterWorkflowTemplate, as the sandbox's Argo controller writes it. */
export function workflow(
  slug: string,
  template: string,
  phase: 'Running' | 'Succeeded' | 'Failed',
  options: WorkflowFixtureOptions = {},
): Record<string, unknown> {
  const name = `${template}-${slug}`;
  const step = (
    id: string,
    stepName: string,
    nodePhase: string,
    message?: string,
  ) => ({
    id,
    name: `${name}[0].${stepName}`,
    displayName: stepName,
    type: 'Pod',
    templateName: stepName,
    phase: nodePhase,
    startedAt: ago(9),
    ...(nodePhase === 'Running' ? {} : { finishedAt: ago(8) }),
    ...(message ? { message } : {}),
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name,
      namespace: slug,
      creationTimestamp: ago(10),
      labels: { 'workflows.argoproj.io/cluster-workflow-template': template },
    },
    spec: {
      workflowTemplateRef: { name: template, clusterScope: true },
      ...(options.suspend === 'spec' ? { suspend: true } : {}),
    },
    status: {
      phase,
      startedAt: ago(10),
      ...(phase === 'Running' ? {} : { finishedAt: ago(8) }),
      ...(phase === 'Failed' ? { message: 'child failed' } : {}),
      // With ALWAYS_OFFLOAD_NODE_STATUS or a large workflow the controller
      // keeps the nodes in its database and writes only their version.
      ...(options.offloaded
        ? { offloadNodeStatusVersion: 'fnv:784403265' }
        : {
            nodes: {
              [name]: {
                id: name,
                name,
                displayName: name,
                type: 'Steps',
                phase,
                startedAt: ago(10),
              },
              [`${name}-1`]: step(
                `${name}-1`,
                'create-database',
                options.suspend === 'node' ? 'Succeeded' : phase,
                phase === 'Failed'
                  ? "ERROR 1044 (42000): Access denied for user 'launchpad'"
                  : undefined,
              ),
              ...(options.suspend === 'node'
                ? {
                    [`${name}-2`]: {
                      ...step(`${name}-2`, 'approve', 'Running'),
                      type: 'Suspend',
                    },
                  }
                : {}),
            },
          }),
    },
  };
}

export interface WorkflowFixtureOptions {
  /** Suspended by `spec.suspend` (argo suspend) or by a Suspend step waiting. */
  suspend?: 'spec' | 'node';
  /** Node status offloaded to Argo's database. */
  offloaded?: boolean;
}

export interface StatusFixtureOptions {
  cluster?: string;
  slug?: string;
  state?: SeedState;
  dumpCronJobs?: boolean;
  stale?: { seconds: number; error: string };
  /** No Application of the instance's name on the cluster. */
  noApplication?: boolean;
  /** Argo Workflows in the namespace. */
  workflows?: Array<
    {
      template: string;
      phase: 'Running' | 'Succeeded' | 'Failed';
    } & WorkflowFixtureOptions
  >;
  /** Deployments with `spec.paused` (kubectl rollout pause). */
  pausedDeployments?: string[];
}

/** What `GET /instances/:namespace/:name/status` answers for an instance in that state. */
export function instanceStatus(
  options: StatusFixtureOptions = {},
): InstanceStatusResponse {
  const cluster = options.cluster ?? 'staging';
  const slug = options.slug ?? 'demo';
  const state = options.state ?? 'healthy';
  const app = `${slug}-${cluster}`;
  const argocd = options.noApplication
    ? undefined
    : {
        ...deriveArgocdStatus(application(cluster, slug, state)),
        application: app,
        url: `http://127.0.0.1:7101/argocd/applications/${app}`,
      };
  const autoscalers = ['cms', 'lms'].map(name =>
    deriveAutoscalerStatus(hpa(slug, name, state)),
  );
  const deployments = ['cms', 'cms-worker', 'lms', 'lms-worker', 'mfe'].map(
    name =>
      options.pausedDeployments?.includes(name)
        ? paused(deployment(slug, name, state))
        : deployment(slug, name, state),
  );
  const workloads = deriveWorkloadsStatus({
    deployments,
    pods: pods(slug, state),
    jobs: jobs(slug, state),
  });
  // The head is REVISION, seen for an hour; an out-of-sync instance's config.yml names a build not deployed yet.
  const drift = deriveInstanceDrift({
    config: {
      openedx: imageOf(
        slug,
        'lms',
        state === 'out-of-sync' ? CONFIG_TAG_OUT_OF_SYNC : RUNNING_TAG,
      ),
      mfe: imageOf(slug, 'mfe', RUNNING_TAG),
    },
    deployments,
    application: options.noApplication
      ? undefined
      : application(cluster, slug, state),
    repository: `acme-edu/launchpad-cluster-${cluster}`,
    branch: 'main',
    head: {
      sha: REVISION,
      firstSeenAt: NOW_MS - 3_600_000,
      fetchedAt: NOW_MS - 10_000,
    },
    now: NOW_MS,
  });
  const backupsStatus = {
    ...deriveBackupStatus({
      namespace: slug,
      schedules: [SCHEDULE],
      backups: backups(state),
      now: NOW,
    }),
    cronJobs: cronJobs(slug, state, options.dumpCronJobs ?? false).map(
      deriveCronJobStatus,
    ),
  };
  return {
    entityRef: `component:${cluster}/${slug}`,
    cluster,
    namespace: slug,
    freshness: freshness(cluster, options.stale),
    ...(argocd ? { argocd } : {}),
    autoscalers,
    workloads,
    backups: backupsStatus,
    workflows: (options.workflows ?? []).map(w => ({
      name: `${w.template}-${slug}`,
      template: w.template,
      ...deriveWorkflowStatus(workflow(slug, w.template, w.phase, w)),
    })),
    drift,
    verdict: deriveInstanceVerdict({
      argocd,
      autoscalers,
      workloads,
      backup: backupsStatus,
      cronJobs: backupsStatus.cronJobs,
    }),
    generatedAt: NOW,
  };
}

/** The fleet row of an instance, as StatusService.row builds it. */
export function fleetRow(
  options: StatusFixtureOptions & { title?: string; release?: string },
): FleetRow {
  const status = instanceStatus(options);
  const { autoscalers, workloads, argocd } = status;
  return {
    entityRef: status.entityRef,
    name: status.namespace,
    ...(options.title ? { title: options.title } : {}),
    cluster: status.cluster,
    namespace: status.namespace,
    release: options.release ?? 'teak',
    ...fleetRowStatus({
      argocd,
      autoscalers,
      workloads,
      backup: status.backups,
      cronJobs: status.backups.cronJobs,
    }),
    ...(status.drift
      ? {
          drift: {
            images: status.drift.images,
            revision: status.drift.revision,
            drifted: status.drift.drifted,
            syncedRevision: status.drift.syncedRevision,
            headRevision: status.drift.headRevision,
          },
        }
      : {}),
    stale: status.freshness.state !== 'ok',
  };
}

/** The seed's eight instances (packages/sandbox/src/seed/instances.ts) as fleet rows. */
export const SEED_ROWS: FleetRow[] = [
  fleetRow({ cluster: 'staging', slug: 'demo', title: 'Acme Demo (staging)' }),
  fleetRow({
    cluster: 'staging',
    slug: 'physics-101',
    title: 'Physics 101',
    state: 'out-of-sync',
  }),
  fleetRow({
    cluster: 'staging',
    slug: 'summer-school',
    title: 'Summer School',
    state: 'syncing',
  }),
  fleetRow({
    cluster: 'staging',
    slug: 'broken-config',
    title: 'Broken Config',
  }),
  fleetRow({
    cluster: 'production',
    slug: 'demo',
    title: 'Acme Demo',
    dumpCronJobs: true,
  }),
  fleetRow({
    cluster: 'production',
    slug: 'university',
    title: 'Acme University',
    state: 'at-max',
    dumpCronJobs: true,
  }),
  fleetRow({
    cluster: 'production',
    slug: 'legacy-campus',
    title: 'Legacy Campus',
    state: 'degraded',
    release: 'sumac',
  }),
  fleetRow({
    cluster: 'production',
    slug: 'archive',
    title: 'Course Archive',
    state: 'backup-failing',
    release: 'sumac',
  }),
];

/** A fleet answer over those rows (the summary counts them all, as the backend does). */
export function fleetResponse(
  rows: FleetRow[],
  page: { offset?: number; limit?: number; totalCount?: number } = {},
): FleetResponse {
  const byVerdict = { ok: 0, progressing: 0, warning: 0, error: 0, unknown: 0 };
  for (const row of SEED_ROWS) byVerdict[row.verdict]++;
  return {
    items: rows,
    totalCount: page.totalCount ?? rows.length,
    offset: page.offset ?? 0,
    limit: page.limit ?? 20,
    summary: {
      total: SEED_ROWS.length,
      outOfSync: SEED_ROWS.filter(r => r.sync === 'OutOfSync').length,
      degraded: SEED_ROWS.filter(r => r.health === 'Degraded').length,
      atMax: SEED_ROWS.filter(r => r.replicas.atMax).length,
      crashLooping: SEED_ROWS.filter(r => r.workloads.crashLooping > 0).length,
      backupOverdue: SEED_ROWS.filter(
        r => r.backup === 'overdue' || r.backup === 'failing',
      ).length,
      drifted: SEED_ROWS.filter(r => r.drift?.drifted).length,
      byVerdict,
    },
    clusters: [freshness('staging'), freshness('production')],
    generatedAt: NOW,
  };
}
