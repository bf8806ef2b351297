import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';

interface ResourceResult {
  kind: string;
  name: string;
  status: string;
  message: string;
}
interface App {
  metadata: {
    name: string;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  operation?: {
    sync: Record<string, unknown>;
    initiatedBy: Record<string, unknown>;
    retry: Record<string, unknown>;
    info?: unknown[];
  };
  status: {
    sync: { status: string; revision?: string };
    history?: Array<{ id: number; revision: string }>;
    operationState?: {
      phase: string;
      message?: string;
      retryCount?: number;
      operation?: Record<string, unknown>;
      syncResult?: { revision: string; resources: ResourceResult[] };
    };
    resources?: Array<{ kind: string; name: string; status: string }>;
  };
}

let sandbox: Sandbox;
let custom: CustomObjectsApi;
let core: CoreV1Api;
let apps: AppsV1Api;
const [owner, repo] = 'acme-edu/launchpad-cluster-staging'.split('/');
const APP = 'physics-101-staging';
const NS = 'physics-101';

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 0 });
  const kc = kubeConfigFor(sandbox.clusters[0]);
  custom = kc.makeApiClient(CustomObjectsApi);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
}, 60_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

const argocd = (path: string, init: RequestInit = {}) =>
  fetch(`${sandbox.clusters[0].argocdUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${sandbox.clusters[0].token}`,
      'Content-Type': 'application/json',
    },
  });
const getApp = async (name = APP) =>
  (await (await argocd(`/api/v1/applications/${name}`)).json()) as App;
const sync = (body: Record<string, unknown>, name = APP) =>
  argocd(`/api/v1/applications/${name}/sync`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
/** Runs a sync to its end: 2 simulated seconds of operation. */
const syncAndWait = async (body: Record<string, unknown>) => {
  const res = await sync(body);
  expect(res.status).toBe(200);
  await sandbox.settle(3_000);
  return getApp();
};
const configMapExists = async (name: string) => {
  try {
    await core.readNamespacedConfigMap({ name, namespace: NS });
    return true;
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return false;
    throw e;
  }
};
const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n`;
const resultFor = (app: App, name: string) =>
  app.status.operationState?.syncResult?.resources.find(r => r.name === name);

describe('ArgoCD sync operations', () => {
  it('returns the Application with the requested operation; the controller then runs it', async () => {
    const head = await sandbox.git.headSha(owner, repo);
    const res = await sync({
      prune: true,
      strategy: { apply: { force: true } },
      syncOptions: { items: ['CreateNamespace=true', 'ServerSideApply=true'] },
      retryStrategy: {
        limit: 2,
        backoff: { duration: '10s', factor: 2, maxDuration: '3m' },
      },
      infos: [{ name: 'reason', value: 'test' }],
    });
    expect(res.status).toBe(200);
    const accepted = (await res.json()) as App;
    // server/application/application.go Sync: the operation, as set by argo.SetAppOperation.
    expect(accepted.operation).toEqual({
      sync: {
        revision: head,
        prune: true,
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
        syncStrategy: { apply: { force: true } },
        source: expect.objectContaining({ path: 'instances/physics-101/env' }),
      },
      initiatedBy: { username: 'admin' },
      info: [{ name: 'reason', value: 'test' }],
      retry: {
        limit: 2,
        backoff: { duration: '10s', factor: 2, maxDuration: '3m' },
      },
    });
    expect(accepted.status.operationState?.phase).not.toBe('Running');

    await sandbox.settle(1_000);
    const running = await getApp();
    expect(running.status.operationState).toMatchObject({
      phase: 'Running',
      message: 'one or more tasks are running',
      operation: accepted.operation,
    });
    await sandbox.settle(2_000);
    const done = await getApp();
    expect(done.operation).toBeUndefined();
    expect(done.status.operationState).toMatchObject({
      phase: 'Succeeded',
      operation: accepted.operation,
      syncResult: { revision: head },
    });
    expect(done.status.sync).toMatchObject({
      status: 'Synced',
      revision: head,
    });
    // ServerSideApply=true reports server-side applies, as kubectl does.
    expect(
      done.status.operationState?.syncResult?.resources.find(
        r => r.kind === 'Deployment',
      )?.message,
    ).toMatch(/^deployment\.apps\/\S+ serverside-applied$/);
  });

  it('dryRun reports what would change and changes nothing', async () => {
    const { sha } = await sandbox.git.commitFiles(owner, repo, {
      message: 'Add a ConfigMap',
      changes: {
        'instances/physics-101/env/k8s/extra.yml': configMap('extra'),
      },
    });
    await sandbox.settle(0);
    const before = await getApp();
    expect(before.status.sync.status).toBe('OutOfSync');
    const after = await syncAndWait({ dryRun: true });
    expect(after.status.operationState?.phase).toBe('Succeeded');
    expect(after.status.operationState?.syncResult?.revision).toBe(sha);
    expect(resultFor(after, 'extra')).toMatchObject({
      kind: 'ConfigMap',
      status: 'Synced',
      message: 'configmap/extra created (dry run)',
    });
    expect(await configMapExists('extra')).toBe(false);
    expect(after.status.sync).toEqual(before.status.sync);
    expect(after.status.history).toEqual(before.status.history);
  });

  it('applies, then leaves (prune: false) or prunes (prune: true) what git no longer has', async () => {
    const synced = await syncAndWait({});
    expect(resultFor(synced, 'extra')?.message).toBe('configmap/extra created');
    const live = await core.readNamespacedConfigMap({
      name: 'extra',
      namespace: NS,
    });
    expect(live.metadata?.annotations?.['argocd.argoproj.io/tracking-id']).toBe(
      `${APP}:/ConfigMap:${NS}/extra`,
    );
    expect(synced.status.sync.status).toBe('Synced');

    await sandbox.git.commitFiles(owner, repo, {
      message: 'Drop the ConfigMap',
      changes: { 'instances/physics-101/env/k8s/extra.yml': null },
    });
    await sandbox.settle(0);
    const kept = await syncAndWait({ prune: false });
    expect(resultFor(kept, 'extra')).toMatchObject({
      status: 'PruneSkipped',
      message: 'ignored (requires pruning)',
    });
    expect(kept.status.sync.status).toBe('OutOfSync');
    expect(kept.status.resources?.find(r => r.name === 'extra')).toMatchObject({
      status: 'OutOfSync',
      requiresPruning: true,
    });
    expect(await configMapExists('extra')).toBe(true);

    const preview = await syncAndWait({ prune: true, dryRun: true });
    expect(resultFor(preview, 'extra')).toMatchObject({
      status: 'Pruned',
      message: 'pruned (dry run)',
    });
    expect(await configMapExists('extra')).toBe(true);

    const pruned = await syncAndWait({ prune: true });
    expect(resultFor(pruned, 'extra')).toMatchObject({
      status: 'Pruned',
      message: 'pruned',
    });
    expect(await configMapExists('extra')).toBe(false);
    expect(pruned.status.sync.status).toBe('Synced');
  });

  it('syncs only the requested resources, without a history entry', async () => {
    await sandbox.git.commitFiles(owner, repo, {
      message: 'Two ConfigMaps',
      changes: {
        'instances/physics-101/env/k8s/partial.yml': `${configMap(
          'partial-a',
        )}---\n${configMap('partial-b')}`,
      },
    });
    await sandbox.settle(0);
    const before = await getApp();
    const after = await syncAndWait({
      resources: [{ group: '', kind: 'ConfigMap', name: 'partial-a' }],
    });
    expect(after.status.operationState?.operation?.sync).toMatchObject({
      resources: [{ group: '', kind: 'ConfigMap', name: 'partial-a' }],
    });
    expect(
      after.status.operationState?.syncResult?.resources.map(r => r.name),
    ).toEqual(['partial-a']);
    expect(await configMapExists('partial-a')).toBe(true);
    expect(await configMapExists('partial-b')).toBe(false);
    expect(after.status.sync.status).toBe('OutOfSync');
    expect(after.status.history).toHaveLength(before.status.history!.length);
  });

  it('retries a failing sync per retryStrategy, then fails', async () => {
    await sandbox.git.commitFiles(owner, repo, {
      message: 'Broken manifest',
      changes: {
        'instances/physics-101/env/k8s/broken.yml':
          'apiVersion: v1\nmetadata:\n  name: no-kind\n',
      },
    });
    await sandbox.settle(0);
    expect(
      (
        await sync({
          retryStrategy: { limit: 2, backoff: { duration: '10s', factor: 2 } },
        })
      ).status,
    ).toBe(200);
    await sandbox.settle(3_000);
    const retrying = await getApp();
    expect(retrying.status.operationState).toMatchObject({
      phase: 'Running',
      retryCount: 1,
    });
    expect(retrying.status.operationState?.message).toMatch(
      /^ComparisonError: .*broken\.yml.*\. Retrying attempt #1 at \d{1,2}:\d{2}(AM|PM)\.$/,
    );
    // Second attempt after 10 s, third after 20 s more (factor 2).
    await sandbox.settle(12_000);
    expect((await getApp()).status.operationState).toMatchObject({
      phase: 'Running',
      retryCount: 2,
    });
    await sandbox.settle(23_000);
    const failed = await getApp();
    expect(failed.status.operationState).toMatchObject({
      phase: 'Error',
      retryCount: 2,
    });
    expect(failed.operation).toBeUndefined();
    await sandbox.git.commitFiles(owner, repo, {
      message: 'Fix manifest',
      changes: { 'instances/physics-101/env/k8s/broken.yml': null },
    });
    await sandbox.settle(0);
  });

  it('runs an operation set through the Kubernetes API, as argocd --core does', async () => {
    const head = await sandbox.git.headSha(owner, repo);
    await custom.patchNamespacedCustomObject(
      {
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'argocd',
        plural: 'applications',
        name: APP,
        body: {
          operation: {
            sync: { revision: head, prune: true },
            initiatedBy: { username: 'core' },
            retry: {},
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await sandbox.settle(3_000);
    const app = await getApp();
    expect(app.operation).toBeUndefined();
    expect(app.status.operationState).toMatchObject({
      phase: 'Succeeded',
      operation: { initiatedBy: { username: 'core' } },
    });
  });
});

describe('ArgoCD delete', () => {
  it('refuses a propagation policy without cascading, and an unknown policy', async () => {
    const mixed = await argocd(
      `/api/v1/applications/${APP}?cascade=false&propagationPolicy=foreground`,
      { method: 'DELETE' },
    );
    expect(mixed.status).toBe(400);
    expect(await mixed.json()).toEqual({
      error: 'cannot set propagation policy when cascading is disabled',
      code: 3,
      message: 'cannot set propagation policy when cascading is disabled',
    });
    const unknown = await argocd(
      `/api/v1/applications/${APP}?propagationPolicy=sideways`,
      { method: 'DELETE' },
    );
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).message).toBe(
      'invalid propagation policy: sideways',
    );
    // A missing Application: permission denied without the project, 404
    // with it (getAppEnforceRBAC).
    expect(
      (await argocd('/api/v1/applications/nope', { method: 'DELETE' })).status,
    ).toBe(403);
    expect(
      (
        await argocd('/api/v1/applications/nope?project=default', {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404);
  });

  it('cascade=false deletes the Application and keeps its resources', async () => {
    const res = await argocd(`/api/v1/applications/${APP}?cascade=false`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(
      (await argocd(`/api/v1/applications/${APP}?project=default`)).status,
    ).toBe(404);
    const deployments = await apps.listNamespacedDeployment({ namespace: NS });
    expect(deployments.items.length).toBeGreaterThan(0);
    expect(await configMapExists('partial-a')).toBe(true);
  });

  it('cascade=true marks the Application deleted, deletes its resources, then the Application', async () => {
    const name = 'demo-staging';
    const res = await argocd(`/api/v1/applications/${name}?cascade=true`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const deleting = await getApp(name);
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    expect(deleting.metadata.finalizers).toContain(
      'resources-finalizer.argocd.argoproj.io',
    );
    const refused = await sync({}, name);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      code: 9,
      message: 'application is deleting',
    });
    await sandbox.settle(3_000);
    expect(
      (await argocd(`/api/v1/applications/${name}?project=default`)).status,
    ).toBe(404);
    expect((await argocd(`/api/v1/applications/${name}`)).status).toBe(403);
    const deployments = await apps.listNamespacedDeployment({
      namespace: 'demo',
    });
    expect(deployments.items).toEqual([]);
  });
});

describe('ArgoCD list filters and routes the sandbox does not serve', () => {
  const names = async (query: string) =>
    (
      (await (await argocd(`/api/v1/applications${query}`)).json()) as {
        items: App[];
      }
    ).items.map(i => i.metadata.name);

  it('filters by name, projects, repo and appNamespace as ApplicationService.List does', async () => {
    const all = await names('');
    expect(all.length).toBeGreaterThan(1);
    expect(await names(`?name=${all[1]}`)).toEqual([all[1]]);
    expect(await names('?projects=default')).toEqual(all);
    expect(await names('?projects=other&projects=default')).toEqual(all);
    expect(await names('?projects=other')).toEqual([]);
    expect(
      await names(
        `?repo=${encodeURIComponent(
          'https://github.com/acme-edu/launchpad-cluster-staging',
        )}`,
      ),
    ).toEqual(all);
    expect(await names('?repo=https://github.com/acme-edu/other.git')).toEqual(
      [],
    );
    expect(await names('?appNamespace=argocd')).toEqual(all);
    expect(await names('?appNamespace=team-a')).toEqual([]);
  });

  it('answers Unimplemented (501, code 12) naming a route it does not serve', async () => {
    const res = await argocd(`/api/v1/applications/${APP}/resource-tree`);
    expect(res.status).toBe(501);
    expect(await res.json()).toEqual({
      error: `the Launchpad sandbox does not serve GET /argocd/api/v1/applications/${APP}/resource-tree`,
      code: 12,
      message: `the Launchpad sandbox does not serve GET /argocd/api/v1/applications/${APP}/resource-tree`,
    });
  });
});

describe('ArgoCD single-application answers (getAppEnforceRBAC)', () => {
  const DENIED = {
    error: 'permission denied',
    code: 7,
    message: 'permission denied',
  };
  const notFound = (name: string) => ({
    error: `applications.argoproj.io "${name}" not found`,
    code: 5,
    message: `applications.argoproj.io "${name}" not found`,
  });
  const answer = async (res: Response) => ({
    status: res.status,
    body: await res.json(),
  });
  const metadata = (name: string, query = '') =>
    `/api/v1/applications/${name}/revisions/${'0'.repeat(40)}/metadata${query}`;

  it('answers a missing Application 403 "permission denied" without the project and 404 with it, on every single-app route', async () => {
    const withoutProject = [
      argocd('/api/v1/applications/nope'),
      argocd('/api/v1/applications/nope?refresh=normal'),
      sync({}, 'nope'),
      argocd('/api/v1/applications/nope', { method: 'DELETE' }),
      argocd(metadata('nope')),
    ];
    for (const res of await Promise.all(withoutProject))
      expect(await answer(res)).toEqual({ status: 403, body: DENIED });
    const withProject = [
      argocd('/api/v1/applications/nope?project=default'),
      argocd('/api/v1/applications/nope?projects=default'),
      argocd('/api/v1/applications/nope?refresh=normal&project=default'),
      sync({ project: 'default' }, 'nope'),
      argocd('/api/v1/applications/nope?project=default', {
        method: 'DELETE',
      }),
      argocd(metadata('nope', '?project=default')),
    ];
    for (const res of await Promise.all(withProject))
      expect(await answer(res)).toEqual({
        status: 404,
        body: notFound('nope'),
      });
  });

  it('serves an Application with or without its project, and answers 404 naming another project', async () => {
    const name = 'summer-school-staging';
    await custom.patchNamespacedCustomObject(
      {
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'argocd',
        plural: 'applications',
        name,
        body: { spec: { project: 'team-a' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    for (const query of ['', '?project=team-a', '?projects=team-a']) {
      const res = await argocd(`/api/v1/applications/${name}${query}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as App).metadata.name).toBe(name);
    }
    // The app exists but not in that project: "doesn't exist in that project".
    const elsewhere = [
      argocd(`/api/v1/applications/${name}?project=default`),
      argocd(`/api/v1/applications/${name}?refresh=normal&project=default`),
      sync({ project: 'default', dryRun: true }, name),
      argocd(`/api/v1/applications/${name}?project=default`, {
        method: 'DELETE',
      }),
      argocd(metadata(name, '?project=default')),
    ];
    for (const res of await Promise.all(elsewhere))
      expect(await answer(res)).toEqual({ status: 404, body: notFound(name) });
    expect((await argocd(`/api/v1/applications/${name}`)).status).toBe(200);

    const multiple = await argocd(
      `/api/v1/applications/${name}?project=team-a&project=default`,
    );
    expect(multiple.status).toBe(400);
    expect((await multiple.json()).code).toBe(3);
  });

  it('answers an Application with an empty spec.project as one in project default', async () => {
    const name = 'summer-school-staging';
    await custom.patchNamespacedCustomObject(
      {
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'argocd',
        plural: 'applications',
        name,
        body: { spec: { project: '' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(
      (await argocd(`/api/v1/applications/${name}?project=default`)).status,
    ).toBe(200);
    expect(
      (await argocd(`/api/v1/applications/${name}?project=team-a`)).status,
    ).toBe(404);
  });
});
