import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from './__testUtils__';

let sandbox: Sandbox;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let headers: Record<string, string>;
let base: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  kc = kubeConfigFor(sandbox.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  headers = { Authorization: `Bearer ${sandbox.clusters[0].token}` };
  base = sandbox.clusters[0].kubernetesUrl;
  await core.createNamespace({ body: { metadata: { name: 'sub' } } });
}, 30_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

async function apiError(
  promise: Promise<unknown>,
): Promise<ApiException<string>> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

const names = async (path: string) =>
  (
    (await (await fetch(`${base}${path}`, { headers })).json()) as {
      resources: Array<{ name: string }>;
    }
  ).resources.map(r => r.name);

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('status and scale subresources', () => {
  it('lists a status subresource only where the real API or CRD has one', async () => {
    const v1 = await names('/api/v1');
    expect(v1).toEqual(
      expect.arrayContaining([
        'pods/status',
        'services/status',
        'namespaces/status',
      ]),
    );
    expect(v1).not.toContain('configmaps/status');
    expect(v1).not.toContain('secrets/status');
    const apps = await names('/apis/apps/v1');
    expect(apps).toEqual(
      expect.arrayContaining([
        'deployments/status',
        'deployments/scale',
        'replicasets/scale',
        'statefulsets/scale',
      ]),
    );
    expect(apps).not.toContain('daemonsets/scale');
    // argo-cd manifests/crds/application-crd.yaml and Argo's minimal CRDs: `subresources: {}`.
    const argo = await names('/apis/argoproj.io/v1alpha1');
    expect(argo.filter(n => n.includes('/'))).toEqual([]);
  });

  it('answers 404 for /status of a custom resource without the subresource, and keeps status written with the object', async () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'guestbook' },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://github.com/argoproj/argocd-example-apps.git',
          path: 'guestbook',
          targetRevision: 'HEAD',
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: 'sub',
        },
      },
      status: { sync: { status: 'Synced' } },
    };
    const target = {
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
    };
    const created = (await custom.createNamespacedCustomObject({
      ...target,
      body: app,
    })) as { status?: { sync?: { status?: string } } };
    // Without a status subresource the API server keeps status on create.
    expect(created.status?.sync?.status).toBe('Synced');
    const patched = (await custom.patchNamespacedCustomObject(
      {
        ...target,
        name: 'guestbook',
        body: { status: { sync: { status: 'OutOfSync' } } },
      },
      merge,
    )) as { status?: { sync?: { status?: string } } };
    expect(patched.status?.sync?.status).toBe('OutOfSync');
    const status = await apiError(
      custom.patchNamespacedCustomObjectStatus(
        { ...target, name: 'guestbook', body: { status: {} } },
        merge,
      ),
    );
    expect(status.code).toBe(404);
    const get = await fetch(
      `${base}/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/guestbook/status`,
      { headers },
    );
    expect(get.status).toBe(404);
  });

  it('ignores status changes on create, PUT and PATCH of a kind with the status subresource', async () => {
    const lb = { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } };
    const created = await core.createNamespacedService({
      namespace: 'sub',
      body: {
        metadata: { name: 'web' },
        spec: { ports: [{ port: 80 }] },
        status: lb,
      },
    });
    expect(created.status?.loadBalancer?.ingress).toBeUndefined();
    const patched = await core.patchNamespacedService(
      {
        name: 'web',
        namespace: 'sub',
        body: { status: lb, metadata: { labels: { a: 'b' } } },
      },
      merge,
    );
    expect(patched.metadata?.labels).toEqual({ a: 'b' });
    expect(patched.status?.loadBalancer?.ingress).toBeUndefined();
    const viaStatus = await core.patchNamespacedServiceStatus(
      {
        name: 'web',
        namespace: 'sub',
        body: { status: lb, metadata: { labels: { c: 'd' } } },
      },
      merge,
    );
    expect(viaStatus.status?.loadBalancer?.ingress).toEqual(
      lb.loadBalancer.ingress,
    );
    // The status subresource changes status only.
    expect(viaStatus.metadata?.labels).toEqual({ a: 'b' });
  });

  it('serves the autoscaling/v1 Scale of a deployment (GET, PUT, PATCH)', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const labels = { app: 'scaled' };
    const deployment = await apps.createNamespacedDeployment({
      namespace: 'sub',
      body: {
        metadata: { name: 'scaled' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const scale = await apps.readNamespacedDeploymentScale({
      name: 'scaled',
      namespace: 'sub',
    });
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: 'scaled',
        namespace: 'sub',
        uid: deployment.metadata?.uid,
      },
      spec: { replicas: 2 },
      status: { selector: 'app=scaled' },
    });
    const replaced = await apps.replaceNamespacedDeploymentScale({
      name: 'scaled',
      namespace: 'sub',
      body: { ...scale, spec: { replicas: 4 } },
    });
    expect(replaced.spec?.replicas).toBe(4);
    // The stale resourceVersion of the first read is refused.
    const stale = await apiError(
      apps.replaceNamespacedDeploymentScale({
        name: 'scaled',
        namespace: 'sub',
        body: { ...scale, spec: { replicas: 5 } },
      }),
    );
    expect(stale.code).toBe(409);
    const patched = await apps.patchNamespacedDeploymentScale(
      { name: 'scaled', namespace: 'sub', body: { spec: { replicas: 3 } } },
      merge,
    );
    expect(patched.spec?.replicas).toBe(3);
    const after = await apps.readNamespacedDeployment({
      name: 'scaled',
      namespace: 'sub',
    });
    expect(after.spec?.replicas).toBe(3);
    expect(after.metadata?.generation).toBe(3);
    const negative = await apiError(
      apps.patchNamespacedDeploymentScale(
        { name: 'scaled', namespace: 'sub', body: { spec: { replicas: -1 } } },
        merge,
      ),
    );
    expect(negative.code).toBe(422);
    const daemonSetScale = await fetch(
      `${base}/apis/apps/v1/namespaces/sub/daemonsets/x/scale`,
      { headers },
    );
    expect(daemonSetScale.status).toBe(404);
  });
});

describe('pods/log and resources the sandbox does not serve', () => {
  it('serves a pod log as text once its container runs, with the API server errors before', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const labels = { app: 'logged' };
    await apps.createNamespacedDeployment({
      namespace: 'sub',
      body: {
        metadata: { name: 'logged' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                { name: 'web', image: 'nginx:1.27' },
                { name: 'sidecar', image: 'busybox' },
              ],
            },
          },
        },
      },
    });
    await sandbox.settle(1_000);
    const [pod] = (
      await core.listNamespacedPod({
        namespace: 'sub',
        labelSelector: 'app=logged',
      })
    ).items;
    const name = pod.metadata!.name!;
    const waiting = await apiError(
      core.readNamespacedPodLog({ namespace: 'sub', name, container: 'web' }),
    );
    expect(waiting.code).toBe(400);
    expect(JSON.parse(waiting.body).message).toBe(
      `container "web" in pod "${name}" is waiting to start: ContainerCreating`,
    );
    await sandbox.settle(10_000);
    const unnamed = await apiError(
      core.readNamespacedPodLog({ namespace: 'sub', name }),
    );
    expect(JSON.parse(unnamed.body).message).toBe(
      `a container name must be specified for pod ${name}, choose one of: [web sidecar]`,
    );
    const log = await core.readNamespacedPodLog({
      namespace: 'sub',
      name,
      container: 'web',
      tailLines: 2,
      timestamps: true,
    });
    expect(log).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z Listening on 0\.0\.0\.0:8000\n\S+ Ready\n$/,
    );
    const missing = await apiError(
      core.readNamespacedPodLog({
        namespace: 'sub',
        name: 'nope',
        container: 'web',
      }),
    );
    expect(missing.code).toBe(404);
  });

  it('answers 404 NotFound naming a resource it does not serve', async () => {
    const restores = await apiError(
      custom.listNamespacedCustomObject({
        group: 'velero.io',
        version: 'v1',
        namespace: 'velero',
        plural: 'restores',
      }),
    );
    expect(restores.code).toBe(404);
    expect(JSON.parse(restores.body)).toMatchObject({
      reason: 'NotFound',
      message:
        'the server could not find the requested resource (the Launchpad sandbox does not serve velero.io/v1 restores)',
    });
  });
});
