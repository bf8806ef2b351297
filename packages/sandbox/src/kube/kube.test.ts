import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  makeInformer,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { eventually, kubeConfigFor } from './__testUtils__';

let sandbox: Sandbox;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none' });
  kc = kubeConfigFor(sandbox.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
}, 60_000);

afterAll(async () => {
  await sandbox.stop();
}, 60_000);

async function apiError(
  promise: Promise<unknown>,
): Promise<
  ApiException<{ kind: string; reason: string; code: number; message: string }>
> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('Kubernetes API through @kubernetes/client-node', () => {
  it('creates, reads, filters by labels, replaces, patches and deletes', async () => {
    const mk = (name: string, labels: Record<string, string>) =>
      core.createNamespacedConfigMap({
        namespace: 'team-a',
        body: { metadata: { name, labels }, data: { k: name } },
      });
    const created = await mk('one', { app: 'lms', tier: 'web' });
    await mk('two', { app: 'cms', tier: 'web' });
    await mk('three', { app: 'worker' });
    expect(created.metadata?.uid).toBeTruthy();
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const names = async (labelSelector: string) =>
      (
        await core.listNamespacedConfigMap({
          namespace: 'team-a',
          labelSelector,
        })
      ).items
        .map(i => i.metadata?.name)
        .sort();
    expect(await names('app=lms')).toEqual(['one']);
    expect(await names('app!=lms')).toEqual(['three', 'two']);
    expect(await names('app in (lms,worker)')).toEqual(['one', 'three']);
    expect(await names('app notin (lms,worker)')).toEqual(['two']);
    expect(await names('tier')).toEqual(['one', 'two']);
    expect(await names('!tier')).toEqual(['three']);
    const byField = await core.listNamespacedConfigMap({
      namespace: 'team-a',
      fieldSelector: 'metadata.name=two',
    });
    expect(byField.items.map(i => i.metadata?.name)).toEqual(['two']);

    const fetched = await core.readNamespacedConfigMap({
      name: 'one',
      namespace: 'team-a',
    });
    expect(fetched.data).toEqual({ k: 'one' });
    const replaced = await core.replaceNamespacedConfigMap({
      name: 'one',
      namespace: 'team-a',
      body: { ...fetched, data: { k: 'changed' } },
    });
    expect(replaced.data).toEqual({ k: 'changed' });
    // The resourceVersion we read is now stale: the API server refuses with a Conflict.
    const stale = await apiError(
      core.replaceNamespacedConfigMap({
        name: 'one',
        namespace: 'team-a',
        body: { ...fetched, data: { k: 'lost' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(JSON.parse(String(stale.body)).reason).toBe('Conflict');

    const merged = await core.patchNamespacedConfigMap(
      { name: 'two', namespace: 'team-a', body: { data: { extra: 'x' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.data).toEqual({ k: 'two', extra: 'x' });
    const jsonPatched = await core.patchNamespacedConfigMap({
      name: 'two',
      namespace: 'team-a',
      body: [{ op: 'replace', path: '/data/k', value: 'patched' }],
    });
    expect(jsonPatched.data?.k).toBe('patched');

    await core.deleteNamespacedConfigMap({
      name: 'three',
      namespace: 'team-a',
    });
    const missing = await apiError(
      core.readNamespacedConfigMap({ name: 'three', namespace: 'team-a' }),
    );
    expect(missing.code).toBe(404);
    expect(JSON.parse(String(missing.body))).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'configmaps "three" not found',
    });
  });

  it('answers 409 AlreadyExists, supports generateName and paginates', async () => {
    const dup = await apiError(
      core.createNamespacedConfigMap({
        namespace: 'team-a',
        body: { metadata: { name: 'two' } },
      }),
    );
    expect(dup.code).toBe(409);
    expect(JSON.parse(String(dup.body)).reason).toBe('AlreadyExists');

    for (let i = 0; i < 5; i++) {
      await core.createNamespacedSecret({
        namespace: 'team-a',
        body: { metadata: { generateName: 'gen-' }, stringData: { a: 'b' } },
      });
    }
    const first = await core.listNamespacedSecret({
      namespace: 'team-a',
      limit: 2,
    });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?._continue).toBeTruthy();
    const seen = first.items.map(i => i.metadata!.name!);
    let token = first.metadata?._continue;
    while (token) {
      const page = await core.listNamespacedSecret({
        namespace: 'team-a',
        limit: 2,
        _continue: token,
      });
      seen.push(...page.items.map(i => i.metadata!.name!));
      token = page.metadata?._continue;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen.every(n => /^gen-[a-z0-9]{5}$/.test(n))).toBe(true);
  });

  it('refuses requests without the bearer token', async () => {
    const anonymous = kubeConfigFor(
      sandbox.clusters[0],
      'wrong-token',
    ).makeApiClient(CoreV1Api);
    const error = await apiError(anonymous.listNamespace());
    expect(error.code).toBe(401);
  });

  it('answers a malformed JSON body with a 400 BadRequest Status', async () => {
    const response = await fetch(
      `${sandbox.clusters[0].kubernetesUrl}/api/v1/namespaces/team-a/configmaps`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${sandbox.clusters[0].token}`,
          'Content-Type': 'application/json',
        },
        body: '{"metadata": ',
      },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: expect.stringMatching(
        /^the request body could not be decoded: .+/,
      ),
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('serves discovery and /version', async () => {
    const headers = { Authorization: `Bearer ${sandbox.clusters[0].token}` };
    const base = sandbox.clusters[0].kubernetesUrl;
    const groups = await (await fetch(`${base}/apis`, { headers })).json();
    expect(groups.groups.map((g: { name: string }) => g.name)).toEqual(
      expect.arrayContaining([
        'apps',
        'autoscaling',
        'batch',
        'networking.k8s.io',
        'argoproj.io',
        'velero.io',
      ]),
    );
    const velero = await (
      await fetch(`${base}/apis/velero.io/v1`, { headers })
    ).json();
    // Velero's CRDs declare no status subresource (config/crd/v1/bases/velero.io_backups.yaml).
    expect(velero.resources.map((r: { name: string }) => r.name)).toEqual([
      'schedules',
      'backups',
    ]);
    expect(groups.groups.map((g: { name: string }) => g.name)).toContain(
      'metrics.k8s.io',
    );
    const misplaced = await fetch(
      `${base}/apis/argoproj.io/v1alpha1/namespaces/argo/clusterworkflowtemplates`,
      { headers },
    );
    expect(misplaced.status).toBe(404);
    const version = await (await fetch(`${base}/version`, { headers })).json();
    expect(version.major).toBe('1');
  });

  it('returns empty lists for the kinds the Backstage Kubernetes plugin asks about', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    expect(
      (await core.listNamespacedLimitRange({ namespace: 'team-a' })).items,
    ).toEqual([]);
    expect(
      (await core.listNamespacedResourceQuota({ namespace: 'team-a' })).items,
    ).toEqual([]);
    expect(
      (
        await apps.listNamespacedDaemonSet({
          namespace: 'team-a',
          labelSelector: 'backstage.io/kubernetes-id=x',
        })
      ).items,
    ).toEqual([]);
  });

  it('validates objects against the official schemas: an HPA that does not decode is 400, one without scaleTargetRef 422', async () => {
    const autoscaling = kc.makeApiClient(AutoscalingV2Api);
    const bad = await apiError(
      autoscaling.createNamespacedHorizontalPodAutoscaler({
        namespace: 'team-a',
        body: {
          metadata: { name: 'lms' },
          spec: {
            maxReplicas: 'three' as unknown as number,
            scaleTargetRef: { kind: 'Deployment', name: 'lms' },
          },
        },
      }),
    );
    // A string where the Go type has an int32 does not decode: 400, as the API server's decoder answers.
    expect(bad.code).toBe(400);
    const status = JSON.parse(String(bad.body));
    expect(status).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      code: 400,
    });
    expect(status.message).toContain('spec.maxReplicas');
    const missingRef = await apiError(
      autoscaling.createNamespacedHorizontalPodAutoscaler({
        namespace: 'team-a',
        body: { metadata: { name: 'cms' }, spec: { maxReplicas: 3 } as never },
      }),
    );
    expect(missingRef.code).toBe(422);
    expect(JSON.parse(String(missingRef.body)).message).toContain(
      'scaleTargetRef',
    );

    const good = await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: 'team-a',
      body: {
        metadata: { name: 'lms' },
        spec: {
          maxReplicas: 3,
          scaleTargetRef: { kind: 'Deployment', name: 'lms' },
        },
      },
    });
    expect(good.spec?.maxReplicas).toBe(3);
  });

  it('validates Velero objects with the velero.io/v1 schema', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const create = (body: object) =>
      custom.createNamespacedCustomObject({
        group: 'velero.io',
        version: 'v1',
        namespace: 'velero',
        plural: 'backups',
        body,
      });
    const bad = await apiError(
      create({
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'bad' },
        spec: { ttl: 24, includedNamespaces: 'demo' },
      }),
    );
    expect(bad.code).toBe(422);
    const message = JSON.parse(String(bad.body)).message as string;
    expect(message).toContain('spec.ttl');
    expect(message).toContain('spec.includedNamespaces');
    const ok = (await create({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'manual' },
      spec: { ttl: '24h0m0s', includedNamespaces: ['team-a'] },
    })) as { metadata: { name: string } };
    expect(ok.metadata.name).toBe('manual');
    // No status subresource: status is written with the object, and checked against the CRD's enum.
    const badStatus = await apiError(
      custom.patchNamespacedCustomObject(
        {
          group: 'velero.io',
          version: 'v1',
          namespace: 'velero',
          plural: 'backups',
          name: 'manual',
          body: { status: { phase: 'Done' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(badStatus.code).toBe(422);
    const patched = (await custom.patchNamespacedCustomObject(
      {
        group: 'velero.io',
        version: 'v1',
        namespace: 'velero',
        plural: 'backups',
        name: 'manual',
        body: { status: { phase: 'Completed' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { status: { phase: string } };
    expect(patched.status.phase).toBe('Completed');
  });

  it('streams watch events, resumes from a resourceVersion and sends bookmarks', async () => {
    const watch = new Watch(kc);
    const events: Array<{ type: string; name?: string; rv?: string }> = [];
    const path = '/api/v1/namespaces/team-a/configmaps';
    const list = await core.listNamespacedConfigMap({ namespace: 'team-a' });
    const controller = await watch.watch(
      path,
      {
        resourceVersion: list.metadata?.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: 'watched=yes',
      },
      (type, obj) =>
        events.push({
          type,
          name: obj?.metadata?.name,
          rv: obj?.metadata?.resourceVersion,
        }),
      () => {},
    );
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'w1', labels: { watched: 'yes' } } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'ignored' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'w1', namespace: 'team-a', body: { data: { a: '1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'team-a' });
    await eventually(async () =>
      events.some(e => e.type === 'DELETED') ? true : undefined,
    );
    const changes = events.filter(e => e.type !== 'BOOKMARK');
    expect(changes.map(e => `${e.type} ${e.name}`)).toEqual([
      'ADDED w1',
      'MODIFIED w1',
      'DELETED w1',
    ]);
    // A bookmark was sent at the start; more come on the (simulated) bookmark period.
    const bookmarksBefore = events.filter(e => e.type === 'BOOKMARK').length;
    expect(bookmarksBefore).toBeGreaterThan(0);
    sandbox.clock.advance(61_000);
    await eventually(async () =>
      events.filter(e => e.type === 'BOOKMARK').length > bookmarksBefore
        ? true
        : undefined,
    );
    controller.abort();

    // Resuming after the ADDED event replays only what came later.
    const resumed: string[] = [];
    const again = await watch.watch(
      path,
      { resourceVersion: changes[0].rv, labelSelector: 'watched=yes' },
      (type, obj) => resumed.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await eventually(async () => (resumed.length >= 2 ? true : undefined));
    expect(resumed).toEqual(['MODIFIED w1', 'DELETED w1']);
    again.abort();
  });

  it('deleting a namespace deletes what it contains', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'c' } },
    });
    await core.deleteNamespace({ name: 'doomed' });
    expect(
      (
        await core.listConfigMapForAllNamespaces({
          fieldSelector: 'metadata.namespace=doomed',
        })
      ).items,
    ).toEqual([]);
    const gone = await apiError(
      core.createNamespacedConfigMap({
        namespace: 'doomed',
        body: { metadata: { name: 'c' } },
      }),
    );
    expect(gone.code).toBe(404);
  });

  it('feeds a client-node informer (list, then watch from the list resourceVersion)', async () => {
    const informer = makeInformer<V1ConfigMap>(
      kc,
      '/api/v1/namespaces/team-a/configmaps',
      () =>
        core.listNamespacedConfigMap({
          namespace: 'team-a',
          labelSelector: 'informed=yes',
        }),
      'informed=yes',
    );
    const seen: string[] = [];
    informer.on('add', obj => seen.push(`add ${obj.metadata?.name}`));
    informer.on('update', obj =>
      seen.push(`update ${obj.metadata?.name} ${obj.data?.v}`),
    );
    informer.on('delete', obj => seen.push(`delete ${obj.metadata?.name}`));
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'i1', labels: { informed: 'yes' } } },
    });
    await informer.start();
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'i2', labels: { informed: 'yes' } } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'i1', namespace: 'team-a', body: { data: { v: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'i2', namespace: 'team-a' });
    await eventually(async () =>
      seen.includes('delete i2') ? true : undefined,
    );
    await informer.stop();
    expect(seen).toEqual(['add i1', 'add i2', 'update i1 2', 'delete i2']);
    expect(informer.list().map(o => o.metadata?.name)).toEqual(['i1']);
  });

  it('ends a watch after timeoutSeconds, as the API server does', async () => {
    let ended = false;
    await new Watch(kc).watch(
      '/api/v1/namespaces/team-a/configmaps',
      { timeoutSeconds: 1 },
      () => {},
      () => {
        ended = true;
      },
    );
    await eventually(async () => (ended ? true : undefined), 200);
    expect(ended).toBe(true);
  });

  it('lists at an exact resourceVersion as the objects were then', async () => {
    const first = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'then', labels: { exact: 'yes' } } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'later', labels: { exact: 'yes' } } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'then', namespace: 'team-a', body: { data: { v: 'new' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const list = await core.listNamespacedConfigMap({
      namespace: 'team-a',
      labelSelector: 'exact=yes',
      resourceVersion: first.metadata!.resourceVersion,
      resourceVersionMatch: 'Exact',
    });
    expect(list.metadata?.resourceVersion).toBe(
      first.metadata!.resourceVersion,
    );
    expect(list.items.map(i => [i.metadata?.name, i.data])).toEqual([
      ['then', undefined],
    ]);
  });

  it('validates but does not store with dryRun=All', async () => {
    const dry = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'dry' } },
      dryRun: 'All',
    });
    expect(dry.metadata?.name).toBe('dry');
    const error = await apiError(
      core.readNamespacedConfigMap({ name: 'dry', namespace: 'team-a' }),
    );
    expect(error.code).toBe(404);
  });
});
