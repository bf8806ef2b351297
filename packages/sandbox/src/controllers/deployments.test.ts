import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';
import { POD_START_MS } from './deployments';
import { namespaceHealth } from './workloads';
import type { KubeStore } from '../kube/store';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 0 });
}, 30_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const time = (value: Date | string | undefined) => new Date(value!).getTime();

function clients(index: number) {
  const kc = kubeConfigFor(sandbox.clusters[index]);
  return {
    apps: kc.makeApiClient(AppsV1Api),
    core: kc.makeApiClient(CoreV1Api),
    autoscaling: kc.makeApiClient(AutoscalingV2Api),
  };
}

const controllerRef = (obj: { metadata?: { ownerReferences?: unknown } }) =>
  (
    obj.metadata?.ownerReferences as
      | Array<{ kind: string; name: string; uid: string; controller?: boolean }>
      | undefined
  )?.find(o => o.controller);

/** Pods of a deployment through its ReplicaSets' ownerReferences, as kubectl and the Backstage plugin relate them. */
function podsOf(
  deployment: V1Deployment,
  replicaSets: V1ReplicaSet[],
  pods: V1Pod[],
) {
  const owned = replicaSets.filter(
    rs => controllerRef(rs)?.uid === deployment.metadata?.uid,
  );
  return pods.filter(p =>
    owned.some(rs => controllerRef(p)?.uid === rs.metadata?.uid),
  );
}

describe('deployments, replica sets and pods', () => {
  it('has every seeded workload settled when the sandbox is ready', async () => {
    for (const [index, cluster] of sandbox.clusters.entries()) {
      const { apps, core, autoscaling } = clients(index);
      const deployments = (await apps.listDeploymentForAllNamespaces()).items;
      const replicaSets = (await apps.listReplicaSetForAllNamespaces()).items;
      const pods = (await core.listPodForAllNamespaces()).items;
      const hpas = (
        await autoscaling.listHorizontalPodAutoscalerForAllNamespaces()
      ).items;
      expect(deployments.length).toBeGreaterThan(0);
      for (const d of deployments) {
        const where = `${cluster.name}/${d.metadata?.namespace}/${d.metadata?.name}`;
        const own = podsOf(d, replicaSets, pods);
        const replicas = d.spec?.replicas;
        expect({ where, pods: own.length }).toEqual({ where, pods: replicas });
        expect(d.status?.replicas).toBe(replicas);
        expect(d.status?.observedGeneration).toBe(d.metadata?.generation);
        const hpa = hpas.find(
          h =>
            h.metadata?.namespace === d.metadata?.namespace &&
            h.spec?.scaleTargetRef.name === d.metadata?.name,
        );
        expect(hpa?.status?.currentReplicas ?? replicas).toBe(replicas);
        for (const pod of own) {
          const rs = replicaSets.find(
            r => r.metadata?.uid === controllerRef(pod)?.uid,
          )!;
          expect(controllerRef(pod)).toMatchObject({
            kind: 'ReplicaSet',
            name: rs.metadata?.name,
          });
          expect(controllerRef(rs)).toMatchObject({
            kind: 'Deployment',
            name: d.metadata?.name,
            uid: d.metadata?.uid,
          });
          expect(pod.metadata?.labels?.['pod-template-hash']).toBe(
            rs.metadata?.labels?.['pod-template-hash'],
          );
          const created = time(pod.metadata?.creationTimestamp);
          expect(time(pod.status?.startTime)).toBeGreaterThanOrEqual(created);
          for (const c of pod.status?.conditions ?? [])
            expect(time(c.lastTransitionTime)).toBeGreaterThanOrEqual(created);
        }
        for (const c of d.status?.conditions ?? []) {
          expect(time(c.lastTransitionTime)).toBeGreaterThanOrEqual(
            time(d.metadata?.creationTimestamp),
          );
        }
      }
    }
  });

  it('keeps the seed’s intended states: the university at its HPA maximum, the legacy cms crash-looping', async () => {
    const { apps, core } = clients(1);
    const lms = await apps.readNamespacedDeployment({
      name: 'lms',
      namespace: 'university',
    });
    expect(lms.spec?.replicas).toBe(8);
    expect(lms.status).toMatchObject({
      replicas: 8,
      updatedReplicas: 8,
      readyReplicas: 8,
      availableReplicas: 8,
    });
    const cms = await apps.readNamespacedDeployment({
      name: 'cms',
      namespace: 'legacy-campus',
    });
    expect(
      cms.status?.conditions?.find(c => c.type === 'Progressing'),
    ).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    const pods = await core.listNamespacedPod({
      namespace: 'legacy-campus',
      labelSelector: 'app.kubernetes.io/name=cms',
    });
    expect(pods.items).toHaveLength(1);
    expect(
      pods.items[0].status?.containerStatuses?.[0].state?.waiting,
    ).toMatchObject({
      reason: 'CrashLoopBackOff',
    });
  });

  it('gives a Deployment created through the API a ReplicaSet, Pods and a status that follow a rollout', async () => {
    const { apps, core } = clients(0);
    await core.createNamespace({ body: { metadata: { name: 'rollout' } } });
    const labels = { app: 'web' };
    const created = await apps.createNamespacedDeployment({
      namespace: 'rollout',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    expect(created.metadata?.generation).toBe(1);
    const read = () =>
      apps.readNamespacedDeployment({ name: 'web', namespace: 'rollout' });
    const pods = async () =>
      (await core.listNamespacedPod({ namespace: 'rollout' })).items;
    const replicaSets = async () =>
      (await apps.listNamespacedReplicaSet({ namespace: 'rollout' })).items;

    const starting = await read();
    expect(starting.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      unavailableReplicas: 3,
    });
    expect(starting.status?.availableReplicas).toBeUndefined();
    const [first] = await replicaSets();
    expect(first.metadata?.name).toBe(
      `web-${first.metadata?.labels?.['pod-template-hash']}`,
    );
    expect(
      first.metadata?.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('1');
    expect((await pods()).map(p => p.status?.phase)).toEqual([
      'Pending',
      'Pending',
      'Pending',
    ]);

    await sandbox.settle(POD_START_MS);
    const up = await read();
    expect(up.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(
      up.status?.conditions?.find(c => c.type === 'Progressing')?.reason,
    ).toBe('NewReplicaSetAvailable');

    // A new image is a spec change: generation 2, a second ReplicaSet, pods replaced.
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'rollout',
        body: {
          spec: {
            template: {
              spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] },
            },
          },
        },
      },
      merge,
    );
    expect(patched.metadata?.generation).toBe(2);
    // RollingUpdate with the defaults (maxSurge 25% → 1, maxUnavailable 25% → 0):
    // one new pod at a time, never fewer than 3 available, never more than 4 pods.
    const rolling = await read();
    expect(rolling.status?.observedGeneration).toBe(2);
    expect(rolling.status).toMatchObject({
      replicas: 4,
      updatedReplicas: 1,
      availableReplicas: 3,
    });
    expect(
      rolling.status?.conditions?.find(c => c.type === 'Progressing')?.reason,
    ).toBe('ReplicaSetUpdated');
    const updated: number[] = [];
    let done = rolling;
    for (let i = 0; i < 10; i++) {
      await sandbox.settle(POD_START_MS);
      done = await read();
      const status = done.status ?? {};
      updated.push(status.updatedReplicas ?? 0);
      expect(status.availableReplicas ?? 0).toBeGreaterThanOrEqual(3);
      expect(status.replicas ?? 0).toBeLessThanOrEqual(4);
      if (status.updatedReplicas === 3 && status.replicas === 3) break;
    }
    expect(updated).toEqual([2, 3, 3]);
    expect(done.status).toMatchObject({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
    expect(
      done.metadata?.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('2');
    const sets = await replicaSets();
    expect(sets.map(rs => rs.spec?.replicas).sort()).toEqual([0, 3]);
    const images = (await pods()).map(p => p.spec?.containers[0].image);
    expect(images).toEqual(['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);

    // Metadata is not spec: no new generation.
    const labelled = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'rollout',
        body: { metadata: { labels: { tier: 'x' } } },
      },
      merge,
    );
    expect(labelled.metadata?.generation).toBe(2);

    // Scaling through /scale, then a deleted pod is replaced by its ReplicaSet.
    await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: 'rollout', body: { spec: { replicas: 1 } } },
      merge,
    );
    expect(await pods()).toHaveLength(1);
    const [only] = await pods();
    await core.deleteNamespacedPod({
      name: only.metadata!.name!,
      namespace: 'rollout',
    });
    await sandbox.settle(POD_START_MS);
    const replaced = await pods();
    expect(replaced).toHaveLength(1);
    expect(replaced[0].metadata?.name).not.toBe(only.metadata?.name);
    expect((await read()).status?.availableReplicas).toBe(1);

    // Deleting the Deployment collects its ReplicaSets and Pods.
    await apps.deleteNamespacedDeployment({
      name: 'web',
      namespace: 'rollout',
    });
    expect(await replicaSets()).toEqual([]);
    expect(await pods()).toEqual([]);
  });

  it('follows the HPA through the Deployment’s spec.replicas', async () => {
    const { apps, core } = clients(1);
    sandbox.setLoad('production', 2, 'demo');
    for (let i = 0; i < 8; i++) await sandbox.settle(15_000, 5_000);
    const cms = await apps.readNamespacedDeployment({
      name: 'cms',
      namespace: 'demo',
    });
    expect(cms.spec?.replicas).toBe(4);
    const pods = await core.listNamespacedPod({
      namespace: 'demo',
      labelSelector: 'app.kubernetes.io/name=cms',
    });
    expect(pods.items).toHaveLength(4);
    expect(cms.status?.availableReplicas).toBe(4);
  });
  it('crash-loops the rollout a rollout-fails fault matches, until the image changes back or the fault goes', async () => {
    const { apps, core } = clients(0);
    await core.createNamespace({ body: { metadata: { name: 'faulty' } } });
    await core.createNamespace({ body: { metadata: { name: 'bystander' } } });
    const deployment = (image: string) => ({
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        progressDeadlineSeconds: 60,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image }] },
        },
      },
    });
    for (const namespace of ['faulty', 'bystander'])
      await apps.createNamespacedDeployment({
        namespace,
        body: deployment('web:1'),
      });
    await sandbox.settle(POD_START_MS);
    const fault = sandbox.faults.add({
      kind: 'rollout-fails',
      instance: 'faulty',
      image: 'web:2',
    });
    const setImage = (namespace: string, image: string) =>
      apps.patchNamespacedDeployment(
        { name: 'web', namespace, body: deployment(image) },
        merge,
      );
    const waiting = async (namespace: string) =>
      (await core.listNamespacedPod({ namespace })).items
        .map(p => p.status?.containerStatuses?.[0])
        .map(c => `${c?.image} ${c?.state?.waiting?.reason ?? 'running'}`)
        .sort();
    // ArgoCD's health from the Deployments as the API serves them.
    const health = async (namespace: string) => {
      const { items } = await apps.listNamespacedDeployment({ namespace });
      const store = {
        get: () => ({ metadata: { name: namespace } }),
        list: () => items,
      } as unknown as KubeStore;
      return namespaceHealth(store, namespace);
    };

    await setImage('faulty', 'web:2');
    await setImage('bystander', 'web:2');
    await sandbox.settle(POD_START_MS);
    // The old pod stays up while the new one crashes: the rollout stalls.
    expect(await waiting('faulty')).toEqual([
      'web:1 running',
      'web:2 CrashLoopBackOff',
    ]);
    expect((await health('faulty')).status).toBe('Progressing');
    expect(await waiting('bystander')).toEqual(['web:2 running']);
    expect((await health('bystander')).status).toBe('Healthy');
    await sandbox.settle(70_000, 10_000);
    expect(await health('faulty')).toMatchObject({
      status: 'Degraded',
    });

    // Back to the old image: the old ReplicaSet takes over, Healthy again.
    await setImage('faulty', 'web:1');
    await sandbox.settle(POD_START_MS);
    expect(await waiting('faulty')).toEqual(['web:1 running']);
    expect((await health('faulty')).status).toBe('Healthy');

    // Broken again, then the fault goes: the crashing pod comes up.
    await setImage('faulty', 'web:2');
    await sandbox.settle(POD_START_MS);
    expect(await waiting('faulty')).toContain('web:2 CrashLoopBackOff');
    // The same template is the same ReplicaSet: one rollout broken.
    expect(sandbox.faults.list()[0]).toMatchObject({ hits: 1 });
    sandbox.faults.remove(fault.id);
    await sandbox.settle(POD_START_MS);
    expect(await waiting('faulty')).toEqual(['web:2 running']);
    expect((await health('faulty')).status).toBe('Healthy');
  });
});
