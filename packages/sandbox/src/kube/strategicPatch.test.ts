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

/**
 * Strategic merge patches as the API server applies them
 * (kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/,
 * k8s.io/apimachinery/pkg/util/strategicpatch), sent by the real client.
 */
let sandbox: Sandbox;
let kc: KubeConfig;
let apps: AppsV1Api;
let core: CoreV1Api;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  kc = kubeConfigFor(sandbox.clusters[0]);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'smp' } } });
}, 30_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

const strategic = setHeaderOptions(
  'Content-Type',
  PatchStrategy.StrategicMergePatch,
);
const labels = { app: 'web' };

describe('strategic merge patch', () => {
  it('merges containers, env, ports, volumes, volumeMounts and imagePullSecrets by their merge keys', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'smp',
      body: {
        metadata: { name: 'web', finalizers: ['a.example/x', 'b.example/y'] },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
          },
          template: {
            metadata: { labels },
            spec: {
              imagePullSecrets: [{ name: 'registry-a' }],
              volumes: [{ name: 'data', emptyDir: {} }],
              containers: [
                {
                  name: 'web',
                  image: 'nginx:1.27',
                  env: [
                    { name: 'A', value: 'a' },
                    { name: 'B', value: 'b' },
                  ],
                  ports: [{ containerPort: 80, name: 'http' }],
                  volumeMounts: [{ name: 'data', mountPath: '/data' }],
                },
                { name: 'sidecar', image: 'busybox:1.36' },
              ],
            },
          },
        },
      },
    });
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'smp',
        body: {
          spec: {
            template: {
              spec: {
                imagePullSecrets: [{ name: 'registry-b' }],
                volumes: [{ name: 'cache', emptyDir: {} }],
                containers: [
                  {
                    name: 'web',
                    image: 'nginx:1.28',
                    env: [
                      { name: 'B', value: 'b2' },
                      { name: 'C', value: 'c' },
                    ],
                    ports: [{ containerPort: 9090, name: 'metrics' }],
                    volumeMounts: [
                      { name: 'cache', mountPath: '/data', readOnly: true },
                    ],
                  },
                ],
              },
            },
          },
        },
      },
      strategic,
    );
    const spec = patched.spec!.template.spec!;
    expect(spec.containers.map(c => `${c.name} ${c.image}`)).toEqual([
      'web nginx:1.28',
      'sidecar busybox:1.36',
    ]);
    const web = spec.containers[0];
    expect(web.env).toEqual([
      { name: 'A', value: 'a' },
      { name: 'B', value: 'b2' },
      { name: 'C', value: 'c' },
    ]);
    expect(web.ports?.map(p => p.containerPort)).toEqual([80, 9090]);
    // volumeMounts merge on mountPath: the mount at /data is updated in place.
    expect(web.volumeMounts).toEqual([
      { name: 'cache', mountPath: '/data', readOnly: true },
    ]);
    expect(spec.volumes?.map(v => v.name)).toEqual(['data', 'cache']);
    expect(spec.imagePullSecrets?.map(s => s.name)).toEqual([
      'registry-a',
      'registry-b',
    ]);
  });

  it('honours $patch: delete and replace, $retainKeys and $deleteFromPrimitiveList', async () => {
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'smp',
        body: {
          metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example/x'] },
          spec: {
            strategy: { $retainKeys: ['type'], type: 'Recreate' },
            template: {
              spec: {
                containers: [
                  { name: 'sidecar', $patch: 'delete' },
                  {
                    name: 'web',
                    env: [{ $patch: 'replace' }, { name: 'ONLY', value: '1' }],
                  },
                ],
              },
            },
          },
        },
      },
      strategic,
    );
    expect(patched.metadata?.finalizers).toEqual(['b.example/y']);
    expect(patched.spec?.strategy).toEqual({ type: 'Recreate' });
    const containers = patched.spec!.template.spec!.containers;
    expect(containers.map(c => c.name)).toEqual(['web']);
    expect(containers[0].env).toEqual([{ name: 'ONLY', value: '1' }]);
  });

  it('merges Service ports by port', async () => {
    await core.createNamespacedService({
      namespace: 'smp',
      body: {
        metadata: { name: 'web' },
        spec: { selector: labels, ports: [{ name: 'http', port: 80 }] },
      },
    });
    const patched = await core.patchNamespacedService(
      {
        name: 'web',
        namespace: 'smp',
        body: { spec: { ports: [{ name: 'https', port: 443 }] } },
      },
      strategic,
    );
    expect(patched.spec?.ports?.map(p => p.port)).toEqual([80, 443]);
  });

  it('refuses a strategic merge patch of a custom resource with 415, as the API server does', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    let error: unknown;
    try {
      await custom.patchNamespacedCustomObject(
        {
          group: 'velero.io',
          version: 'v1',
          namespace: 'velero',
          plural: 'schedules',
          name: 'hourly',
          body: { spec: { paused: true } },
        },
        strategic,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<string>).code).toBe(415);
  });
});
