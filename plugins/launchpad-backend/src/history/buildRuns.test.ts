import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  InstanceHistoryEntry,
  InstanceHistoryResponse,
} from '@internal/plugin-launchpad-common';
import {
  DefaultLaunchpadClustersService,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import {
  countingFetch,
  sandboxLaunchpadConfig,
} from '@internal/plugin-launchpad-node/testUtils';
import request from 'supertest';
import { launchpadPlugin } from '../plugin';
import {
  databaseOf,
  eventually,
  historyTestDatabases,
  seedInstanceEntities,
  testStatusConfig,
} from '../__testUtils__';
import { sandboxPerDatabase } from '../__testUtils__/sandboxSuite';
import { BuildRunsPoller } from './BuildRunsPoller';
import { BuildRunsStore } from './BuildRunsStore';
import { HistoryService } from './HistoryService';
import { HistoryStore } from './HistoryStore';

const databases = historyTestDatabases();

const REPO_PATH = '/repos/acme-edu/launchpad-cluster-staging';
const RUNS_PATH = `${REPO_PATH}/actions/workflows/build.yml/runs`;

/** Picasso's run timings in the sandbox: queued 2 s, in progress 8 s (sandbox README). */
const BUILD_MS = 10_000;

async function dispatchBuild(
  cluster: LaunchpadCluster,
  slug: string,
  service: 'openedx' | 'mfe',
) {
  return cluster.repository.writer.dispatchWorkflow({
    workflow: 'build.yml',
    inputs: { INSTANCE_NAME: slug, SERVICE: service },
  });
}

describe.each(databases.eachSupportedId())(
  'Picasso build runs in the history on %s',
  databaseId => {
    const suite = sandboxPerDatabase(databases, databaseId);

    it('records each run once, reads the image back, and a poll with nothing new is one 304', async () => {
      const counting = countingFetch();
      const clusters = DefaultLaunchpadClustersService.fromConfig(
        new ConfigReader(
          sandboxLaunchpadConfig(suite.sandbox, { clusters: ['staging'] }),
        ),
        {
          logger: mockServices.logger.mock(),
          github: { fetch: counting.fetch },
        },
      );
      const staging = clusters.get('staging');
      await HistoryStore.create(databaseOf(suite.knex)); // migrates every table
      const store = new BuildRunsStore(suite.knex);
      const poller = new BuildRunsPoller(
        clusters,
        store,
        mockServices.logger.mock(),
      );

      const openedx = await dispatchBuild(staging, 'demo', 'openedx');
      suite.sandbox.faults.add({
        kind: 'build-fails',
        instance: 'physics-101',
        count: 1,
      });
      const failing = await dispatchBuild(staging, 'physics-101', 'mfe');
      const [queued] = await poller.poll();
      expect(queued).toMatchObject({
        notModified: false,
        pages: 1,
        written: 2,
      });
      expect(await store.runs('staging', 'demo')).toEqual([
        expect.objectContaining({
          runId: openedx.runId,
          service: 'openedx',
          status: 'queued',
          url: openedx.htmlUrl,
        }),
      ]);

      await suite.sandbox.settle(BUILD_MS + 1_000, 1_000);
      counting.take();
      const [done] = await poller.poll();
      const spent = counting.take().map(r => decodeURIComponent(r.path));
      expect(done).toMatchObject({ notModified: false, written: 2, images: 1 });
      // The image the build committed: config.yml at the branch head now.
      const head = await staging.repository.readInstance('demo');
      const image = head.config?.DOCKER_IMAGE_OPENEDX;
      expect(image).toMatch(/-\d+$/);
      counting.take();
      const [built] = await store.runs('staging', 'demo');
      expect(built).toMatchObject({
        runId: openedx.runId,
        status: 'completed',
        conclusion: 'success',
        image,
      });
      expect(built.durationSeconds).toBeGreaterThan(0);
      expect(built.durationSeconds).toBeLessThanOrEqual(BUILD_MS / 1000);
      const [failed] = await store.runs('staging', 'physics-101');
      expect(failed).toMatchObject({
        runId: failing.runId,
        service: 'mfe',
        conclusion: 'failure',
        image: undefined,
      });
      // The listing, the head ref, the walk back to the dispatch commit (the
      // build's commit and the dispatch commit) and config.yml at the build's
      // commit: five requests.
      expect(spent.map(p => p.replace(/\/[0-9a-f]{40}$/, '/<sha>'))).toEqual([
        `${RUNS_PATH}?per_page=100&page=1`,
        `${REPO_PATH}/git/ref/heads/main`,
        `${REPO_PATH}/git/commits/<sha>`,
        `${REPO_PATH}/git/commits/<sha>`,
        expect.stringMatching(
          /\/contents\/instances\/demo\/config\.yml\?ref=[0-9a-f]{40}$/,
        ),
      ]);

      // Nothing new: one conditional listing answered 304, no rate limit
      // spent (GET /rate_limit itself is free).
      const octokit = await staging.repository.octokit();
      const remaining = async () =>
        (await octokit.rest.rateLimit.get()).data.resources.core.remaining;
      const before = await remaining();
      counting.take();
      const [idle] = await poller.poll();
      expect(idle).toMatchObject({ notModified: true, written: 0, images: 0 });
      expect(
        counting.take().map(r => [r.path.split('?')[0], r.status]),
      ).toEqual([[RUNS_PATH, 304]]);
      expect(await remaining()).toBe(before);

      // Another replica (no ETag yet, same table) rewrites nothing and keeps the image.
      const twin = new BuildRunsPoller(
        clusters,
        store,
        mockServices.logger.mock(),
      );
      const [again] = await twin.poll();
      expect(again).toMatchObject({ notModified: false, written: 0 });
      const rows = await suite
        .knex('launchpad_build_runs')
        .select('run_id', 'image');
      expect(rows).toHaveLength(2);
      expect(rows.map(r => r.image)).toContain(image);

      // The history serves it among the other entries.
      const history = await new HistoryService(
        await HistoryStore.create(databaseOf(suite.knex)),
        store,
      ).instanceHistory({
        entityRef: 'component:staging/demo',
        cluster: 'staging',
        namespace: 'demo',
      });
      const build = history.items.find(
        (i): i is Extract<InstanceHistoryEntry, { type: 'build' }> =>
          i.type === 'build',
      );
      expect(build).toEqual({
        type: 'build',
        at: built.startedAt,
        runId: openedx.runId,
        service: 'openedx',
        status: 'completed',
        conclusion: 'success',
        durationSeconds: built.durationSeconds,
        image,
        url: openedx.htmlUrl,
      });
    }, 120_000);

    it('two backend replicas on one database poll through the scheduler and serve the build once', async () => {
      const config = sandboxLaunchpadConfig(suite.sandbox, {
        clusters: ['staging'],
      });
      const start = () =>
        startTestBackend({
          features: [
            launchpadPlugin,
            // The real scheduler (startTestBackend's mock runs each task once):
            // its task table in the shared database makes the global task run
            // on one replica at a time.
            schedulerServiceFactory,
            catalogServiceMock.factory({ entities: seedInstanceEntities() }),
            mockServices.database.factory({ knex: suite.knex }),
            mockServices.rootConfig.factory({
              data: {
                ...config,
                launchpad: {
                  ...config.launchpad,
                  status: testStatusConfig(),
                  history: { buildPollSeconds: 1 },
                },
              },
            }),
          ],
        });
      const first = await start();
      const second = await start();
      try {
        const staging = DefaultLaunchpadClustersService.fromConfig(
          new ConfigReader(config),
          { logger: mockServices.logger.mock() },
        ).get('staging');
        const run = await dispatchBuild(staging, 'summer-school', 'openedx');
        await suite.sandbox.settle(BUILD_MS + 1_000, 1_000);
        const body = await eventually(
          'the completed build served',
          async () => {
            const res = await request(second.server)
              .get('/api/launchpad/instances/staging/summer-school/history')
              .set('Authorization', mockCredentials.user.header());
            const history = res.body as InstanceHistoryResponse;
            return history.items?.some(
              i =>
                i.type === 'build' &&
                i.runId === run.runId &&
                i.status === 'completed' &&
                i.image,
            )
              ? history
              : undefined;
          },
          60_000,
        );
        expect(body.items.filter(i => i.type === 'build')).toHaveLength(1);
        const times = body.items.map(i => i.at);
        expect([...times].sort().reverse()).toEqual(times);
        const rows = await suite.knex('launchpad_build_runs').where({
          instance: 'summer-school',
        });
        expect(rows).toHaveLength(1);
      } finally {
        await first.stop();
        await second.stop();
      }
    }, 120_000);
  },
);
