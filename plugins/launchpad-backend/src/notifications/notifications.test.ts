import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  notificationService,
  type NotificationSendOptions,
} from '@backstage/plugin-notifications-node';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { ConfigReader } from '@backstage/config';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { launchpadPlugin } from '../plugin';
import {
  databaseOf,
  eventually,
  historyTestDatabases,
  seedInstanceEntities,
  testStatusConfig,
} from '../__testUtils__';
import { sandboxPerDatabase } from '../__testUtils__/sandboxSuite';
import { NotificationStore } from './NotificationStore';

const databases = historyTestDatabases();

/** The notifications backend is not under test: this one records what the plugin sends. */
function recordingNotifications() {
  const sent: NotificationSendOptions[] = [];
  const factory = createServiceFactory({
    service: notificationService,
    deps: {},
    factory: () => ({
      send: async (options: NotificationSendOptions) => {
        sent.push(options);
      },
    }),
  });
  return { sent, factory };
}

const scopeOf = (n: NotificationSendOptions) => n.payload.scope;

describe.each(databases.eachSupportedId())(
  'notifications on %s',
  databaseId => {
    const suite = sandboxPerDatabase(databases, databaseId);

    it('a chain position is written once; a lagging sighting loses; a claim is taken once', async () => {
      const a = await NotificationStore.create(databaseOf(suite.knex));
      const b = new NotificationStore(suite.knex); // a second replica
      const sighting = {
        cluster: 'staging',
        namespace: 'demo',
        kind: 'health' as const,
        observedAt: 1_000,
      };
      const worth = (from: string) => from !== 'Degraded';
      // The first state: recorded, nothing to send (nobody saw a change).
      const first = await a.record({ ...sighting, to: 'Healthy' }, worth);
      expect(first.written).toMatchObject({ seq: 1, notifyState: undefined });
      // Both replicas see it turn Degraded: one position, one row.
      const [x, y] = await Promise.all([
        a.record({ ...sighting, to: 'Degraded', observedAt: 2_000 }, worth),
        b.record({ ...sighting, to: 'Degraded', observedAt: 2_100 }, worth),
      ]);
      const written = [x.written, y.written].filter(Boolean);
      expect(written).toHaveLength(1);
      expect(written[0]).toMatchObject({
        seq: 2,
        from: 'Healthy',
        to: 'Degraded',
        notifyState: 'pending',
      });
      // It recovers; a lagging replica's older Degraded sighting is stale.
      await a.record({ ...sighting, to: 'Healthy', observedAt: 3_000 }, worth);
      const stale = await b.record(
        { ...sighting, to: 'Degraded', observedAt: 2_500 },
        worth,
      );
      expect(stale.written).toBeUndefined();
      expect(stale.last).toMatchObject({ state: 'Healthy', seq: 3 });

      const id = written[0]!.id;
      const claims = await Promise.all([
        a.claimTransition(id),
        b.claimTransition(id),
        a.claimTransition(id),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      await a.finishTransition(id, 'sent');
      expect(await b.claimTransition(id)).toBe(false);
      expect(await b.unsentTransitions(0)).toEqual([]);
      // A failed send goes back to pending and is retried by whoever claims it.
      const again = await a.record(
        { ...sighting, to: 'Degraded', observedAt: 4_000 },
        worth,
      );
      expect(await b.claimTransition(again.written!.id)).toBe(true);
      await b.finishTransition(again.written!.id, 'pending');
      expect((await a.unsentTransitions(0)).map(t => t.id)).toEqual([
        again.written!.id,
      ]);

      expect(await a.lastStates()).toEqual(
        new Map([
          [
            NotificationStore.key('staging', 'demo', 'health'),
            { state: 'Degraded', observedAt: 4_000, seq: 4 },
          ],
        ]),
      );
      // Pruning keeps each chain's last row: a restart still compares with it.
      expect(await a.prune(Date.now() + 1)).toBe(3);
      expect((await a.lastStates()).size).toBe(1);
    });

    const replicas = databaseId.startsWith('POSTGRES') ? 2 : 1;
    // One instance per database run: the sandbox is shared and stays degraded.
    const [slug, owner] =
      replicas > 1
        ? ['physics-101', 'group:default/physics-dept']
        : ['demo', 'group:default/platform-team'];
    it(`an instance turned Degraded notifies its owner group exactly once (${replicas} replica${
      replicas > 1 ? 's' : ''
    })`, async () => {
      const recording = recordingNotifications();
      const config = sandboxLaunchpadConfig(suite.sandbox, {
        clusters: ['staging'],
      });
      const start = () =>
        startTestBackend({
          features: [
            launchpadPlugin,
            recording.factory,
            catalogServiceMock.factory({ entities: seedInstanceEntities() }),
            mockServices.database.factory({ knex: suite.knex }),
            mockServices.rootConfig.factory({
              data: {
                ...config,
                launchpad: {
                  ...config.launchpad,
                  status: testStatusConfig(),
                  notifications: { checkSeconds: 1 },
                },
              },
            }),
          ],
        });
      const backends = [];
      let fault: string | undefined;
      for (let i = 0; i < replicas; i++) backends.push(await start());
      try {
        const healthRows = () =>
          suite
            .knex('launchpad_instance_transitions')
            .where({ cluster: 'staging', namespace: slug, kind: 'health' })
            .orderBy('seq');
        // The first state is recorded and not sent.
        await eventually(
          `${slug}'s first health recorded`,
          async () => ((await healthRows()).length > 0 ? true : undefined),
          20_000,
        );
        expect((await healthRows()).map(r => r.to_state)).toEqual(['Healthy']);
        expect(recording.sent).toEqual([]);

        const clusters = DefaultLaunchpadClustersService.fromConfig(
          new ConfigReader(config),
          { logger: mockServices.logger.mock() },
        );
        const { apps } = clusters.get('staging').kubernetes;
        // A rollout whose new pods crash-loop (the sandbox's rollout-fails fault):
        // it stalls, and past its progress deadline ArgoCD reports Degraded.
        fault = suite.sandbox.faults.add({
          kind: 'rollout-fails',
          instance: slug,
        }).id;
        await apps.patchNamespacedDeployment(
          {
            name: 'lms',
            namespace: slug,
            body: {
              spec: {
                template: {
                  metadata: { annotations: { 'launchpad.test/rollout': '1' } },
                },
              },
            },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        // Past the Deployment's progress deadline (600 s), then ArgoCD's next assessment.
        await suite.sandbox.settle(600_000 + 60_000, 30_000);
        const app = (await clusters
          .get('staging')
          .kubernetes.custom.getNamespacedCustomObject({
            group: 'argoproj.io',
            version: 'v1alpha1',
            namespace: 'argocd',
            plural: 'applications',
            name: `${slug}-staging`,
          })) as { status?: { health?: { status?: string } } };
        expect(app.status?.health?.status).toBe('Degraded');
        const sent = await eventually(
          'the Degraded notification',
          () => {
            const mine = recording.sent.filter(
              n => scopeOf(n) === `launchpad:staging/${slug}:health`,
            );
            return mine.length > 0 ? mine : undefined;
          },
          20_000,
        );
        // Every replica has evaluated since (changes and the 1 s check): still one.
        await new Promise(r => setTimeout(r, 3_000));
        expect(
          recording.sent.filter(
            n => scopeOf(n) === `launchpad:staging/${slug}:health`,
          ),
        ).toHaveLength(1);
        expect(sent[0]).toEqual({
          recipients: { type: 'entity', entityRef: owner },
          payload: expect.objectContaining({
            title: expect.stringContaining('is Degraded'),
            description: expect.stringContaining('lms'),
            link: `/catalog/staging/component/${slug}`,
            severity: 'high',
            scope: `launchpad:staging/${slug}:health`,
          }),
        });
        const rows = await healthRows();
        // Healthy first; the rollout may be seen Progressing on the way (the
        // caches catch up between the sandbox's steps); one Degraded row, sent.
        expect(rows[0]).toMatchObject({
          from_state: null,
          to_state: 'Healthy',
        });
        expect(
          rows.filter(r => r.to_state === 'Degraded').map(r => r.notify_state),
        ).toEqual(['sent']);
        expect(rows.filter(r => r.notify_state === 'sent')).toHaveLength(1);
        expect(rows.at(-1)?.to_state).toBe('Degraded');
      } finally {
        for (const backend of backends) await backend.stop();
        if (fault) suite.sandbox.faults.remove(fault);
      }
    }, 90_000);
  },
);
