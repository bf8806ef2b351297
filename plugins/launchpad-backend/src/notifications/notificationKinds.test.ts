import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Knex } from 'knex';
import { BuildRunsPoller } from '../history/BuildRunsPoller';
import { BuildRunsStore } from '../history/BuildRunsStore';
import { ClusterStatusCache } from '../status/ClusterStatusCache';
import { InstanceEntities } from '../status/InstanceEntities';
import { StatusService } from '../status/StatusService';
import {
  eventually,
  historyTestDatabases,
  seedInstanceEntities,
} from '../__testUtils__';
import {
  sandboxPerDatabase,
  TEST_CACHE_TIMING,
} from '../__testUtils__/sandboxSuite';
import { InstanceNotifier } from './InstanceNotifier';
import { NotificationStore } from './NotificationStore';

const databases = historyTestDatabases();

/** Two notifiers (two replicas) sharing one database and one recording NotificationService. */
async function replicas(options: {
  knex: Knex;
  caches: Map<string, ClusterStatusCache>;
  status: StatusService;
  now?: () => number;
}) {
  const sent: NotificationSendOptions[] = [];
  const logger = mockServices.logger.mock();
  const entities = new InstanceEntities(
    catalogServiceMock({ entities: seedInstanceEntities() }),
    mockServices.auth(),
    logger,
  );
  const make = () =>
    new InstanceNotifier({
      ...options,
      entities,
      store: new NotificationStore(options.knex),
      notifications: { send: async o => void sent.push(o) },
      logger,
    });
  return { sent, notifiers: [make(), make()] };
}

describe.each(databases.eachSupportedId())(
  'build and backup notifications on %s',
  databaseId => {
    const suite = sandboxPerDatabase(databases, databaseId, { migrate: true });

    it('a failed Picasso build notifies once, however many replicas look', async () => {
      const clusters = DefaultLaunchpadClustersService.fromConfig(
        new ConfigReader(
          sandboxLaunchpadConfig(suite.sandbox, { clusters: ['staging'] }),
        ),
        { logger: mockServices.logger.mock() },
      );
      const staging = clusters.get('staging');
      const poller = new BuildRunsPoller(
        clusters,
        new BuildRunsStore(suite.knex),
        mockServices.logger.mock(),
      );
      const { sent, notifiers } = await replicas({
        knex: suite.knex,
        caches: new Map(),
        status: StatusService.create({
          caches: new Map(),
          clusters,
          logger: mockServices.logger.mock(),
        }),
      });
      const fault = suite.sandbox.faults.add({
        kind: 'build-fails',
        instance: 'demo',
        count: 1,
      });
      try {
        const dispatch = (slug: string) =>
          staging.repository.writer.dispatchWorkflow({
            workflow: 'build.yml',
            inputs: { INSTANCE_NAME: slug, SERVICE: 'openedx' },
          });
        const failed = await dispatch('demo');
        await dispatch('physics-101');
        await poller.poll();
        // Queued and running runs are not failures.
        await Promise.all(notifiers.map(n => n.sendFailedBuilds()));
        expect(sent).toEqual([]);
        // Picasso's runs take 10 s (queued 2 s, in progress 8 s).
        await suite.sandbox.settle(11_000, 1_000);
        await poller.poll();
        await Promise.all(notifiers.map(n => n.sendFailedBuilds()));
        await Promise.all(notifiers.map(n => n.sendFailedBuilds()));
        expect(sent).toEqual([
          {
            recipients: {
              type: 'entity',
              entityRef: 'group:default/platform-team',
            },
            payload: expect.objectContaining({
              title: expect.stringContaining('build of openedx failed'),
              description: expect.stringContaining(String(failed.runId)),
              link: '/catalog/staging/component/demo',
              severity: 'high',
              scope: 'launchpad:staging/demo:build',
            }),
          },
        ]);
        const row = await suite
          .knex('launchpad_build_runs')
          .where({ run_id: failed.runId })
          .first();
        expect(row).toMatchObject({
          conclusion: 'failure',
          notify_state: 'sent',
        });
      } finally {
        suite.sandbox.faults.remove(fault.id);
      }
    }, 60_000);

    it('a backup that becomes overdue as time passes notifies once', async () => {
      const clusters = DefaultLaunchpadClustersService.fromConfig(
        new ConfigReader(
          sandboxLaunchpadConfig(suite.sandbox, { clusters: ['production'] }),
        ),
        { logger: mockServices.logger.mock() },
      );
      const { custom } = clusters.get('production').kubernetes;
      const velero = { group: 'velero.io', version: 'v1', namespace: 'velero' };
      // demo's only schedule runs every 10 minutes: Harmony's leave it out.
      for (const name of ['hourly', 'daily', 'weekly']) {
        const schedule = (await custom.getNamespacedCustomObject({
          ...velero,
          plural: 'schedules',
          name,
        })) as { spec: { template: { excludedNamespaces?: string[] } } };
        await custom.patchNamespacedCustomObject(
          {
            ...velero,
            plural: 'schedules',
            name,
            body: {
              spec: {
                template: {
                  excludedNamespaces: [
                    ...(schedule.spec.template.excludedNamespaces ?? []),
                    'demo',
                  ],
                },
              },
            },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
      await custom.createNamespacedCustomObject({
        ...velero,
        plural: 'schedules',
        body: {
          apiVersion: 'velero.io/v1',
          kind: 'Schedule',
          metadata: { name: 'demo-frequent', namespace: 'velero' },
          spec: {
            schedule: '*/10 * * * *',
            template: { includedNamespaces: ['demo'], ttl: '24h0m0s' },
          },
        },
      });
      // One run fires and completes (2 minutes).
      await suite.sandbox.settle(13 * 60_000, 60_000);

      const cache = ClusterStatusCache.create({
        cluster: clusters.get('production'),
        logger: mockServices.logger.mock(),
        timing: TEST_CACHE_TIMING,
      });
      const caches = new Map([['production', cache]]);
      // The backend's clock is the sandbox's: backups age as it moves.
      const now = () => suite.sandbox.clock.nowMs();
      const { sent, notifiers } = await replicas({
        knex: suite.knex,
        caches,
        status: StatusService.create({
          caches,
          clusters,
          logger: mockServices.logger.mock(),
          now,
        }),
        now,
      });
      const backupRows = () =>
        suite
          .knex('launchpad_instance_transitions')
          .where({ cluster: 'production', namespace: 'demo', kind: 'backup' })
          .orderBy('seq');
      cache.start();
      try {
        await eventually('the first backup state', async () => {
          await notifiers[0].check();
          return (await backupRows()).length > 0 ? true : undefined;
        });
        expect((await backupRows()).map(r => r.to_state)).toEqual(['covered']);

        // Velero stops processing demo's backups (a TTL Go cannot parse
        // leaves them unprocessed) and an hour passes: the last completed
        // one ages past its period plus grace.
        await custom.patchNamespacedCustomObject(
          {
            ...velero,
            plural: 'schedules',
            name: 'demo-frequent',
            body: { spec: { template: { ttl: 'a fortnight' } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        suite.sandbox.clock.advance(3600_000);
        const scope = 'launchpad:production/demo:backup';
        await eventually('the overdue notification', async () => {
          await Promise.all(notifiers.map(n => n.check()));
          return sent.some(n => n.payload.scope === scope) ? true : undefined;
        });
        await Promise.all(notifiers.map(n => n.check()));
        const mine = sent.filter(n => n.payload.scope === scope);
        expect(mine).toEqual([
          {
            recipients: {
              type: 'entity',
              entityRef: 'group:default/platform-team',
            },
            payload: expect.objectContaining({
              title: expect.stringContaining('is overdue'),
              link: '/catalog/production/component/demo',
              severity: 'normal',
            }),
          },
        ]);
        expect(
          (await backupRows()).map(r => [r.from_state, r.to_state]),
        ).toEqual([
          [null, 'covered'],
          ['covered', 'overdue'],
        ]);
      } finally {
        await Promise.all(notifiers.map(n => n.stop()));
        await cache.stop();
      }
    }, 60_000);
  },
);
