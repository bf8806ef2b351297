import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { mockServices } from '@backstage/backend-test-utils';
import type { ClusterKubernetes } from '@internal/plugin-launchpad-node';
import { WATCHED_KINDS } from './kinds';
import { KindWatcher } from './KindWatcher';
import { eventually } from '../__testUtils__';

/**
 * A fake API server for one kind (pods): lists answer from `state`, watches
 * either hang silently (headers, then nothing: a dead connection that never
 * closes) or answer as `watchMode` says.
 */
function fakeApiServer() {
  const seen = { lists: 0, watches: [] as string[] };
  const state = {
    listStatus: 200,
    watchMode: 'silent' as 'silent' | 'gone' | 'events',
    pods: [
      {
        metadata: { name: 'lms-1', namespace: 'demo', resourceVersion: '5' },
        spec: {
          containers: [
            { name: 'lms', env: [{ name: 'MYSQL_PASSWORD', value: 's3cret' }] },
          ],
        },
        status: { phase: 'Running' },
      },
    ],
  };
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') {
      seen.watches.push(url.searchParams.toString());
      if (state.watchMode === 'gone') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          `${JSON.stringify({
            type: 'ERROR',
            object: { kind: 'Status', code: 410, reason: 'Expired' },
          })}\n`,
        );
        state.watchMode = 'silent';
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      open.add(res);
      if (state.watchMode === 'events') {
        res.write(
          `${JSON.stringify({
            type: 'ADDED',
            object: {
              metadata: {
                name: 'lms-2',
                namespace: 'demo',
                resourceVersion: '9',
              },
              status: { phase: 'Pending' },
            },
          })}\n`,
        );
      }
      return; // silent: never another byte, never closed
    }
    seen.lists++;
    if (state.listStatus !== 200) {
      res.writeHead(state.listStatus, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: state.listStatus,
          message: 'boom',
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '7' },
        items: state.pods,
      }),
    );
  });
  return {
    seen,
    state,
    async start(): Promise<string> {
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async stop() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}

function kubernetesFor(url: string): ClusterKubernetes {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'fake', user: 'u' }],
    currentContext: 'c',
  });
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    autoscaling: kubeConfig.makeApiClient(AutoscalingV2Api),
    rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
  };
}

const pods = WATCHED_KINDS.find(k => k.name === 'pods')!;

const timing = {
  watchTimeoutSeconds: 1,
  silenceGraceMs: 500,
  initialBackoffMs: 100,
  maxBackoffMs: 400,
  pageSize: 100,
};

/** A watcher of pods against `fake`, started; `changes` records its change callbacks. */
async function startWatcher(
  fake: ReturnType<typeof fakeApiServer>,
  overrides: Partial<typeof timing> = {},
  changes: string[] = [],
): Promise<KindWatcher> {
  const url = await fake.start();
  const watcher = new KindWatcher(
    pods,
    kubernetesFor(url),
    { ...timing, ...overrides },
    mockServices.logger.mock(),
    kind => changes.push(kind),
  );
  watcher.start();
  return watcher;
}

describe('KindWatcher', () => {
  let fake: ReturnType<typeof fakeApiServer>;
  let watcher: KindWatcher | undefined;
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await fake.stop();
  }, 10_000);

  it('lists, keeps only slim objects (no env), and restarts a watch that stays silent past its timeout', async () => {
    fake = fakeApiServer();
    watcher = await startWatcher(fake);
    await eventually(
      'listed',
      () => (watcher!.state().phase === 'ok' ? true : undefined),
      10_000,
    );
    const [pod] = watcher.list('demo');
    expect(pod.metadata?.name).toBe('lms-1');
    expect(JSON.stringify(pod)).not.toContain('s3cret');
    expect(pod.spec).toBeUndefined();
    // Silent for timeout (1 s) + grace (0.5 s): restarted, with a new watch request.
    await eventually(
      'restarted',
      () =>
        watcher!.restartCount() >= 1 && fake.seen.watches.length >= 2
          ? true
          : undefined,
      15_000,
    );
    // The data stayed available through the restart.
    expect(watcher.list('demo').map(p => p.metadata?.name)).toContain('lms-1');
    // Watches ask for bookmarks and a server-side timeout.
    expect(fake.seen.watches[0]).toContain('allowWatchBookmarks=true');
    expect(fake.seen.watches[0]).toContain('timeoutSeconds=1');
    expect(fake.seen.watches[0]).toContain('resourceVersion=7');
  }, 30_000);

  it('marks a failing list as an error, retries with backoff, and recovers', async () => {
    fake = fakeApiServer();
    fake.state.listStatus = 500;
    const changes: string[] = [];
    watcher = await startWatcher(fake, {}, changes);
    await eventually(
      'error',
      () => (watcher!.state().phase === 'error' ? true : undefined),
      10_000,
    );
    await eventually(
      'retried',
      () => (fake.seen.lists >= 3 ? true : undefined),
      10_000,
    );
    fake.state.listStatus = 200;
    await eventually(
      'ok again',
      () => (watcher!.state().phase === 'ok' ? true : undefined),
      10_000,
    );
    expect(watcher.list().length).toBe(1);
    expect(changes.length).toBeGreaterThan(0);
  }, 30_000);

  it('relists after 410 Gone on the watch', async () => {
    fake = fakeApiServer();
    fake.state.watchMode = 'gone';
    watcher = await startWatcher(fake, { watchTimeoutSeconds: 30 });
    await eventually(
      'relisted and watching again',
      () =>
        fake.seen.lists >= 2 && fake.seen.watches.length >= 2
          ? true
          : undefined,
      10_000,
    );
    // The second watch starts from the new list, not from the expired version.
    expect(fake.seen.watches[1]).toContain('resourceVersion=7');
    expect(watcher.state().phase).toBe('ok');
  }, 30_000);

  it('applies watch events to the cache, projected', async () => {
    fake = fakeApiServer();
    fake.state.watchMode = 'events';
    watcher = await startWatcher(fake, { watchTimeoutSeconds: 30 });
    await eventually(
      'event applied',
      () =>
        watcher!.list('demo').some(p => p.metadata?.name === 'lms-2')
          ? true
          : undefined,
      10_000,
    );
    const added = watcher.list('demo').find(p => p.metadata?.name === 'lms-2')!;
    expect(added.status).toMatchObject({
      phase: 'Pending',
      containerStatuses: [],
    });
  }, 30_000);

  it('reports a kind the cluster does not serve as absent, not as an error', async () => {
    fake = fakeApiServer();
    fake.state.listStatus = 404;
    watcher = await startWatcher(fake);
    await eventually(
      'absent',
      () => (watcher!.state().phase === 'absent' ? true : undefined),
      10_000,
    );
    expect(watcher.list()).toEqual([]);
  }, 30_000);
});
