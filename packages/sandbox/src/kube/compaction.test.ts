import {
  ApiException,
  CoreV1Api,
  Watch,
  makeInformer,
  type V1ConfigMap,
  type KubeConfig,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { eventually, kubeConfigFor } from './__testUtils__';

/**
 * A compaction window of 0: every resourceVersion older than the newest
 * event is compacted at once, so the 410 paths run without waiting.
 */
let sandbox: Sandbox;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 'none',
    speed: 0,
    compactionWindowMs: 0,
  });
  kc = kubeConfigFor(sandbox.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'compact' } } });
}, 30_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

const configMap = (name: string) =>
  core.createNamespacedConfigMap({
    namespace: 'compact',
    body: { metadata: { name, labels: { compacted: 'yes' } } },
  });

describe('watch compaction', () => {
  it('makes a client-node informer relist when its resourceVersion was compacted', async () => {
    let lists = 0;
    const informer = makeInformer<V1ConfigMap>(
      kc,
      '/api/v1/namespaces/compact/configmaps',
      () => {
        lists++;
        return core.listNamespacedConfigMap({
          namespace: 'compact',
          labelSelector: 'compacted=yes',
        });
      },
      'compacted=yes',
    );
    const added: string[] = [];
    informer.on('add', obj => added.push(obj.metadata!.name!));
    await configMap('before');
    await informer.start();
    expect(lists).toBe(1);
    await informer.stop();
    // Written while the informer is away; its resourceVersion is now compacted.
    await configMap('while-away');
    await informer.start();
    await eventually(async () =>
      added.includes('while-away') ? true : undefined,
    );
    await eventually(async () => (lists === 2 ? true : undefined));
    await informer.stop();
    expect(added).toEqual(['before', 'while-away']);
  });

  it('answers a watch from a compacted resourceVersion with an ERROR event holding a 410 Expired Status', async () => {
    const first = await configMap('w1');
    await configMap('w2');
    const events: Array<{
      type: string;
      object: { code?: number; reason?: string; message?: string };
    }> = [];
    let ended = false;
    await new Watch(kc).watch(
      '/api/v1/namespaces/compact/configmaps',
      { resourceVersion: first.metadata!.resourceVersion },
      (type, object) => events.push({ type, object }),
      () => {
        ended = true;
      },
    );
    await eventually(async () => (ended ? true : undefined));
    expect(events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: expect.stringMatching(
            /^too old resource version: \d+ \(\d+\)$/,
          ),
        }),
      },
    ]);
  });

  it('answers 410 to a list at an exact compacted resourceVersion and to an old continue token', async () => {
    const first = await configMap('l1');
    await configMap('l2');
    let error: unknown;
    try {
      await core.listNamespacedConfigMap({
        namespace: 'compact',
        resourceVersion: first.metadata!.resourceVersion,
        resourceVersionMatch: 'Exact',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<string>).code).toBe(410);
    expect(JSON.parse((error as ApiException<string>).body)).toMatchObject({
      reason: 'Expired',
      message: 'The resourceVersion for the provided list is too old.',
    });
    const page = await core.listNamespacedConfigMap({
      namespace: 'compact',
      limit: 1,
    });
    await configMap('l3');
    let continued: unknown;
    try {
      await core.listNamespacedConfigMap({
        namespace: 'compact',
        limit: 1,
        _continue: page.metadata!._continue,
      });
    } catch (e) {
      continued = e;
    }
    expect((continued as ApiException<string>).code).toBe(410);
  });
});
