import { CustomObjectsApi } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';

interface App {
  metadata: { name: string };
  status: {
    sync: { status: string; revision?: string };
    health: { status: string; message?: string };
    history?: Array<{ id: number; revision: string; deployedAt: string }>;
    operationState?: { phase: string; message?: string };
    conditions?: Array<{ type: string; message: string }>;
    reconciledAt?: string;
  };
}

let sandbox: Sandbox;
let custom: CustomObjectsApi;
const [owner, repo] = 'acme-edu/launchpad-cluster-staging'.split('/');

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 0 });
  custom = kubeConfigFor(sandbox.clusters[0]).makeApiClient(CustomObjectsApi);
}, 60_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

async function getApp(name: string, cluster = 0): Promise<App> {
  if (cluster === 0) {
    return (await custom.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
      name,
    })) as App;
  }
  const c = sandbox.clusters[cluster];
  const res = await fetch(`${c.argocdUrl}/api/v1/applications/${name}`, {
    headers: { Authorization: `Bearer ${c.token}` },
  });
  return res.json();
}

const argocd = (
  path: string,
  init: RequestInit = {},
  token = sandbox.clusters[0].token,
) =>
  fetch(`${sandbox.clusters[0].argocdUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
  });

describe('simulated ArgoCD', () => {
  it('seeds one Application per instance folder, in varied states', async () => {
    const res = await argocd('/api/v1/applications');
    const { items } = (await res.json()) as { items: App[] };
    const states = Object.fromEntries(
      items.map(a => [
        a.metadata.name,
        `${a.status.sync.status}/${a.status.health.status}`,
      ]),
    );
    expect(states).toEqual({
      'broken-config-staging': 'Synced/Healthy',
      'demo-staging': 'Synced/Healthy',
      'physics-101-staging': 'OutOfSync/Healthy',
      'summer-school-staging': 'Synced/Progressing',
    });
    expect(
      (await getApp('legacy-campus-production', 1)).status.health.status,
    ).toBe('Degraded');
    const selected = await (
      await argocd(
        '/api/v1/applications?selector=launchpad.openedx.org/instance=demo',
      )
    ).json();
    expect(selected.items.map((a: App) => a.metadata.name)).toEqual([
      'demo-staging',
    ]);
  });

  it('goes OutOfSync on a commit to the instance folder, then auto-syncs to the new revision', async () => {
    const before = await getApp('demo-staging');
    const oldRevision = before.status.sync.revision;
    const historyLength = before.status.history?.length ?? 0;
    const { sha } = await sandbox.git.commitFiles(owner, repo, {
      message: 'Bump image',
      changes: {
        'instances/demo/env/k8s/extra.yml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n',
      },
    });
    await sandbox.settle(0);
    const outOfSync = await getApp('demo-staging');
    expect(outOfSync.status.sync.status).toBe('OutOfSync');
    expect(outOfSync.status.sync.revision).toBe(oldRevision);

    await sandbox.settle(4_000);
    const syncing = await getApp('demo-staging');
    expect(syncing.status.operationState?.phase).toBe('Running');
    await sandbox.settle(3_000);
    const synced = await getApp('demo-staging');
    expect(synced.status.sync).toMatchObject({
      status: 'Synced',
      revision: sha,
    });
    expect(synced.status.operationState?.phase).toBe('Succeeded');
    expect(synced.status.health.status).toBe('Progressing');
    expect(synced.status.history).toHaveLength(historyLength + 1);
    expect(
      synced.status.history?.[synced.status.history.length - 1].revision,
    ).toBe(sha);
    await sandbox.settle(11_000);
    expect((await getApp('demo-staging')).status.health.status).toBe('Healthy');
  });

  it('moves the other Synced applications of the repository to the new head, as ArgoCD’s refresh does; an OutOfSync one keeps its revision', async () => {
    const before = await getApp('broken-config-staging');
    const physics = (await getApp('physics-101-staging')).status.sync.revision;
    const { sha } = await sandbox.git.commitFiles(owner, repo, {
      message: 'Touch demo only',
      changes: {
        'instances/demo/env/k8s/other.yml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n',
      },
    });
    await sandbox.settle(0);
    const after = await getApp('broken-config-staging');
    expect(after.status.sync).toMatchObject({
      status: 'Synced',
      revision: sha,
    });
    expect(after.status.history).toEqual(before.status.history);
    expect((await getApp('physics-101-staging')).status.sync).toMatchObject({
      status: 'OutOfSync',
      revision: physics,
    });
    await sandbox.settle(20_000);
  });

  it('reports invalid rendered manifests as a ComparisonError and Degraded', async () => {
    await sandbox.git.commitFiles(owner, repo, {
      message: 'Broken render',
      changes: {
        'instances/demo/env/k8s/broken.yml':
          'apiVersion: v1\nmetadata:\n  name: no-kind\n',
        'instances/demo/env/k8s/unparsable.yml': 'key: [unclosed\n',
      },
    });
    await sandbox.settle(20_000);
    const app = await getApp('demo-staging');
    expect(app.status.health.status).toBe('Degraded');
    const condition = app.status.conditions?.find(
      c => c.type === 'ComparisonError',
    );
    expect(condition?.message).toContain('instances/demo/env/k8s/broken.yml');
    expect(condition?.message).toContain(
      'instances/demo/env/k8s/unparsable.yml',
    );

    // Fixing the files recovers the app.
    await sandbox.git.commitFiles(owner, repo, {
      message: 'Fix render',
      changes: {
        'instances/demo/env/k8s/broken.yml': null,
        'instances/demo/env/k8s/unparsable.yml': null,
      },
    });
    await sandbox.settle(20_000);
    const fixed = await getApp('demo-staging');
    expect(fixed.status.conditions).toBeUndefined();
    expect(fixed.status.sync.status).toBe('Synced');
    expect(fixed.status.health.status).toBe('Healthy');
  });

  it('syncs a manual-sync app through the REST API', async () => {
    const before = await getApp('physics-101-staging');
    expect(before.status.sync.status).toBe('OutOfSync');
    const head = await sandbox.git.headSha(owner, repo);
    const res = await argocd('/api/v1/applications/physics-101-staging/sync', {
      method: 'POST',
      body: JSON.stringify({ prune: true }),
    });
    expect(res.status).toBe(200);
    // ArgoCD's Sync sets the operation and returns the app; the controller
    // moves operationState afterwards.
    const accepted = (await res.json()) as App & {
      operation?: { sync: { revision: string; prune?: boolean } };
    };
    expect(accepted.operation?.sync).toMatchObject({
      revision: head,
      prune: true,
    });
    expect(accepted.status.operationState?.phase).not.toBe('Running');
    const again = await argocd(
      '/api/v1/applications/physics-101-staging/sync',
      { method: 'POST', body: '{}' },
    );
    expect(again.status).toBe(400);
    await sandbox.settle(3_000);
    const synced = await getApp('physics-101-staging');
    expect(synced.status.sync).toMatchObject({
      status: 'Synced',
      revision: head,
    });

    const unknown = await argocd(
      '/api/v1/applications/physics-101-staging/sync',
      {
        method: 'POST',
        body: JSON.stringify({ revision: 'no-such-branch' }),
      },
    );
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).message).toContain('no-such-branch');

    const refreshed = await (
      await argocd('/api/v1/applications/physics-101-staging?refresh=hard')
    ).json();
    expect(refreshed.status.reconciledAt).toBeTruthy();
  });

  it('serves revision metadata for the history', async () => {
    const app = await getApp('demo-staging');
    const revision =
      app.status.history![app.status.history!.length - 1].revision;
    const res = await argocd(
      `/api/v1/applications/demo-staging/revisions/${revision}/metadata`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      message: expect.any(String),
      author: expect.stringContaining('<'),
      date: expect.any(String),
    });
    expect(
      (
        await argocd(
          '/api/v1/applications/demo-staging/revisions/0000000000000000000000000000000000000000/metadata',
        )
      ).status,
    ).toBe(404);
  });

  it('serves a bare application page where the portal links to the ArgoCD UI', async () => {
    const page = await fetch(
      `${sandbox.clusters[0].argocdUrl}/applications/argocd/demo-staging`,
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>demo-staging</h1>');
    expect(html).toContain('Synced');
    expect(
      (await fetch(`${sandbox.clusters[0].argocdUrl}/applications/argocd/nope`))
        .status,
    ).toBe(404);
  });

  it('answers 403, 404 and 401 the way ArgoCD does', async () => {
    // getAppEnforceRBAC: a missing app is "permission denied" unless the
    // request names the project.
    const denied = await argocd('/api/v1/applications/nope');
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      error: 'permission denied',
      code: 7,
      message: 'permission denied',
    });
    const missing = await argocd('/api/v1/applications/nope?project=default');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'applications.argoproj.io "nope" not found',
      code: 5,
      message: 'applications.argoproj.io "nope" not found',
    });
    expect(
      (
        await argocd('/api/v1/applications/nope/sync', {
          method: 'POST',
          body: '{"project":"default"}',
        })
      ).status,
    ).toBe(404);
    const anonymous = await argocd('/api/v1/applications', {}, 'wrong');
    expect(anonymous.status).toBe(401);
  });

  it('creates an app (and its namespace) for a new folder and deletes it with the folder', async () => {
    const application = (await sandbox.git.readFile(
      owner,
      repo,
      'instances/demo/application.yml',
    ))!.replace(/demo/g, 'newbie');
    const files = await sandbox.git.listFiles(
      owner,
      repo,
      'instances/demo/env',
    );
    const changes: Record<string, string> = {
      'instances/newbie/application.yml': application,
    };
    for (const file of files) {
      changes[file.replace('instances/demo/', 'instances/newbie/')] =
        (await sandbox.git.readFile(owner, repo, file))!;
    }
    await sandbox.git.commitFiles(owner, repo, {
      message: 'Add newbie',
      changes,
    });
    await sandbox.settle(0);
    expect((await getApp('newbie-staging')).status.health.status).toBe(
      'Missing',
    );
    await sandbox.settle(20_000);
    const app = await getApp('newbie-staging');
    expect(app.status.sync.status).toBe('Synced');
    expect(app.status.health.status).toBe('Healthy');
    const deployments = await fetch(
      `${sandbox.clusters[0].kubernetesUrl}/apis/apps/v1/namespaces/newbie/deployments`,
      {
        headers: { Authorization: `Bearer ${sandbox.clusters[0].token}` },
      },
    );
    expect(
      (await deployments.json()).items.map((d: App) => d.metadata.name),
    ).toContain('lms');

    await sandbox.git.commitFiles(owner, repo, {
      message: 'Remove newbie',
      changes: { 'instances/newbie/': null },
    });
    await sandbox.settle(0);
    expect(
      (await argocd('/api/v1/applications/newbie-staging?project=default'))
        .status,
    ).toBe(404);
  });
});
