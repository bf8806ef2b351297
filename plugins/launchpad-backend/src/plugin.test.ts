import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  FleetResponse,
  InstanceStatusResponse,
} from '@internal/plugin-launchpad-common';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import request from 'supertest';
import { launchpadPlugin } from './plugin';
import {
  eventually,
  seedInstanceEntities,
  testStatusConfig,
} from './__testUtils__';

type Server = Awaited<ReturnType<typeof startTestBackend>>['server'];

/** The launchpad plugin against a sandbox, over the seed's instance entities, with fast watch timings. */
function startStatusBackend(
  sandbox: Sandbox,
  features: Array<
    Parameters<typeof startTestBackend>[0]['features'] extends
      | Array<infer F>
      | undefined
      ? F
      : never
  > = [],
) {
  const config = sandboxLaunchpadConfig(sandbox);
  return startTestBackend({
    features: [
      launchpadPlugin,
      catalogServiceMock.factory({ entities: seedInstanceEntities() }),
      mockServices.rootConfig.factory({
        data: {
          ...config,
          launchpad: { ...config.launchpad, status: testStatusConfig() },
        },
      }),
      ...features,
    ],
  });
}

describe('launchpad backend: status API against the sandbox', () => {
  let sandbox: Sandbox;
  let backend: Awaited<ReturnType<typeof startTestBackend>> | undefined;
  let server: Server;
  const auth = { Authorization: mockCredentials.user.header() };

  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 1 });
    backend = await startStatusBackend(sandbox, [
      // Requests without a token are anonymous (the default mock signs them in as a user).
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
    ]);
    server = backend.server;
    // Every cluster's caches have listed.
    await eventually('both clusters watched', async () => {
      const res = await request(server).get('/api/launchpad/fleet').set(auth);
      const body = res.body as FleetResponse;
      return res.status === 200 && body.clusters.every(c => c.state === 'ok')
        ? body
        : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    await backend?.stop();
    await sandbox?.stop();
  }, 60_000);

  const status = async (ref: string) => {
    const res = await request(server)
      .get(`/api/launchpad/instances/${ref}/status`)
      .set(auth);
    expect(res.status).toBe(200);
    return res.body as InstanceStatusResponse;
  };

  it('needs credentials except on /health', async () => {
    expect((await request(server).get('/api/launchpad/health')).status).toBe(
      200,
    );
    expect((await request(server).get('/api/launchpad/fleet')).status).toBe(
      401,
    );
    expect(
      (
        await request(server).get(
          '/api/launchpad/instances/staging/demo/status',
        )
      ).status,
    ).toBe(401);
  });

  it('answers 404 for an unknown instance and 400 for a bad query', async () => {
    const missing = await request(server)
      .get('/api/launchpad/instances/staging/nope/status')
      .set(auth);
    expect(missing.status).toBe(404);
    expect(missing.body.error.name).toBe('NotFoundError');
    const bad = await request(server)
      .get('/api/launchpad/fleet?filter=shiny')
      .set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('filter');
    expect(
      (
        await request(server)
          .get('/api/launchpad/clusters/moon/fleet')
          .set(auth)
      ).status,
    ).toBe(404);
  });

  it('answers wrong input with a 400 or 404 naming the field and value, never an empty body or a silent 200', async () => {
    const get = (path: string) =>
      request(server).get(`/api/launchpad${path}`).set(auth);
    const message = async (res: Promise<request.Response>, code: number) => {
      const r = await res;
      expect(r.status).toBe(code);
      expect(r.body.error.name).toBeDefined();
      return r.body.error.message as string;
    };
    expect(await message(get('/fleet?limit=1&limit=2'), 400)).toContain(
      'limit is given 2 times',
    );
    expect(
      await message(get('/clusters/staging/availability?slug=a&slug=b'), 400),
    ).toContain('slug is given 2 times');
    expect(await message(get('/fleet?status=degraded'), 400)).toContain(
      'unknown "status"',
    );
    expect(await message(get('/fleet?sort=bogus'), 400)).toContain(
      'sort "bogus"',
    );
    expect(
      await message(get('/clusters/staging/fleet?cluster=production'), 400),
    ).toContain('cluster "production"');
    expect(
      await message(get('/instances/component:staging/demo/status'), 400),
    ).toContain('namespace "component:staging"');
    expect(await message(get('/instances/demo/status'), 404)).toContain(
      'No route GET /instances/demo/status',
    );
    const notJson = await request(server)
      .post('/api/launchpad/instances/staging/demo/sync')
      .set(auth)
      .set('content-type', 'application/json')
      .send('{not json');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.name).toBe('InputError');
    // curl -d without a content-type: refused, not a sync with its options dropped.
    const form = await request(server)
      .post('/api/launchpad/instances/staging/demo/sync')
      .set(auth)
      .type('form')
      .send('prune=true');
    expect(form.status).toBe(400);
    expect(form.body.error.message).toContain('application/json');
  });

  it('shows each seeded state on the instance status', async () => {
    const demo = await status('staging/demo');
    expect(demo.argocd).toMatchObject({
      application: 'demo-staging',
      sync: 'Synced',
      health: 'Healthy',
    });
    expect(demo.freshness.state).toBe('ok');
    expect(demo.workloads.deployments.length).toBeGreaterThan(0);
    expect(demo.backups.verdict).toBe('covered');

    expect((await status('staging/physics-101')).argocd?.sync).toBe(
      'OutOfSync',
    );
    const university = await status('production/university');
    expect(university.autoscalers.some(a => a.atMax)).toBe(true);
    expect((await status('production/legacy-campus')).argocd?.health).toBe(
      'Degraded',
    );
    // Its own schedule's backups fail for three days: the last good one is too old, and the cause known.
    const archive = await status('production/archive');
    expect(archive.backups.verdict).toBe('failing');
    expect(archive.backups.lastCompletedAgeMs).toBeGreaterThan(24 * 3_600_000);
    expect(archive.backups.recentFailures.length).toBeGreaterThan(0);
    const summer = await status('staging/summer-school');
    expect(summer.workflows.length).toBeGreaterThan(0);
    // Workflow parameters hold generated passwords: never in an answer.
    expect(JSON.stringify(summer)).not.toMatch(/"parameters"/);
  });

  it('derives drift: the out-of-sync sample runs an older image than its config.yml and is behind the branch head; the others are in sync', async () => {
    const head = await sandbox.git.headSha(
      'acme-edu',
      'launchpad-cluster-staging',
    );
    // The branch head is looked up in the background: the first answers may not know it yet.
    const physics = await eventually('the head is known', async () => {
      const s = await status('staging/physics-101');
      return s.drift?.headRevision ? s : undefined;
    });
    expect(physics.drift).toMatchObject({
      images: 'drifted',
      revision: 'behind',
      headRevision: head,
      drifted: true,
    });
    expect(physics.drift?.syncedRevision).not.toBe(head);
    const lms = physics.drift?.imageDetails.find(d => d.deployment === 'lms');
    expect(lms).toMatchObject({ service: 'openedx', state: 'drifted' });
    expect(lms?.runningImage).not.toBe(lms?.configImage);
    // demo's folder did not change since it synced: ArgoCD compared the head and found it Synced.
    expect((await status('staging/demo')).drift).toMatchObject({
      images: 'in-sync',
      revision: 'in-sync',
      headRevision: head,
      drifted: false,
    });
    // A malformed config.yml names no image: unknown, not drifted.
    expect((await status('staging/broken-config')).drift?.images).toBe(
      'unknown',
    );
    const drifted = (
      await request(server).get('/api/launchpad/fleet?filter=drifted').set(auth)
    ).body as FleetResponse;
    expect(drifted.items.map(r => r.entityRef)).toEqual([
      'component:staging/physics-101',
    ]);
    expect(drifted.summary.drifted).toBe(1);
    expect(drifted.items[0].drift).toMatchObject({
      images: 'drifted',
      revision: 'behind',
    });
  });

  it('serves the fleet, filtered, sorted and paged, with counts that agree with the instances', async () => {
    const all = (
      await request(server).get('/api/launchpad/fleet?limit=500').set(auth)
    ).body as FleetResponse;
    expect(all.totalCount).toBe(8);
    expect(all.summary).toMatchObject({ total: 8 });
    const byRef = new Map(all.items.map(r => [r.entityRef, r]));
    expect(byRef.get('component:staging/physics-101')?.sync).toBe('OutOfSync');
    expect(byRef.get('component:production/university')?.replicas.atMax).toBe(
      true,
    );
    expect(byRef.get('component:production/legacy-campus')?.health).toBe(
      'Degraded',
    );
    expect(byRef.get('component:production/archive')?.backup).toBe('failing');
    const overdue = (
      await request(server)
        .get('/api/launchpad/fleet?filter=backup-overdue')
        .set(auth)
    ).body as FleetResponse;
    expect(overdue.items.map(r => r.entityRef)).toEqual([
      'component:production/archive',
    ]);

    const degraded = (
      await request(server)
        .get('/api/launchpad/fleet?filter=degraded')
        .set(auth)
    ).body as FleetResponse;
    expect(degraded.items.map(r => r.entityRef)).toEqual([
      'component:production/legacy-campus',
    ]);
    expect(degraded.summary.degraded).toBe(1);

    const staging = (
      await request(server)
        .get(
          '/api/launchpad/clusters/staging/fleet?sort=name&order=desc&limit=2',
        )
        .set(auth)
    ).body as FleetResponse;
    expect(staging.totalCount).toBe(4);
    expect(staging.items.map(r => r.name)).toEqual([
      'summer-school',
      'physics-101',
    ]);
    const page2 = (
      await request(server)
        .get(
          '/api/launchpad/clusters/staging/fleet?sort=name&order=desc&limit=2&offset=2',
        )
        .set(auth)
    ).body as FleetResponse;
    expect(page2.items.map(r => r.name)).toEqual(['demo', 'broken-config']);
  });

  it('syncs an out-of-sync instance through the ArgoCD API and the cache sees it Synced', async () => {
    const res = await request(server)
      .post('/api/launchpad/instances/staging/physics-101/sync')
      .set(auth)
      .send({});
    expect(res.status).toBe(202);
    expect(res.body.application).toBe('physics-101-staging');
    // The Application carries the requested operation (ArgoCD's sync answer).
    expect(res.body.operation).toMatchObject({ sync: expect.any(Object) });
    await eventually(
      'physics-101 Synced',
      async () => {
        await sandbox.settle(30_000, 5_000);
        const s = await status('staging/physics-101');
        return s.argocd?.sync === 'Synced' ? s : undefined;
      },
      60_000,
    );
    const bad = await request(server)
      .post('/api/launchpad/instances/staging/physics-101/sync')
      .set(auth)
      .send({ prune: 'yes' });
    expect(bad.status).toBe(400);
  }, 90_000);

  it('syncs and refreshes an Application in another project when application.yml cannot be read (no project sent)', async () => {
    const staging = sandbox.clusters.find(c => c.name === 'staging')!;
    const setProject = (project: string) =>
      fetch(
        `${staging.kubernetesUrl}/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/summer-school-staging`,
        {
          method: 'PATCH',
          headers: {
            Authorization: `Bearer ${staging.token}`,
            'Content-Type': 'application/merge-patch+json',
          },
          body: JSON.stringify({ spec: { project } }),
        },
      ).then(r => expect(r.status).toBe(200));
    await setProject('team-a');
    // application.yml cannot be read (a 404 is not retried).
    const fault = sandbox.faults.add({
      kind: 'http-error',
      service: 'github',
      status: 404,
    });
    try {
      const sync = await request(server)
        .post('/api/launchpad/instances/staging/summer-school/sync')
        .set(auth)
        .send({});
      expect(sync.status).toBe(202);
      expect(sync.body.application).toBe('summer-school-staging');
      const refresh = await request(server)
        .post('/api/launchpad/instances/staging/summer-school/refresh')
        .set(auth)
        .send({});
      expect(refresh.status).toBe(200);
    } finally {
      sandbox.faults.remove(fault.id);
      await setProject('default');
    }
  }, 60_000);

  it('reports a cluster that goes down as stale with its last good data, and recovers; the other cluster is unaffected', async () => {
    const fault = sandbox.faults.add({ kind: 'down', cluster: 'production' });
    try {
      const stale = await eventually('production stale', async () => {
        const s = await status('production/demo');
        return s.freshness.state === 'stale' ? s : undefined;
      });
      expect(stale.freshness.lastGoodAt).toBeDefined();
      expect(stale.freshness.error).toBeDefined();
      // Last good data still shown.
      expect(stale.argocd?.application).toBe('demo-production');
      expect((await status('staging/demo')).freshness.state).toBe('ok');
    } finally {
      sandbox.faults.remove(fault.id);
    }
    await eventually(
      'production back',
      async () => {
        const s = await status('production/demo');
        return s.freshness.state === 'ok' ? s : undefined;
      },
      30_000,
    );
  }, 60_000);
});

describe('launchpad backend: permissions and a cluster down from the start', () => {
  let sandbox: Sandbox;
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('403 when the policy denies, 503 naming the cluster when it never answered', async () => {
    sandbox = await startSandbox({ speed: 1 });
    sandbox.faults.add({ kind: 'down', cluster: 'production' });
    const backend = await startStatusBackend(sandbox);
    try {
      const auth = { Authorization: mockCredentials.user.header() };
      const down = await eventually('production reported down', async () => {
        const res = await request(backend.server)
          .get('/api/launchpad/instances/production/demo/status')
          .set(auth);
        return res.status === 503 ? res : undefined;
      });
      expect(down.body.error.message).toContain('production');
      const staging = await eventually('staging answers', async () => {
        const res = await request(backend.server)
          .get('/api/launchpad/instances/staging/demo/status')
          .set(auth);
        return res.status === 200 && res.body.freshness.state === 'ok'
          ? res
          : undefined;
      });
      expect(staging.body.cluster).toBe('staging');
    } finally {
      await backend.stop();
    }

    const denied = await startStatusBackend(sandbox, [
      mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
    ]);
    try {
      const auth = { Authorization: mockCredentials.user.header() };
      const res = await request(denied.server)
        .get('/api/launchpad/instances/staging/demo/status')
        .set(auth);
      expect(res.status).toBe(403);
      expect(
        (await request(denied.server).get('/api/launchpad/fleet').set(auth))
          .status,
      ).toBe(403);
      const sync = await request(denied.server)
        .post('/api/launchpad/instances/staging/physics-101/sync')
        .set(auth)
        .send({});
      expect(sync.status).toBe(403);
    } finally {
      await denied.stop();
    }
  }, 120_000);
});
