import type {
  KubernetesListObject,
  KubernetesObject,
} from '@kubernetes/client-node';
import type { ClusterKubernetes } from '@internal/plugin-launchpad-node';

/*
 * The kinds the status caches watch, one list + watch per kind per cluster,
 * and what of each object is kept: only the fields the status derivations in
 * launchpad-common read. Never a Workflow's parameters (they hold generated
 * passwords), never a container's env, a Secret or a ConfigMap.
 */

export type Json = Record<string, unknown>;

/** A projected object: metadata kept by name/namespace/resourceVersion plus the kind's fields. */
export type Slim = KubernetesObject & Json;

export type KindName =
  | 'applications'
  | 'hpas'
  | 'deployments'
  | 'pods'
  | 'jobs'
  | 'cronjobs'
  | 'workflows'
  | 'schedules'
  | 'backups';

/** The kinds a fleet row is derived from (every watched kind but Workflows). */
export const FLEET_ROW_KINDS: readonly KindName[] = [
  'applications',
  'hpas',
  'deployments',
  'pods',
  'jobs',
  'cronjobs',
  'schedules',
  'backups',
];

export interface WatchedKind {
  name: KindName;
  /** Cluster-wide watch path (all namespaces). */
  path: string;
  /** One page of the cluster-wide list. */
  list(
    k8s: ClusterKubernetes,
    page: { limit: number; _continue?: string },
  ): Promise<KubernetesListObject<KubernetesObject>>;
  project(object: Json): Slim;
}

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function arr(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(v => obj(v) ?? {}) : [];
}

/** Copies the named keys that are present (undefined ones are left out). */
function pick(value: unknown, keys: string[]): Json | undefined {
  const source = obj(value);
  if (!source) return undefined;
  const out: Json = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/**
 * Typed list results carry `Date` objects and class instances; watch events
 * carry the wire JSON. Both are turned into the wire form (timestamps as the
 * RFC 3339 strings the API server sent) before projection.
 */
export function toWire(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? {})) as Json;
}

function meta(object: Json, extra: string[] = []): Json {
  const m = obj(object.metadata) ?? {};
  return (
    pick(m, [
      'name',
      'namespace',
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'deletionTimestamp',
      'generation',
      ...extra,
    ]) ?? {}
  );
}

function slim(object: Json, fields: Json): Slim {
  return { ...fields, metadata: fields.metadata ?? meta(object) } as Slim;
}

const conditions = (value: unknown) =>
  arr(value).map(c =>
    pick(c, ['type', 'status', 'reason', 'message', 'lastTransitionTime']),
  );

const source = (value: unknown) =>
  pick(value, ['repoURL', 'path', 'targetRevision', 'chart']);

function projectApplication(app: Json): Slim {
  const spec = obj(app.spec) ?? {};
  const status = obj(app.status) ?? {};
  const state = obj(status.operationState);
  const operation = obj(app.operation);
  const syncOf = (op: unknown) => ({
    sync: pick(obj(op)?.sync, ['revision', 'revisions']),
    initiatedBy: pick(obj(op)?.initiatedBy, ['username', 'automated']),
  });
  return slim(app, {
    metadata: meta(app),
    spec: {
      ...(spec.source ? { source: source(spec.source) } : {}),
      ...(Array.isArray(spec.sources)
        ? { sources: arr(spec.sources).map(source) }
        : {}),
      ...(obj(spec.sourceHydrator)
        ? {
            sourceHydrator: {
              drySource: pick(obj(spec.sourceHydrator)?.drySource, ['repoURL']),
              syncSource: pick(obj(spec.sourceHydrator)?.syncSource, [
                'path',
                'targetBranch',
              ]),
            },
          }
        : {}),
      destination: pick(spec.destination, ['namespace', 'server', 'name']),
    },
    ...(operation ? { operation: syncOf(operation) } : {}),
    status: {
      sync: pick(status.sync, ['status', 'revision', 'revisions']),
      health: pick(status.health, ['status', 'message']),
      reconciledAt: status.reconciledAt,
      ...(state
        ? {
            operationState: {
              ...pick(state, ['phase', 'message', 'startedAt', 'finishedAt']),
              syncResult: pick(state.syncResult, ['revision', 'revisions']),
              operation: syncOf(state.operation),
            },
          }
        : {}),
      history: arr(status.history).map(h =>
        pick(h, ['id', 'revision', 'revisions', 'deployedAt']),
      ),
      conditions: arr(status.conditions).map(c =>
        pick(c, ['type', 'message', 'lastTransitionTime']),
      ),
      // Only the resources worth naming on the card.
      resources: arr(status.resources)
        .filter(r =>
          ['Degraded', 'Missing'].includes(String(obj(r.health)?.status)),
        )
        .map(r => ({
          ...pick(r, ['group', 'kind', 'namespace', 'name', 'status']),
          health: pick(r.health, ['status', 'message']),
        })),
    },
  });
}

function projectHpa(hpa: Json): Slim {
  return slim(hpa, {
    metadata: meta(hpa),
    spec: pick(hpa.spec, [
      'scaleTargetRef',
      'minReplicas',
      'maxReplicas',
      'metrics',
      'targetCPUUtilizationPercentage',
    ]),
    status: pick(hpa.status, [
      'currentReplicas',
      'desiredReplicas',
      'currentMetrics',
      'conditions',
      'lastScaleTime',
      'currentCPUUtilizationPercentage',
    ]),
  });
}

function projectDeployment(d: Json): Slim {
  const spec = obj(d.spec) ?? {};
  const podSpec = obj(obj(spec.template)?.spec);
  return slim(d, {
    metadata: meta(d, ['labels']),
    spec: {
      replicas: spec.replicas,
      paused: spec.paused,
      // Image names only (the drift compares them with config.yml), never env.
      containers: arr(podSpec?.containers).map(c => pick(c, ['name', 'image'])),
      initContainers: arr(podSpec?.initContainers).map(c =>
        pick(c, ['name', 'image']),
      ),
    },
    status: {
      ...pick(d.status, [
        'replicas',
        'readyReplicas',
        'availableReplicas',
        'updatedReplicas',
        'unavailableReplicas',
        'observedGeneration',
      ]),
      conditions: conditions(obj(d.status)?.conditions),
    },
  });
}

function containerStatus(c: Json): Json {
  const state = obj(c.state) ?? {};
  const last = obj(c.lastState) ?? {};
  return {
    ...pick(c, ['name', 'ready', 'restartCount', 'image']),
    state: {
      ...(state.waiting
        ? { waiting: pick(state.waiting, ['reason', 'message']) }
        : {}),
      ...(state.running ? { running: pick(state.running, ['startedAt']) } : {}),
      ...(state.terminated
        ? {
            terminated: pick(state.terminated, [
              'reason',
              'exitCode',
              'message',
              'finishedAt',
            ]),
          }
        : {}),
    },
    ...(last.terminated
      ? {
          lastState: {
            terminated: pick(last.terminated, [
              'reason',
              'exitCode',
              'finishedAt',
            ]),
          },
        }
      : {}),
  };
}

function projectPod(pod: Json): Slim {
  const status = obj(pod.status) ?? {};
  const m = obj(pod.metadata) ?? {};
  const labels = obj(m.labels) ?? {};
  return slim(pod, {
    metadata: {
      ...meta(pod),
      labels: pick(labels, [
        'app.kubernetes.io/name',
        'app.kubernetes.io/instance',
        'job-name',
      ]),
      ownerReferences: arr(m.ownerReferences).map(o =>
        pick(o, ['kind', 'name', 'controller']),
      ),
    },
    status: {
      ...pick(status, ['phase', 'reason', 'message', 'startTime']),
      conditions: conditions(status.conditions),
      containerStatuses: arr(status.containerStatuses).map(containerStatus),
      initContainerStatuses: arr(status.initContainerStatuses).map(
        containerStatus,
      ),
    },
  });
}

function projectJob(job: Json): Slim {
  const m = obj(job.metadata) ?? {};
  return slim(job, {
    metadata: {
      ...meta(job, ['labels']),
      ownerReferences: arr(m.ownerReferences).map(o =>
        pick(o, ['kind', 'name']),
      ),
    },
    spec: pick(job.spec, ['backoffLimit', 'completions', 'suspend']),
    status: {
      ...pick(job.status, [
        'active',
        'succeeded',
        'failed',
        'startTime',
        'completionTime',
      ]),
      conditions: conditions(obj(job.status)?.conditions),
    },
  });
}

function projectCronJob(cj: Json): Slim {
  const status = obj(cj.status) ?? {};
  return slim(cj, {
    metadata: meta(cj, ['labels']),
    spec: pick(cj.spec, ['schedule', 'suspend', 'timeZone']),
    status: {
      active: arr(status.active).map(a => pick(a, ['name'])),
      ...pick(status, ['lastScheduleTime', 'lastSuccessfulTime']),
    },
  });
}

function projectWorkflow(wf: Json): Slim {
  const status = obj(wf.status) ?? {};
  const nodes = obj(status.nodes) ?? {};
  // Failed leaves, the Retry nodes that group them and waiting Suspend nodes: what deriveWorkflowStatus
  // names. Node inputs/outputs (parameter values) are never kept.
  const kept: Json = {};
  for (const [id, node] of Object.entries(nodes)) {
    const n = obj(node);
    if (!n) continue;
    const failed = n.phase === 'Failed' || n.phase === 'Error';
    const waiting = n.type === 'Suspend' && n.phase === 'Running';
    if (!failed && !waiting && n.type !== 'Retry') continue;
    kept[id] = pick(n, [
      'id',
      'name',
      'displayName',
      'type',
      'phase',
      'message',
      'startedAt',
      'finishedAt',
      ...(n.type === 'Retry' ? ['children'] : []),
    ]);
  }
  const spec = obj(wf.spec) ?? {};
  return slim(wf, {
    metadata: meta(wf, ['labels', 'generateName']),
    spec: {
      ...(spec.suspend !== undefined ? { suspend: spec.suspend } : {}),
      ...(spec.workflowTemplateRef
        ? {
            workflowTemplateRef: pick(spec.workflowTemplateRef, [
              'name',
              'clusterScope',
            ]),
          }
        : {}),
    },
    status: {
      ...pick(status, [
        'phase',
        'message',
        'startedAt',
        'finishedAt',
        'progress',
        'offloadNodeStatusVersion',
      ]),
      nodes: kept,
    },
  });
}

function projectSchedule(s: Json): Slim {
  const spec = obj(s.spec) ?? {};
  return slim(s, {
    metadata: meta(s),
    spec: {
      ...pick(spec, ['schedule', 'paused']),
      template: pick(spec.template, [
        'includedNamespaces',
        'excludedNamespaces',
        'ttl',
      ]),
    },
    status: pick(s.status, ['phase', 'lastBackup', 'validationErrors']),
  });
}

function projectBackup(b: Json): Slim {
  const m = obj(b.metadata) ?? {};
  const labels = obj(m.labels) ?? {};
  return slim(b, {
    metadata: { ...meta(b), labels: pick(labels, ['velero.io/schedule-name']) },
    spec: pick(b.spec, ['includedNamespaces', 'excludedNamespaces', 'ttl']),
    status: pick(b.status, [
      'phase',
      'startTimestamp',
      'completionTimestamp',
      'expiration',
      'errors',
      'warnings',
      'failureReason',
      'validationErrors',
    ]),
  });
}

type Page = { limit: number; _continue?: string };
const custom =
  (group: string, version: string, plural: string) =>
  (k8s: ClusterKubernetes, page: Page) =>
    k8s.custom.listCustomObjectForAllNamespaces({
      group,
      version,
      plural,
      ...page,
    }) as Promise<KubernetesListObject<KubernetesObject>>;

export const WATCHED_KINDS: WatchedKind[] = [
  {
    name: 'applications',
    path: '/apis/argoproj.io/v1alpha1/applications',
    list: custom('argoproj.io', 'v1alpha1', 'applications'),
    project: projectApplication,
  },
  {
    name: 'hpas',
    path: '/apis/autoscaling/v2/horizontalpodautoscalers',
    list: (k8s, page) =>
      k8s.autoscaling.listHorizontalPodAutoscalerForAllNamespaces(page),
    project: projectHpa,
  },
  {
    name: 'deployments',
    path: '/apis/apps/v1/deployments',
    list: (k8s, page) => k8s.apps.listDeploymentForAllNamespaces(page),
    project: projectDeployment,
  },
  {
    name: 'pods',
    path: '/api/v1/pods',
    list: (k8s, page) => k8s.core.listPodForAllNamespaces(page),
    project: projectPod,
  },
  {
    name: 'jobs',
    path: '/apis/batch/v1/jobs',
    list: (k8s, page) => k8s.batch.listJobForAllNamespaces(page),
    project: projectJob,
  },
  {
    name: 'cronjobs',
    path: '/apis/batch/v1/cronjobs',
    list: (k8s, page) => k8s.batch.listCronJobForAllNamespaces(page),
    project: projectCronJob,
  },
  {
    name: 'workflows',
    path: '/apis/argoproj.io/v1alpha1/workflows',
    list: custom('argoproj.io', 'v1alpha1', 'workflows'),
    project: projectWorkflow,
  },
  {
    name: 'schedules',
    path: '/apis/velero.io/v1/schedules',
    list: custom('velero.io', 'v1', 'schedules'),
    project: projectSchedule,
  },
  {
    name: 'backups',
    path: '/apis/velero.io/v1/backups',
    list: custom('velero.io', 'v1', 'backups'),
    project: projectBackup,
  },
];
