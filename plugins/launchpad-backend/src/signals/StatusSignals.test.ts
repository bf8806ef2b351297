import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type {
  SignalPayload,
  SignalsService,
} from '@backstage/plugin-signals-node';
import {
  LAUNCHPAD_FLEET_CHANNEL,
  type LaunchpadSignalMessage,
} from '@internal/plugin-launchpad-common';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ClusterStatusCache } from '../status/ClusterStatusCache';
import type { KindName, Slim } from '../status/kinds';
import { eventually, seedInstanceEntities } from '../__testUtils__';
import { StatusSignals } from './StatusSignals';

/** A SignalsService that records what is published (the signals backend is not under test). */
function recordingSignals() {
  const published: Array<SignalPayload<LaunchpadSignalMessage>> = [];
  let lastAt = 0;
  const service: SignalsService = {
    async publish(signal) {
      lastAt = Date.now();
      published.push(
        signal as unknown as SignalPayload<LaunchpadSignalMessage>,
      );
    },
  };
  const on = (channel: string) => published.filter(p => p.channel === channel);
  return { service, published, on, quietFor: () => Date.now() - lastAt };
}

/** Stands in for the caches: the test fires their onChange itself. */
function fakeCaches(names: string[]) {
  const listeners = new Map<string, (kind: KindName, object?: Slim) => void>();
  const caches = new Map(
    names.map(name => [
      name,
      {
        onChange(listener: (kind: KindName, object?: Slim) => void) {
          listeners.set(name, listener);
          return () => listeners.delete(name);
        },
      },
    ]),
  );
  const change = (cluster: string, kind: KindName, object?: Slim) =>
    listeners.get(cluster)!(kind, object);
  return { caches, change };
}

const pod = (namespace: string, name = 'lms-1'): Slim =>
  ({ metadata: { name, namespace } } as Slim);

describe('StatusSignals (caches driven by the test, fake timers)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup() {
    const signals = recordingSignals();
    const { caches, change } = fakeCaches(['staging', 'production']);
    const live = StatusSignals.create({
      caches,
      signals: signals.service,
      instances: { list: async () => seedInstanceEntities() },
      logger: mockServices.logger.mock(),
      windows: { instanceMs: 500, fleetMs: 1_000 },
    });
    live.start();
    return { ...signals, change, live };
  }
  /** Lets the index lookup's promises and the given time pass. */
  const pass = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

  it('publishes one broadcast per changed instance at once, coalescing a burst into one more at the window end', async () => {
    const { on, published, change, live } = setup();
    change('staging', 'pods', pod('demo'));
    await pass();
    expect(on('launchpad:instance:staging:demo')).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: 'launchpad:instance:staging:demo',
        message: {
          kind: 'status',
          cluster: 'staging',
          slug: 'demo',
          at: expect.any(String),
        },
      },
    ]);
    // Nothing of the status travels: kind, cluster, slug, time.
    expect(
      Object.keys(on('launchpad:instance:staging:demo')[0].message).sort(),
    ).toEqual(['at', 'cluster', 'kind', 'slug']);
    await pass(600);
    expect(on('launchpad:instance:staging:demo')).toHaveLength(1);

    // Twenty events within 500 ms: one signal now, one at the window's end.
    for (let i = 0; i < 20; i++) {
      change('staging', 'pods', pod('demo', `lms-${i}`));
      await pass(20);
    }
    expect(on('launchpad:instance:staging:demo')).toHaveLength(2);
    await pass(500);
    expect(on('launchpad:instance:staging:demo')).toHaveLength(3);
    await pass(2_000);
    expect(on('launchpad:instance:staging:demo')).toHaveLength(3);
    // No other instance was signalled; the same slug on another cluster is another channel.
    expect(
      published.filter(
        p =>
          p.channel.startsWith('launchpad:instance:') &&
          p.channel !== 'launchpad:instance:staging:demo',
      ),
    ).toEqual([]);
    live.stop();
  });

  it('maps applications by destination, Velero selections to the namespaces they cover, the rest to the cluster channel', async () => {
    const { on, published, change, live } = setup();
    change('staging', 'applications', {
      metadata: { name: 'physics-101-staging', namespace: 'argocd' },
      spec: { destination: { namespace: 'physics-101' } },
    } as Slim);
    change('production', 'backups', {
      metadata: { name: 'daily-1', namespace: 'velero' },
      spec: { includedNamespaces: ['univ*', 'archive'] },
    } as Slim);
    // All namespaces, a watch's state change: every instance shows it.
    change('staging', 'schedules', {
      metadata: { name: 'all', namespace: 'velero' },
      spec: { template: { includedNamespaces: ['*'] } },
    } as Slim);
    change('production', 'pods');
    // A namespace without an instance entity: no instance signal.
    change('staging', 'pods', pod('kube-system', 'coredns'));
    await pass();
    const instanceChannels = published
      .map(p => p.channel)
      .filter(c => c.startsWith('launchpad:instance:'))
      .sort();
    expect(instanceChannels).toEqual([
      'launchpad:instance:production:archive',
      'launchpad:instance:production:university',
      'launchpad:instance:staging:physics-101',
    ]);
    expect(on('launchpad:cluster:staging')).toHaveLength(1);
    expect(on('launchpad:cluster:production')).toHaveLength(1);
    live.stop();
  });

  it('sends the fleet channel at most once a second per cluster, however many instances change', async () => {
    const { on, change, live } = setup();
    for (let i = 0; i < 1_000; i++)
      change('production', 'deployments', pod(`load-${i}`, 'lms'));
    change('staging', 'hpas', pod('demo', 'lms'));
    // Workflows are not in fleet rows.
    change('staging', 'workflows', pod('summer-school', 'provision'));
    await pass();
    const fleet = () => on(LAUNCHPAD_FLEET_CHANNEL).map(p => p.message);
    expect(fleet()).toEqual([
      { kind: 'fleet', cluster: 'production', at: expect.any(String) },
      { kind: 'fleet', cluster: 'staging', at: expect.any(String) },
    ]);
    await pass(1_000);
    // The production burst's rest, once; staging had nothing more.
    expect(fleet().map(m => m.cluster)).toEqual([
      'production',
      'staging',
      'production',
    ]);
    await pass(5_000);
    expect(fleet()).toHaveLength(3);
    live.stop();
  });

  it('publishes history signals for recorded rows, by namespace or by slug', async () => {
    const { on, live } = setup();
    live.historyRecorded({ cluster: 'staging', namespace: 'summer-school' });
    live.historyRecorded({ cluster: 'production', slug: 'university' });
    live.historyRecorded({ cluster: 'production', slug: 'university' });
    await pass();
    expect(
      on('launchpad:instance:staging:summer-school').map(p => p.message.kind),
    ).toEqual(['history']);
    expect(on('launchpad:instance:production:university')).toHaveLength(1);
    await pass(500);
    expect(on('launchpad:instance:production:university')).toHaveLength(2);
    live.stop();
  });
});

describe('StatusSignals on the sandbox (real watches)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0, clusters: ['staging'] });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 60_000);

  it('a Deployment change in the cluster publishes one signal on its instance channel and one on the fleet channel', async () => {
    const config = sandboxLaunchpadConfig(sandbox, { clusters: ['staging'] });
    const clusters = DefaultLaunchpadClustersService.fromConfig(
      new ConfigReader(config),
      { logger: mockServices.logger.mock() },
    );
    const staging = clusters.get('staging');
    const cache = ClusterStatusCache.create({
      cluster: staging,
      logger: mockServices.logger.mock(),
      timing: {
        watchTimeoutSeconds: 30,
        silenceGraceMs: 5_000,
        initialBackoffMs: 200,
        maxBackoffMs: 1_000,
        pageSize: 500,
      },
    });
    const signals = recordingSignals();
    const live = StatusSignals.create({
      caches: new Map([['staging', cache]]),
      signals: signals.service,
      instances: { list: async () => seedInstanceEntities() },
      logger: mockServices.logger.mock(),
      windows: { instanceMs: 2_000, fleetMs: 2_000 },
    });
    live.start();
    cache.start();
    try {
      await eventually('the caches listed', () =>
        cache.state().state === 'ok' ? true : undefined,
      );
      // The lists end in cluster-wide signals; then the windows close.
      await eventually('the start-up signals', () =>
        signals.on('launchpad:cluster:staging').length > 0 &&
        signals.quietFor() > 2_500
          ? true
          : undefined,
      );
      const before = signals.published.length;
      const { items } = await staging.kubernetes.apps.listNamespacedDeployment({
        namespace: 'demo',
      });
      expect(items.length).toBeGreaterThan(0);
      // Five changes at once: one signal each now (the rest wait for the window's end).
      await Promise.all(
        Array.from({ length: 5 }, (_v, i) =>
          staging.kubernetes.apps.patchNamespacedDeployment(
            {
              name: items[0].metadata!.name!,
              namespace: 'demo',
              body: { metadata: { labels: { 'signals-test': `change-${i}` } } },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          ),
        ),
      );
      await eventually('the instance signal', () =>
        signals.on('launchpad:instance:staging:demo').length > 0
          ? true
          : undefined,
      );
      await new Promise(r => setTimeout(r, 300));
      const after = signals.published.slice(before);
      expect(
        after
          .filter(p => p.channel.startsWith('launchpad:instance:'))
          .map(p => [p.channel, p.message.kind]),
      ).toEqual([['launchpad:instance:staging:demo', 'status']]);
      expect(
        after
          .filter(p => p.channel === LAUNCHPAD_FLEET_CHANNEL)
          .map(p => p.message.cluster),
      ).toEqual(['staging']);
    } finally {
      live.stop();
      await cache.stop();
    }
  }, 60_000);
});
