import type { KubeStore } from '../kube/store';
import { resource } from '../kube/resources';
import { kubeTime, type KubeObject } from '../kube/types';
import { POD_STATE_ANNOTATION, type PodState } from './deployments';

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
 * Creates an instance namespace's workloads (deployments, services, HPAs,
 * ingress) unless they exist; the deployment controller
 * (`deployments.ts`) gives the deployments their ReplicaSets and Pods. Used
 * by the seed and by the ArgoCD controller when it first syncs a new
 * instance. `createdAt` backdates them (the seed's instances are 90 days old).
 */
export function ensureInstanceWorkloads(
  store: KubeStore,
  w: InstanceWorkloads,
): void {
  const ns = w.namespace;
  const createdAt = w.createdAt;
  const created = kubeTime(createdAt);
  if (!store.get(NAMESPACES, undefined, ns)) {
    store.create(
      NAMESPACES,
      {
        metadata: {
          name: ns,
          labels: {
            'kubernetes.io/metadata.name': ns,
            'app.kubernetes.io/managed-by': 'launchpad',
            'launchpad.openedx.org/instance': w.slug,
          },
        },
        status: { phase: 'Active' },
      },
      { createdAt },
    );
  }
  if (store.get(DEPLOYMENTS, ns, 'lms')) return;
  for (const spec of DEPLOYMENT_SPECS) {
    const labels = labelsFor(w.slug, spec.name);
    const image = spec.image === 'mfe' ? w.mfeImage : w.openedxImage;
    const replicas = 'hpa' in spec ? spec.hpa.min : 1;
    const podState = podStateFor(w.condition, spec.name);
    store.create(
      DEPLOYMENTS,
      {
        metadata: {
          name: spec.name,
          namespace: ns,
          labels,
          ...(podState
            ? { annotations: { [POD_STATE_ANNOTATION]: podState } }
            : {}),
        },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          // Pods waiting for their databases would otherwise pass the default 600 s deadline.
          ...(podState === 'Held' ? { progressDeadlineSeconds: 7200 } : {}),
          template: {
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
          },
        },
      },
      { createdAt },
    );
    if ('port' in spec) {
      store.create(
        SERVICES,
        {
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
        },
        { createdAt },
      );
    }
    if ('hpa' in spec) {
      store.create(HPAS, hpaObject(ns, spec.name, labels, spec.hpa, created), {
        createdAt,
      });
    }
  }
  if (w.lmsHost && w.cmsHost) {
    store.create(
      INGRESSES,
      {
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
      },
      { createdAt },
    );
  }
}

/** The seed's intended pod states: the degraded instance's cms crash-loops; a provisioning instance's pods wait. */
function podStateFor(
  condition: WorkloadCondition | undefined,
  component: string,
): PodState | undefined {
  if (condition === 'degraded' && component === 'cms')
    return 'CrashLoopBackOff';
  if (condition === 'progressing') return 'Held';
  return undefined;
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

/**
 * Lets a fresh instance's pods start (their databases exist now): lifts the
 * `Held` pod state; the pods come up POD_START_MS later.
 */
export function markWorkloadsReady(
  store: KubeStore,
  namespace: string,
  // Kept for callers that pass the time; the pods start on the clock themselves.
  _now?: Date,
): void {
  for (const deployment of store.list(DEPLOYMENTS, { namespace })) {
    if (deployment.metadata.annotations?.[POD_STATE_ANNOTATION] !== 'Held')
      continue;
    store.update(DEPLOYMENTS, namespace, deployment.metadata.name!, obj => {
      delete obj.metadata.annotations![POD_STATE_ANNOTATION];
    });
  }
}

/** Whether a pod of the namespace is crash-looping or cannot pull its image: a rollout that will not finish by itself. */
export function hasFailingPods(store: KubeStore, namespace: string): boolean {
  return (
    store.count(PODS, { namespace }, pod =>
      (
        (
          pod.status as {
            containerStatuses?: Array<{
              state?: { waiting?: { reason?: string } };
            }>;
          }
        )?.containerStatuses ?? []
      ).some(
        c =>
          c.state?.waiting?.reason === 'CrashLoopBackOff' ||
          c.state?.waiting?.reason === 'ImagePullBackOff',
      ),
    ) > 0
  );
}

/**
 * ArgoCD's health of an instance namespace, from its deployments, each as
 * argo-cd pkg/health/health_deployment.go judges one (kubectl's rollout
 * status): Degraded past the progress deadline; Progressing while the
 * generation is not observed, new replicas are missing, old ones are still
 * running (a stalled rolling update keeps them) or updated ones are not
 * available.
 */
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
      observedGeneration?: number;
      replicas?: number;
      updatedReplicas?: number;
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
    if (progressing) continue;
    const replicas = spec.replicas ?? 1;
    const updated = status.updatedReplicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const observed =
      (deployment.metadata.generation ?? 0) <= (status.observedGeneration ?? 0);
    if (!observed) {
      progressing =
        'Waiting for rollout to finish: observed deployment generation less than desired generation';
    } else if (updated < replicas) {
      progressing = `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`;
    } else if ((status.replicas ?? 0) > updated) {
      progressing = `Waiting for rollout to finish: ${
        (status.replicas ?? 0) - updated
      } old replicas are pending termination...`;
    } else if (available < updated) {
      progressing = `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`;
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
  _now?: Date,
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
  markWorkloadsReady(store, ns);
}
