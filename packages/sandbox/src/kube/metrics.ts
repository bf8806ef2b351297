import { createHash } from 'node:crypto';
import express from 'express';
import type { SandboxClock } from '../clock';
import { resource } from './resources';
import type { KubeStore } from './store';
import { kubeTime, type KubeObject } from './types';

export const METRICS_GROUP = 'metrics.k8s.io';
const VERSION = 'v1beta1';
const PODS = resource('', 'pods');
const HPAS = resource('autoscaling', 'horizontalpodautoscalers');

/**
 * metrics-server's read-only `metrics.k8s.io/v1beta1` PodMetrics, derived from
 * the pods and their HPA's simulated CPU utilisation (request 250m), so the
 * Backstage Kubernetes plugin's pod metrics have something to show.
 */
export function createMetricsApi(
  store: KubeStore,
  clock: SandboxClock,
): express.Router {
  const router = express.Router();

  const podMetrics = (pod: KubeObject) => {
    const labels = pod.metadata.labels ?? {};
    const hpa = labels['app.kubernetes.io/name']
      ? store.get(
          HPAS,
          pod.metadata.namespace,
          labels['app.kubernetes.io/name'],
        )
      : undefined;
    const utilization =
      (
        hpa?.status as
          | {
              currentMetrics?: Array<{
                resource?: { current?: { averageUtilization?: number } };
              }>;
            }
          | undefined
      )?.currentMetrics?.[0]?.resource?.current?.averageUtilization ?? 20;
    const jitter =
      createHash('sha1')
        .update(pod.metadata.name ?? '')
        .digest()[0] % 20;
    const containers = (
      (pod.spec as { containers?: Array<{ name: string }> } | undefined)
        ?.containers ?? []
    ).map(c => ({
      name: c.name,
      usage: {
        cpu: `${Math.max(1, Math.round((utilization / 100) * 250) + jitter)}m`,
        memory: `${600 + jitter * 10}Mi`,
      },
    }));
    return {
      metadata: {
        name: pod.metadata.name,
        namespace: pod.metadata.namespace,
        labels,
        creationTimestamp: kubeTime(clock.now()),
      },
      timestamp: kubeTime(clock.now()),
      window: '30s',
      containers,
    };
  };

  const list = (namespace?: string) => ({
    kind: 'PodMetricsList',
    apiVersion: `${METRICS_GROUP}/${VERSION}`,
    metadata: {},
    items: store
      .list(PODS, { namespace })
      .filter(
        p => (p.status as { phase?: string } | undefined)?.phase === 'Running',
      )
      .map(podMetrics),
  });

  router.get(`/apis/${METRICS_GROUP}/${VERSION}`, (_req, res) => {
    res.json({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${METRICS_GROUP}/${VERSION}`,
      resources: [
        {
          name: 'pods',
          singularName: '',
          namespaced: true,
          kind: 'PodMetrics',
          verbs: ['get', 'list'],
        },
      ],
    });
  });
  router.get(`/apis/${METRICS_GROUP}/${VERSION}/pods`, (_req, res) => {
    res.json(list());
  });
  router.get(
    `/apis/${METRICS_GROUP}/${VERSION}/namespaces/:namespace/pods`,
    (req, res) => {
      res.json(list(req.params.namespace));
    },
  );
  return router;
}
