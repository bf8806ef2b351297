import {
  CoreV1Api,
  CustomObjectsApi,
  Watch,
  type KubeConfig,
} from '@kubernetes/client-node';
import { Octokit } from '@octokit/rest';
import { kubeConfigFor } from './kube/__testUtils__';
import { clusterRoute, kubernetesRoute, type RequestCounts } from './requests';
import { githubRouteTemplate } from './github/routeTemplates';
import { startSandbox, type Sandbox } from './sandbox';

/** Octokit logs failed requests; some are provoked here. */
const log = { debug() {}, info() {}, warn() {}, error() {} };

let sandbox: Sandbox;
let octokit: Octokit;
let kc: KubeConfig;
const watches: AbortController[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  octokit = new Octokit({
    baseUrl: sandbox.github.url,
    auth: sandbox.github.token,
    log,
  });
  kc = kubeConfigFor(sandbox.clusters[0]);
  await sandbox.git.createRepository('acme-edu', 'counted', {
    files: { 'a/b.txt': 'b\n' },
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
}, 30_000);

const admin = (path: string, method = 'GET') =>
  fetch(`${sandbox.adminUrl}${path}`, { method });

async function counts(): Promise<RequestCounts> {
  const res = await admin('/requests');
  expect(res.status).toBe(200);
  return (await res.json()) as RequestCounts;
}

/** Opens a watch with the real client and waits until the server has it. */
async function openWatch(path: string): Promise<AbortController> {
  const done = new Promise<void>(resolve => {
    void new Watch(kc)
      .watch(
        path,
        {},
        () => {},
        () => resolve(),
      )
      .then(controller => {
        watches.push(controller);
        resolve();
      });
  });
  await Promise.race([
    done,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('watch did not open')), 10_000),
    ),
  ]);
  return watches[watches.length - 1];
}

describe('GET /_sandbox/requests', () => {
  afterAll(() => watches.forEach(w => w.abort()), 60_000);

  it('counts requests per service, cluster, method and route template, and resets', async () => {
    expect((await admin('/requests', 'DELETE')).status).toBe(204);
    const repo = { owner: 'acme-edu', repo: 'counted' };

    // GitHub: two reads of a tree, one of the repository, a refused token.
    const { data: r } = await octokit.repos.get(repo);
    const { data: commit } = await octokit.git.getCommit({
      ...repo,
      commit_sha: await sandbox.git.headSha(repo.owner, repo.repo),
    });
    await octokit.git.getTree({ ...repo, tree_sha: commit.tree.sha });
    await octokit.git.getTree({ ...repo, tree_sha: commit.tree.sha });
    await octokit.repos.getContent({ ...repo, path: 'a/b.txt' });
    await expect(
      new Octokit({
        baseUrl: sandbox.github.url,
        auth: 'wrong',
        log,
      }).repos.get(repo),
    ).rejects.toMatchObject({ status: 401 });
    expect(r.name).toBe('counted');

    // Kubernetes (staging): lists, a get, a watch; production: one list.
    const core = kc.makeApiClient(CoreV1Api);
    await core.listNamespacedPod({ namespace: 'default' });
    await core.listNamespacedPod({ namespace: 'kube-system' });
    await core.readNamespace({ name: 'default' });
    await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
    });
    await openWatch(
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
    );
    await kubeConfigFor(sandbox.clusters[1])
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'default' });

    // ArgoCD and Argo Workflows (plain fetch: neither has an official JS client).
    const bearer = { authorization: `Bearer ${sandbox.clusters[0].token}` };
    const argocd = await fetch(
      `${sandbox.clusters[0].argocdUrl}/api/v1/applications`,
      { headers: bearer },
    );
    expect(argocd.status).toBe(200);
    const argo = await fetch(
      `${sandbox.clusters[0].argoUrl}/api/v1/workflows/argo`,
      { headers: bearer },
    );
    expect(argo.status).toBe(200);

    const c = await counts();
    expect(c.services.github.routes).toEqual({
      'GET /repos/{owner}/{repo}': 2,
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha}': 1,
      'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': 2,
      'GET /repos/{owner}/{repo}/contents/{path}': 1,
    });
    expect(c.services.github.total).toBe(6);
    expect(c.services.github.clusters).toBeUndefined();

    const staging = c.services.kubernetes.clusters!.staging;
    expect(staging.routes).toMatchObject({
      'GET /api/v1/namespaces/{namespace}/pods': 2,
      'GET /api/v1/namespaces/{name}': 1,
      'GET /apis/argoproj.io/v1alpha1/namespaces/{namespace}/applications': 1,
      'WATCH /apis/argoproj.io/v1alpha1/namespaces/{namespace}/applications': 1,
    });
    expect(c.services.kubernetes.clusters!.production.routes).toEqual({
      'GET /api/v1/namespaces/{namespace}/pods': 1,
    });
    expect(
      c.services.kubernetes.routes['GET /api/v1/namespaces/{namespace}/pods'],
    ).toBe(3);
    expect(c.services.argocd.clusters!.staging.routes).toEqual({
      'GET /argocd/api/v1/applications': 1,
    });
    expect(c.services.argo.clusters!.staging.routes).toEqual({
      'GET /argo/api/v1/workflows/{namespace}': 1,
    });
    expect(c.total).toBe(
      c.services.github.total +
        c.services.kubernetes.total +
        c.services.argocd.total +
        c.services.argo.total,
    );
    // Admin requests are not counted.
    expect((await counts()).total).toBe(c.total);

    expect((await admin('/requests', 'DELETE')).status).toBe(204);
    const reset = await counts();
    expect(reset.total).toBe(0);
    expect(reset.services.github).toEqual({ total: 0, routes: {} });
    expect(Date.parse(reset.since)).toBeGreaterThanOrEqual(Date.parse(c.since));
  });

  it('derives route templates from URLs as the real APIs lay them out', () => {
    const k = (method: string, path: string, query = {}) =>
      kubernetesRoute(method, path, query);
    expect(k('GET', '/api/v1/namespaces/demo/pods', { watch: 'true' })).toBe(
      'WATCH /api/v1/namespaces/{namespace}/pods',
    );
    expect(k('GET', '/api/v1/watch/namespaces/demo/pods')).toBe(
      'WATCH /api/v1/namespaces/{namespace}/pods',
    );
    expect(
      k('PATCH', '/apis/apps/v1/namespaces/demo/deployments/lms/scale'),
    ).toBe(
      'PATCH /apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
    );
    expect(k('GET', '/api/v1/namespaces/demo/pods/lms-1/log')).toBe(
      'GET /api/v1/namespaces/{namespace}/pods/{name}/log',
    );
    expect(k('PUT', '/api/v1/namespaces/demo/status')).toBe(
      'PUT /api/v1/namespaces/{name}/status',
    );
    expect(k('GET', '/apis/velero.io/v1/backups')).toBe(
      'GET /apis/velero.io/v1/backups',
    );
    expect(k('GET', '/apis/apps/v1')).toBe('GET /apis/apps/v1');
    expect(k('GET', '/version')).toBe('GET /version');
    expect(
      clusterRoute('POST', '/argocd/api/v1/applications/demo-staging/sync'),
    ).toEqual({
      service: 'argocd',
      route: 'POST /argocd/api/v1/applications/{name}/sync',
    });
    expect(
      clusterRoute(
        'GET',
        '/argocd/api/v1/applications/demo/revisions/abc123/metadata',
      ).route,
    ).toBe(
      'GET /argocd/api/v1/applications/{name}/revisions/{revision}/metadata',
    );
    expect(
      clusterRoute('POST', '/argo/api/v1/workflows/argo/submit').route,
    ).toBe('POST /argo/api/v1/workflows/{namespace}/submit');
    expect(
      clusterRoute('PUT', '/argo/api/v1/workflows/argo/provision-1/retry')
        .route,
    ).toBe('PUT /argo/api/v1/workflows/{namespace}/{name}/retry');
    expect(githubRouteTemplate('GET', '/repos/o/r/contents/a/b/c.yml')).toBe(
      'GET /repos/{owner}/{repo}/contents/{path}',
    );
    expect(githubRouteTemplate('GET', '/repos/o/r/actions/runs/12/jobs')).toBe(
      'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
    );
    expect(githubRouteTemplate('PATCH', '/repos/o/r/git/refs/heads/a/b')).toBe(
      'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
    );
    expect(githubRouteTemplate('POST', '/graphql')).toBe('POST /graphql');
    expect(
      githubRouteTemplate(
        'GET',
        '/_codeload/acme-edu/strain/legacy.tar.gz/refs/heads/main',
      ),
    ).toBe('GET /_codeload/{owner}/{repo}/legacy.tar.gz/{ref}');
    expect(githubRouteTemplate('GET', '/repos/o/r/tarball/main')).toBe(
      'GET /repos/{owner}/{repo}/tarball/{ref}',
    );
    expect(githubRouteTemplate('GET', '/nothing/here')).toBe('GET (unmatched)');
  });
});
