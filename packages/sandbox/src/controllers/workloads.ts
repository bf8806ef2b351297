import { createHash } from 'node:crypto';
import type { KubeStore } from '../kube/store';
import { resource } from '../kube/resources';
import { kubeTime, type KubeObject } from '../kube/types';

export const NAMESPACES = resource('', 'namespaces');
export const PODS = resource('', 'pods');
export const SERVICES = resource('', 'services');
export const DEPLOYMENTS = resource('apps', 'deployments');
export const REPLICASETS = resource('apps', 'replicasets');
export const HPAS = resource('autoscaling', 'horizontalpodautoscalers');
export const INGRESSES = resource('networking.k8s.io', 'ingresses');
export const CRONJOBS = resource('batch', 'cronjobs');

/** What the instance's pods look like: running, crash-looping (cms), or still starting. */
export type WorkloadCondition = 'healthy' | 'degraded' | 'progressing';

export interface InstanceWorkloads {
  slug: string;
  namespace: string;
  openedxImage: string;
  mfeImage: string;
  condition?: WorkloadCondition;
  lmsHost?: string;
  cmsHost?: string;
  createdAt: Date;
}

/** The Open edX deployments Tutor renders, and the HPAs Harmony/Drydock add for them. */
export const DEPLOYMENT_SPECS = [
  {
    name: 'lms',
    image: 'openedx',
    port: 8000,
    hpa: { min: 2, max: 8, cpu: 75 },
  },
  {
    name: 'cms',
    image: 'openedx',
    port: 8000,
    hpa: { min: 1, max: 4, cpu: 75 },
  },
  { name: 'lms-worker', image: 'openedx', hpa: { min: 1, max: 6, cpu: 80 } },
  { name: 'cms-worker', image: 'openedx', hpa: { min: 1, max: 3, cpu: 80 } },
  { name: 'mfe', image: 'mfe', port: 8002 },
] as const;

const hash = (text: string, length: number) =>
  createHash('sha1').update(text).digest('hex').slice(0, length);

function labelsFor(slug: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/instance': `openedx-${slug}`,
    'app.kubernetes.io/part-of': 'openedx',
    'app.kubernetes.io/managed-by': 'tutor',
    'backstage.io/kubernetes-id': slug,
  };
}

/**
 * Creates an instance namespace's workloads (deployments, replica sets, pods,
 * services, HPAs, ingress) unless they exist. Used by the seed and by the
 * ArgoCD controller when it first syncs a new instance.
 */
export function ensureInstanceWorkloads(
  store: KubeStore,
  w: InstanceWorkloads,
): void {
  const ns = w.namespace;
  const created = kubeTime(w.createdAt);
  if (!store.get(NAMESPACES, undefined, ns)) {
    store.create(NAMESPACES, {
      metadata: {
        name: ns,
        labels: {
          'kubernetes.io/metadata.name': ns,
          'app.kubernetes.io/managed-by': 'launchpad',
          'launchpad.openedx.org/instance': w.slug,
        },
      },
      status: { phase: 'Active' },
    });
  }
  if (store.get(DEPLOYMENTS, ns, 'lms')) return;
  for (const spec of DEPLOYMENT_SPECS) {
    const labels = labelsFor(w.slug, spec.name);
    const image = spec.image === 'mfe' ? w.mfeImage : w.openedxImage;
    const replicas = 'hpa' in spec ? spec.hpa.min : 1;
    const failing = w.condition === 'degraded' && spec.name === 'cms';
    const starting = w.condition === 'progressing';
    const ready = failing || starting ? 0 : replicas;
    const template = {
      metadata: { labels },
      spec: {
        containers: [
          {
            name: spec.name,
            image,
            ...('port' in spec
              ? { ports: [{ containerPort: spec.port, name: 'http' }] }
              : {}),
            resources: {
              requests: { cpu: '250m', memory: '1Gi' },
              limits: { memory: '2Gi' },
            },
          },
        ],
      },
    };
    const podHash = hash(`${ns}/${spec.name}/${image}`, 10).replace(
      /[0-9a-f]/g,
      c => 'bcdfghjklm'['0123456789abcdef'.indexOf(c) % 10],
    );
    store.create(DEPLOYMENTS, {
      metadata: {
        name: spec.name,
        namespace: ns,
        labels,
        annotations: { 'deployment.kubernetes.io/revision': '1' },
      },
      spec: { replicas, selector: { matchLabels: labels }, template },
      status: {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(ready < replicas ? { unavailableReplicas: replicas - ready } : {}),
        conditions: [
          {
            type: 'Available',
            status: ready >= replicas ? 'True' : 'False',
            reason:
              ready >= replicas
                ? 'MinimumReplicasAvailable'
                : 'MinimumReplicasUnavailable',
            message:
              ready >= replicas
                ? 'Deployment has minimum availability.'
                : 'Deployment does not have minimum availability.',
            lastUpdateTime: created,
            lastTransitionTime: created,
          },
          {
            type: 'Progressing',
            status: failing ? 'False' : 'True',
            ...progressingCondition(
              `${spec.name}-${podHash}`,
              failing,
              starting,
            ),
            lastUpdateTime: created,
            lastTransitionTime: created,
          },
        ],
      },
    });
    const rsLabels = { ...labels, 'pod-template-hash': podHash };
    store.create(REPLICASETS, {
      metadata: {
        name: `${spec.name}-${podHash}`,
        namespace: ns,
        labels: rsLabels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: spec.name,
            uid: store.get(DEPLOYMENTS, ns, spec.name)!.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: rsLabels },
        template: { ...template, metadata: { labels: rsLabels } },
      },
      status: {
        replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        fullyLabeledReplicas: replicas,
        observedGeneration: 1,
      },
    });
    for (let i = 0; i < replicas; i++) {
      const podName = `${spec.name}-${podHash}-${hash(
        `${ns}/${spec.name}/${i}`,
        5,
      ).replace(/[0-9]/g, c => 'bcdfghjklm'[Number(c)])}`;
      let podState: PodState = 'running';
      if (failing) podState = 'crash';
      else if (starting) podState = 'starting';
      store.create(
        PODS,
        podObject(
          ns,
          podName,
          rsLabels,
          template.spec.containers[0],
          created,
          podState,
        ),
      );
    }
    if ('port' in spec) {
      store.create(SERVICES, {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: {
          type: 'ClusterIP',
          selector: labels,
          ports: [
            {
              name: 'http',
              port: spec.port,
              targetPort: spec.port,
              protocol: 'TCP',
            },
          ],
        },
      });
    }
    if ('hpa' in spec) {
      store.create(HPAS, hpaObject(ns, spec.name, labels, spec.hpa, created));
    }
  }
  if (w.lmsHost && w.cmsHost) {
    store.create(INGRESSES, {
      metadata: {
        name: 'openedx',
        namespace: ns,
        labels: labelsFor(w.slug, 'ingress'),
      },
      spec: {
        ingressClassName: 'nginx',
        rules: [w.lmsHost, w.cmsHost].map((host, i) => ({
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: {
                  service: {
                    name: i === 0 ? 'lms' : 'cms',
                    port: { number: 8000 },
                  },
                },
              },
            ],
          },
        })),
        tls: [{ hosts: [w.lmsHost, w.cmsHost], secretName: `${w.slug}-tls` }],
      },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    });
  }
}

type PodState = 'running' | 'crash' | 'starting';

function progressingCondition(
  replicaSet: string,
  failing: boolean,
  starting: boolean,
) {
  if (failing) {
    return {
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${replicaSet}" has timed out progressing.`,
    };
  }
  if (starting)
    return {
      reason: 'ReplicaSetUpdated',
      message: `ReplicaSet "${replicaSet}" is progressing.`,
    };
  return {
    reason: 'NewReplicaSetAvailable',
    message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
  };
}

const CONTAINER_STATES = {
  running: (startedAt: string) => ({ running: { startedAt } }),
  crash: (_: string, container: string) => ({
    waiting: {
      reason: 'CrashLoopBackOff',
      message: `back-off 5m0s restarting failed container=${container}`,
    },
  }),
  starting: () => ({ waiting: { reason: 'ContainerCreating' } }),
};

function podObject(
  ns: string,
  name: string,
  labels: Record<string, string>,
  container: { name: string; image: string },
  created: string,
  state: PodState,
): KubeObject {
  const containerState = CONTAINER_STATES[state](created, container.name);
  return {
    metadata: { name, namespace: ns, labels },
    spec: {
      containers: [container],
      restartPolicy: 'Always',
      nodeName: 'sandbox-node-1',
    },
    status: {
      phase: state === 'starting' ? 'Pending' : 'Running',
      podIP: '10.42.0.10',
      hostIP: '10.0.0.10',
      startTime: created,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: created },
        {
          type: 'Ready',
          status: state === 'running' ? 'True' : 'False',
          lastTransitionTime: created,
        },
      ],
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          imageID: '',
          ready: state === 'running',
          started: state !== 'starting',
          restartCount: state === 'crash' ? 17 : 0,
          state: containerState,
        },
      ],
    },
  };
}

export function hpaObject(
  ns: string,
  name: string,
  labels: Record<string, string>,
  hpa: { min: number; max: number; cpu: number },
  created: string,
): KubeObject {
  return {
    metadata: { name, namespace: ns, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: hpa.min,
      maxReplicas: hpa.max,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: hpa.cpu },
          },
        },
      ],
    },
    status: {
      currentReplicas: hpa.min,
      desiredReplicas: hpa.min,
      lastScaleTime: created,
      currentMetrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            current: {
              averageUtilization: Math.round(hpa.cpu / 2),
              averageValue: '125m',
            },
          },
        },
      ],
      conditions: [],
    },
  };
}

/** Marks an instance namespace's deployments and pods ready (a fresh instance finished rolling out). */
export function markWorkloadsReady(
  store: KubeStore,
  namespace: string,
  now: Date,
): void {
  const started = kubeTime(now);
  for (const deployment of store.list(DEPLOYMENTS, { namespace })) {
    store.update(DEPLOYMENTS, namespace, deployment.metadata.name!, obj => {
      const replicas = (obj.spec as { replicas?: number }).replicas ?? 1;
      const status = (obj.status ?? {}) as {
        conditions?: Array<Record<string, string>>;
      };
      obj.status = {
        ...status,
        replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        updatedReplicas: replicas,
        unavailableReplicas: undefined,
        conditions: (status.conditions ?? []).map(c =>
          c.type === 'Available'
            ? {
                ...c,
                status: 'True',
                reason: 'MinimumReplicasAvailable',
                message: 'Deployment has minimum availability.',
                lastTransitionTime: started,
              }
            : {
                ...c,
                status: 'True',
                reason: 'NewReplicaSetAvailable',
                message: String(c.message ?? '').replace(
                  'is progressing',
                  'has successfully progressed',
                ),
              },
        ),
      };
      delete (obj.status as Record<string, unknown>).unavailableReplicas;
    });
  }
  for (const pod of store.list(PODS, { namespace })) {
    store.update(PODS, namespace, pod.metadata.name!, obj => {
      const status = (obj.status ?? {}) as {
        containerStatuses?: Array<Record<string, unknown>>;
        conditions?: Array<Record<string, string>>;
      };
      obj.status = {
        ...status,
        phase: 'Running',
        conditions: (status.conditions ?? []).map(c =>
          c.type === 'Ready'
            ? { ...c, status: 'True', lastTransitionTime: started }
            : c,
        ),
        containerStatuses: (status.containerStatuses ?? []).map(c => ({
          ...c,
          ready: true,
          started: true,
          state: { running: { startedAt: started } },
        })),
      };
    });
  }
}

/** ArgoCD's health of an instance namespace, from its deployments. */
export function namespaceHealth(
  store: KubeStore,
  namespace: string,
): {
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Missing';
  message?: string;
} {
  if (!store.get(NAMESPACES, undefined, namespace)) {
    return {
      status: 'Missing',
      message: `namespace "${namespace}" does not exist`,
    };
  }
  let progressing: string | undefined;
  for (const deployment of store.list(DEPLOYMENTS, { namespace })) {
    const name = deployment.metadata.name;
    const spec = deployment.spec as { replicas?: number };
    const status = (deployment.status ?? {}) as {
      availableReplicas?: number;
      conditions?: Array<{ type: string; reason?: string }>;
    };
    if (
      status.conditions?.some(
        c =>
          c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
      )
    ) {
      return {
        status: 'Degraded',
        message: `Deployment "${name}" exceeded its progress deadline`,
      };
    }
    const replicas = spec.replicas ?? 1;
    if ((status.availableReplicas ?? 0) < replicas && !progressing) {
      progressing = `Waiting for rollout to finish: ${
        status.availableReplicas ?? 0
      } of ${replicas} updated replicas are available...`;
    }
  }
  return progressing
    ? { status: 'Progressing', message: progressing }
    : { status: 'Healthy' };
}

const WORKFLOWS = resource('argoproj.io', 'workflows');
const TEMPLATE_LABEL = 'workflows.argoproj.io/cluster-workflow-template';

/**
 * Once every provisioning workflow of an instance namespace has succeeded,
 * its pods (waiting for their databases) come up.
 */
export function onWorkflowFinished(
  store: KubeStore,
  workflow: KubeObject,
  now: Date,
): void {
  const ns = workflow.metadata.namespace!;
  const isProvision = (wf: KubeObject) =>
    (
      wf.spec as { workflowTemplateRef?: { name?: string } } | undefined
    )?.workflowTemplateRef?.name?.endsWith('-provision-template') ??
    wf.metadata.labels?.[TEMPLATE_LABEL]?.endsWith('-provision-template');
  if (!isProvision(workflow)) return;
  const provisioning = store
    .list(WORKFLOWS, { namespace: ns })
    .filter(isProvision);
  if (
    !provisioning.every(
      wf =>
        (wf.status as { phase?: string } | undefined)?.phase === 'Succeeded',
    )
  )
    return;
  const starting = store.list(DEPLOYMENTS, { namespace: ns }).some(d => {
    const conditions =
      (
        d.status as
          | { conditions?: Array<{ type: string; reason?: string }> }
          | undefined
      )?.conditions ?? [];
    return conditions.some(
      c => c.type === 'Progressing' && c.reason === 'ReplicaSetUpdated',
    );
  });
  if (starting) markWorkloadsReady(store, ns, now);
}
