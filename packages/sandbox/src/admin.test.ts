import { ApiException, CoreV1Api, Watch } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from './sandbox';
import { kubeConfigFor } from './kube/__testUtils__';

let sandbox: Sandbox;
let core: CoreV1Api;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  core = kubeConfigFor(sandbox.clusters[0]).makeApiClient(CoreV1Api);
}, 60_000);

afterAll(async () => {
  await sandbox.stop();
}, 60_000);

const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${sandbox.adminUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'Content-Type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe('admin API', () => {
  it('reports URLs, clusters and tokens', async () => {
    const state = await (await admin('/state')).json();
    expect(state.github).toEqual({
      url: sandbox.github.url,
      token: 'sandbox-github-token',
    });
    expect(state.clusters.map((c: { name: string }) => c.name)).toEqual([
      'staging',
      'production',
    ]);
    expect(state.clusters[0]).toMatchObject({
      kubernetesUrl: sandbox.clusters[0].kubernetesUrl,
      argocdUrl: `${sandbox.clusters[0].kubernetesUrl}/argocd`,
      argoUrl: `${sandbox.clusters[0].kubernetesUrl}/argo`,
      token: 'sandbox-cluster-token',
      repository: 'acme-edu/launchpad-cluster-staging',
    });
  });

  it('adds, lists and removes faults, refusing invalid specs with 400', async () => {
    const created = await admin('/faults', {
      method: 'POST',
      body: { kind: 'http-error', service: 'argocd', status: 500 },
    });
    expect(created.status).toBe(201);
    const fault = await created.json();
    expect(fault).toMatchObject({
      id: expect.any(String),
      kind: 'http-error',
      hits: 0,
    });
    expect(
      (await (await admin('/faults')).json()).items.map(
        (f: { id: string }) => f.id,
      ),
    ).toEqual([fault.id]);
    expect(
      (await admin(`/faults/${fault.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(
      (await admin(`/faults/${fault.id}`, { method: 'DELETE' })).status,
    ).toBe(404);
    expect((await (await admin('/faults')).json()).items).toEqual([]);

    for (const bad of [
      { kind: 'meteor-strike' },
      { kind: 'http-error' },
      { kind: 'slow', service: 'kubernetes', delayMs: -1 },
      { kind: 'down', cluster: 'staging', surprise: true },
      { kind: 'http-error', service: 'github', status: 200 },
    ]) {
      const res = await admin('/faults', { method: 'POST', body: bad });
      expect(res.status).toBe(400);
      expect((await res.json()).issues.length).toBeGreaterThan(0);
    }
    const malformed = await fetch(`${sandbox.adminUrl}/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('reads, advances and speeds up the clock', async () => {
    const before = await (await admin('/clock')).json();
    const after = await (
      await admin('/clock', {
        method: 'POST',
        body: { advanceMs: 3_600_000, speed: 5 },
      })
    ).json();
    expect(after.nowMs - before.nowMs).toBeGreaterThanOrEqual(3_600_000);
    expect(after.speed).toBe(5);
    expect(
      (await admin('/clock', { method: 'POST', body: { speed: -1 } })).status,
    ).toBe(400);
    sandbox.clock.setSpeed(0);
  });
});

describe('HTTP faults on a cluster', () => {
  it('down: the client fails with a connection error until the fault is removed', async () => {
    const fault = sandbox.faults.add({ kind: 'down', cluster: 'staging' });
    const error = await core.listNamespace().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApiException);
    const argocd = await fetch(
      `${sandbox.clusters[0].argocdUrl}/api/v1/applications`,
    ).then(
      () => 'answered',
      () => 'refused',
    );
    expect(argocd).toBe('refused');
    // The other cluster is unaffected.
    const production = kubeConfigFor(sandbox.clusters[1]).makeApiClient(
      CoreV1Api,
    );
    expect((await production.listNamespace()).items.length).toBeGreaterThan(0);
    sandbox.faults.remove(fault.id);
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
  });

  it('down: open watches are broken too, as a real API server going away breaks them', async () => {
    const kc = kubeConfigFor(sandbox.clusters[0]);
    const ended = new Promise<unknown>(resolve => {
      void new Watch(kc).watch(
        '/api/v1/namespaces',
        {},
        () => {},
        err => resolve(err ?? 'closed'),
      );
    });
    // Let the watch connect before the cluster goes away.
    await new Promise(r => setTimeout(r, 200));
    const fault = sandbox.faults.add({ kind: 'down', cluster: 'staging' });
    try {
      const outcome = await Promise.race([
        ended,
        new Promise(r => setTimeout(() => r('still open'), 5_000)),
      ]);
      expect(outcome).not.toBe('still open');
    } finally {
      sandbox.faults.remove(fault.id);
    }
  });

  it('http-error: answers a 5xx Status, for `count` requests', async () => {
    sandbox.faults.add({
      kind: 'http-error',
      service: 'kubernetes',
      cluster: 'staging',
      status: 503,
      count: 1,
    });
    const error = await core.listNamespace().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<string>).code).toBe(503);
    expect(
      JSON.parse(String((error as ApiException<string>).body)),
    ).toMatchObject({ kind: 'Status', code: 503 });
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
  });

  it('http-error on ArgoCD answers in ArgoCD’s error shape, scoped by path', async () => {
    sandbox.faults.add({
      kind: 'http-error',
      service: 'argocd',
      status: 502,
      pathPrefix: '/api/v1/applications',
      count: 1,
    });
    const headers = { Authorization: `Bearer ${sandbox.clusters[0].token}` };
    const res = await fetch(
      `${sandbox.clusters[0].argocdUrl}/api/v1/applications`,
      { headers },
    );
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      code: 14,
      message: expect.stringContaining('502'),
    });
    expect(
      (
        await fetch(`${sandbox.clusters[0].argocdUrl}/api/v1/applications`, {
          headers,
        })
      ).status,
    ).toBe(200);
  });

  it('slow: delays the response but still answers', async () => {
    // The delay is a lower bound (a timer before the handler runs), so this
    // holds on a loaded machine too; no upper bound is asserted.
    const delayMs = 400;
    const fault = sandbox.faults.add({
      kind: 'slow',
      service: 'kubernetes',
      cluster: 'staging',
      delayMs,
      count: 1,
    });
    const started = performance.now();
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(delayMs);
    expect(sandbox.faults.list().some(f => f.id === fault.id)).toBe(false);
  });
});

describe('GitHub down', () => {
  it('drops GitHub connections, keeps the admin API up to lift the fault', async () => {
    const github = () =>
      fetch(`${sandbox.github.url}/rate_limit`, {
        headers: { Authorization: `token ${sandbox.github.token}` },
      }).then(
        res => res.status,
        () => 'refused' as const,
      );
    expect(await github()).toBe(200);

    const added = await admin('/faults', {
      method: 'POST',
      body: { kind: 'down', service: 'github' },
    });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: string };
    expect(await github()).toBe('refused');
    // The clusters are unaffected.
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);

    expect((await admin(`/faults/${id}`, { method: 'DELETE' })).ok).toBe(true);
    expect(await github()).toBe(200);
  });

  it('refuses a down fault that names neither a cluster nor GitHub', async () => {
    const res = await admin('/faults', {
      method: 'POST',
      body: { kind: 'down', service: 'kubernetes' },
    });
    expect(res.status).toBe(400);
  });
});
