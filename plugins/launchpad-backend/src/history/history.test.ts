import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { InstanceHistoryResponse } from '@internal/plugin-launchpad-common';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import request from 'supertest';
import { launchpadPlugin } from '../plugin';
import { ClusterStatusCache } from '../status/ClusterStatusCache';
import {
  databaseOf,
  eventually,
  historyTestDatabases,
  seedInstanceEntities,
  testStatusConfig,
} from '../__testUtils__';
import {
  sandboxPerDatabase,
  TEST_CACHE_TIMING,
} from '../__testUtils__/sandboxSuite';
import { HistoryRecorder } from './HistoryRecorder';
import { HistoryService } from './HistoryService';
import { HistoryStore } from './HistoryStore';
import type { KindName, Slim } from '../status/kinds';

const databases = historyTestDatabases();

describe.each(databases.eachSupportedId())('history on %s', databaseId => {
  const suite = sandboxPerDatabase(databases, databaseId);

  it('writes each fact once, however often and by however many writers', async () => {
    const store = await HistoryStore.create(databaseOf(suite.knex));
    const twin = await HistoryStore.create(databaseOf(suite.knex)); // a second replica
    const run = {
      uid: 'u-1',
      cluster: 'staging',
      namespace: 'chem-201',
      name: 'mysql-provision-chem-201',
      template: 'mysql-provision-template',
      phase: 'Running',
      startedAt: '2026-12-01T10:00:00Z',
    };
    await store.upsertWorkflowRuns([run]);
    await twin.upsertWorkflowRuns([run]);
    await store.upsertWorkflowRuns([
      {
        ...run,
        phase: 'Failed',
        finishedAt: '2026-12-01T10:02:30Z',
        failedStep: 'create-database',
        message: 'Access denied for user',
      },
    ]);
    const runs = await store.workflowRuns('staging', 'chem-201');
    expect(runs).toEqual([
      expect.objectContaining({
        phase: 'Failed',
        failedStep: 'create-database',
      }),
    ]);

    const transition = {
      cluster: 'staging',
      namespace: 'chem-201',
      application: 'chem-201-staging',
      appUid: 'app-1',
      resourceVersion: '42',
      from: { sync: 'Synced', health: 'Healthy' },
      to: { sync: 'Synced', health: 'Degraded' },
      at: Date.now() - 1_000,
    };
    await store.addTransition(transition);
    await twin.addTransition(transition);
    expect(await store.transitions('staging', 'chem-201-staging')).toHaveLength(
      1,
    );
    expect((await twin.lastStates('staging')).get('app-1')).toEqual({
      sync: 'Synced',
      health: 'Degraded',
    });

    // Nothing is older than a day; everything written before now + 1 ms goes.
    expect(await store.prune(Date.now() - 24 * 3600_000)).toBe(0);
    expect(await store.prune(Date.now() + 1)).toBe(2);
    expect(await store.transitions('staging', 'chem-201-staging')).toEqual([]);
    expect(await store.workflowRuns('staging', 'chem-201')).toEqual([]);
  });

  it('records a Workflow suspended then resumed, and an offloaded run, and serves them', async () => {
    // A cache of what a watch would hold: the recorder reads list() and onChange().
    let workflows: Slim[] = [];
    const listeners = new Set<(kind: KindName) => void>();
    const cache = {
      list: (kind: KindName) => (kind === 'workflows' ? workflows : []),
      onChange: (listener: (kind: KindName) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as ClusterStatusCache;
    const change = (next: Slim[]) => {
      workflows = next;
      for (const listener of listeners) listener('workflows');
    };
    const store = await HistoryStore.create(databaseOf(suite.knex));
    let clock = 1_000;
    const recorder = new HistoryRecorder(
      new Map([['staging', cache]]),
      store,
      mockServices.logger.mock(),
      () => clock,
    );
    const recorded = jest.fn();
    recorder.onRecorded(recorded);
    const workflow = (
      spec: Record<string, unknown>,
      status: Record<string, unknown>,
    ): Slim => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: {
        uid: 'wf-1',
        name: 'mysql-provision-chem-201',
        namespace: 'chem-201',
      },
      spec: {
        workflowTemplateRef: { name: 'mysql-provision-template' },
        ...spec,
      },
      status: { startedAt: '2026-12-01T10:00:00Z', ...status },
    });
    const row = async () =>
      (await suite.knex('launchpad_workflow_runs').where({ uid: 'wf-1' })).map(
        r => ({
          phase: r.phase,
          suspended: Boolean(r.suspended),
          nodesOffloaded: Boolean(r.nodes_offloaded),
          updatedAt: Number(r.updated_at),
        }),
      );
    const step = async (next: Slim[]) => {
      clock += 1_000;
      change(next);
      await recorder.flush();
      return row();
    };
    recorder.start();
    try {
      expect(await step([workflow({}, { phase: 'Running' })])).toEqual([
        {
          phase: 'Running',
          suspended: false,
          nodesOffloaded: false,
          updatedAt: 2_000,
        },
      ]);
      // `argo suspend` sets spec.suspend; the phase stays Running.
      expect(
        await step([workflow({ suspend: true }, { phase: 'Running' })]),
      ).toEqual([
        {
          phase: 'Running',
          suspended: true,
          nodesOffloaded: false,
          updatedAt: 3_000,
        },
      ]);
      // Nothing changed: nothing written.
      expect(
        await step([workflow({ suspend: true }, { phase: 'Running' })]),
      ).toEqual([
        expect.objectContaining({ suspended: true, updatedAt: 3_000 }),
      ]);
      // Resumed, then waiting at an approval step (a Suspend node Running), then on.
      expect(await step([workflow({}, { phase: 'Running' })])).toEqual([
        expect.objectContaining({ suspended: false, updatedAt: 5_000 }),
      ]);
      const approval = {
        'wf-1-1': { type: 'Suspend', phase: 'Running', displayName: 'approve' },
      };
      expect(
        await step([workflow({}, { phase: 'Running', nodes: approval })]),
      ).toEqual([
        expect.objectContaining({ suspended: true, updatedAt: 6_000 }),
      ]);
      expect(
        await step([
          workflow(
            {},
            {
              phase: 'Running',
              nodes: {
                'wf-1-1': { ...approval['wf-1-1'], phase: 'Succeeded' },
              },
            },
          ),
        ]),
      ).toEqual([
        expect.objectContaining({ suspended: false, updatedAt: 7_000 }),
      ]);
      expect(recorded).toHaveBeenCalledTimes(5);
      expect(recorded).toHaveBeenLastCalledWith({
        cluster: 'staging',
        namespace: 'chem-201',
      });

      const history = new HistoryService(store);
      const target = {
        entityRef: 'component:staging/chem-201',
        cluster: 'staging',
        namespace: 'chem-201',
      };
      await step([workflow({ suspend: true }, { phase: 'Running' })]);
      expect((await history.instanceHistory(target)).items).toEqual([
        expect.objectContaining({
          type: 'workflow',
          phase: 'Running',
          suspended: true,
        }),
      ]);
      // Failed with its nodes in Argo's database: no step to name, flagged instead.
      expect(
        await step([
          workflow(
            {},
            {
              phase: 'Failed',
              finishedAt: '2026-12-01T10:05:00Z',
              message: 'child failed',
              offloadNodeStatusVersion: 'fnv:123',
            },
          ),
        ]),
      ).toEqual([
        expect.objectContaining({
          phase: 'Failed',
          suspended: false,
          nodesOffloaded: true,
        }),
      ]);
      const [entry] = (await history.instanceHistory(target)).items;
      expect(entry).toMatchObject({
        phase: 'Failed',
        message: 'child failed',
        nodesOffloaded: true,
        failedStep: undefined,
      });
      expect(entry).not.toHaveProperty('suspended');
    } finally {
      await recorder.stop();
    }
  });

  it('records workflow runs and ArgoCD transitions from the watches, kept after the objects are gone', async () => {
    const config = sandboxLaunchpadConfig(suite.sandbox, {
      clusters: ['staging'],
    });
    const clusters = DefaultLaunchpadClustersService.fromConfig(
      new ConfigReader(config),
      { logger: mockServices.logger.mock() },
    );
    const staging = clusters.get('staging');
    const cache = ClusterStatusCache.create({
      cluster: staging,
      logger: mockServices.logger.mock(),
      timing: TEST_CACHE_TIMING,
    });
    const store = await HistoryStore.create(databaseOf(suite.knex));
    const recorder = new HistoryRecorder(
      new Map([['staging', cache]]),
      store,
      mockServices.logger.mock(),
    );
    cache.start();
    recorder.start();
    let last: unknown;
    try {
      // The seed's applications are recorded once each as their first state,
      // and summer-school's three provision workflows as Running.
      await eventually(
        'first states and running workflows recorded',
        async () => {
          await recorder.flush();
          const states = await store.lastStates('staging');
          const runs = await store.workflowRuns('staging', 'summer-school');
          last = { states: states.size, runs: runs.map(r => r.phase) };
          return states.size > 0 && runs.length === 3 ? true : undefined;
        },
      );

      // Three steps of ten simulated minutes, then ArgoCD's next health assessment.
      suite.sandbox.setLoad('staging', 0, 'summer-school');
      await suite.sandbox.settle(3 * 600_000 + 31_000, 30_000);
      const runs = await eventually(
        'the runs recorded as Succeeded',
        async () => {
          await recorder.flush();
          const rows = await store.workflowRuns('staging', 'summer-school');
          return rows.length === 3 && rows.every(r => r.phase === 'Succeeded')
            ? rows
            : undefined;
        },
      );
      expect(runs.map(r => r.template).sort()).toEqual([
        'mongodb-provision-template',
        'mysql-provision-template',
        'storage-provision-template',
      ]);
      expect(runs.every(r => r.finishedAt && r.startedAt)).toBe(true);
      const transitions = await eventually(
        'Progressing → Healthy recorded',
        async () => {
          await recorder.flush();
          const rows = await store.transitions(
            'staging',
            'summer-school-staging',
          );
          return rows[0]?.to.health === 'Healthy' ? rows : undefined;
        },
      );
      expect(transitions[0]).toMatchObject({
        namespace: 'summer-school',
        from: { health: 'Progressing' },
        to: { health: 'Healthy' },
      });

      // Argo's garbage collection removes a Workflow; the history keeps it.
      const name = runs[0].name;
      const object = (await staging.kubernetes.custom.getNamespacedCustomObject(
        {
          group: 'argoproj.io',
          version: 'v1alpha1',
          namespace: 'summer-school',
          plural: 'workflows',
          name,
        },
      )) as {
        spec?: {
          arguments?: { parameters?: Array<{ name?: string; value?: string }> };
        };
      };
      const values = (object.spec?.arguments?.parameters ?? [])
        .filter(p => /password/i.test(p.name ?? ''))
        .map(p => p.value)
        .filter((v): v is string => !!v);
      await staging.kubernetes.custom.deleteNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'summer-school',
        plural: 'workflows',
        name,
      });
      await eventually('the workflow gone from the cache', () =>
        cache
          .list('workflows', 'summer-school')
          .some(w => w.metadata?.name === name)
          ? undefined
          : true,
      );
      await recorder.flush();
      expect(
        (await store.workflowRuns('staging', 'summer-school')).map(r => r.name),
      ).toContain(name);
      // Parameter values (generated passwords among them) are never stored.
      const dump = JSON.stringify(await suite.knex('launchpad_workflow_runs'));
      for (const value of values) expect(dump).not.toContain(value);
    } catch (error) {
      throw new Error(
        `${String(error)}; last seen ${JSON.stringify(
          last,
        )}; cache ${JSON.stringify(cache.state())} workflows ${
          cache.list('workflows').length
        } apps ${cache.list('applications').length}`,
      );
    } finally {
      await recorder.stop();
      await cache.stop();
    }
  }, 120_000);

  it('two backend replicas on one database record each fact once and serve the history', async () => {
    const config = sandboxLaunchpadConfig(suite.sandbox, {
      clusters: ['staging'],
    });
    const start = () =>
      startTestBackend({
        features: [
          launchpadPlugin,
          catalogServiceMock.factory({ entities: seedInstanceEntities() }),
          mockServices.database.factory({ knex: suite.knex }),
          mockServices.rootConfig.factory({
            data: {
              ...config,
              launchpad: { ...config.launchpad, status: testStatusConfig() },
            },
          }),
        ],
      });
    const first = await start();
    const second = await start();
    try {
      const countRows = async () => ({
        runs: Number(
          (await suite.knex('launchpad_workflow_runs').count({ n: '*' }))[0].n,
        ),
        uids: Number(
          (
            await suite
              .knex('launchpad_workflow_runs')
              .countDistinct({ n: 'uid' })
          )[0].n,
        ),
        transitions: Number(
          (
            await suite.knex('launchpad_argocd_transitions').count({ n: '*' })
          )[0].n,
        ),
        keys: (
          await suite
            .knex('launchpad_argocd_transitions')
            .select('app_uid', 'resource_version')
            .count({ n: '*' })
            .groupBy('app_uid', 'resource_version')
        ).filter(r => Number(r.n) > 1).length,
      });
      // Settled: the same counts a second apart (on a loaded machine the
      // replicas' first passes land over several seconds).
      let previous = '';
      const settled = await eventually(
        'both replicas recorded the seed',
        async () => {
          const rows = await countRows();
          const key = `${rows.runs}/${rows.transitions}`;
          const stable = key === previous;
          previous = key;
          if (rows.runs > 0 && rows.transitions > 0 && stable) return rows;
          await new Promise(r => setTimeout(r, 1_000));
          return undefined;
        },
        60_000,
      );
      expect(settled.runs).toBe(settled.uids);
      expect(settled.keys).toBe(0);
      // One transition per application: both replicas saw the same first state.
      const apps = await suite
        .knex('launchpad_argocd_transitions')
        .countDistinct({
          n: 'app_uid',
        });
      expect(settled.transitions).toBe(Number(apps[0].n));

      const res = await request(second.server)
        .get('/api/launchpad/instances/staging/summer-school/history')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      const body = res.body as InstanceHistoryResponse;
      expect(body.enabled).toBe(true);
      expect(body.items.some(i => i.type === 'workflow')).toBe(true);
      expect(body.items.some(i => i.type === 'argocd')).toBe(true);
      const times = body.items.map(i => i.at);
      expect([...times].sort().reverse()).toEqual(times);
    } finally {
      await first.stop();
      await second.stop();
    }
  }, 120_000);
});
