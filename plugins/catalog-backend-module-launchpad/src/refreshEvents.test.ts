import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { EntityProviderMutation } from '@backstage/plugin-catalog-node';
import {
  eventsServiceFactory,
  eventsServiceRef,
  type EventsService,
} from '@backstage/plugin-events-node';
import {
  LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
  type LaunchpadRepositoryChangedPayload,
} from '@internal/plugin-launchpad-common';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import {
  LaunchpadEntityProvider,
  type RefreshResult,
} from './LaunchpadEntityProvider';
import { catalogModuleLaunchpad } from './module';
import { GITHUB_PUSH_TOPIC, refreshReason } from './refreshEvents';
import {
  sandboxClusters,
  sandboxConfig,
  capturingProviders,
} from './testHelpers';

/** Resolves with the next full mutation, or rejects after `ms`. */
function recorder() {
  const mutations: EntityProviderMutation[] = [];
  let waiting: ((m: EntityProviderMutation) => void) | undefined;
  return {
    mutations,
    connection: {
      async applyMutation(mutation: EntityProviderMutation) {
        mutations.push(mutation);
        waiting?.(mutation);
      },
      async refresh() {},
    },
    next(ms = 20_000): Promise<EntityProviderMutation> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no mutation within ${ms} ms`)),
          ms,
        );
        waiting = m => {
          clearTimeout(timer);
          waiting = undefined;
          resolve(m);
        };
      });
    },
  };
}

const refsOf = (mutation: EntityProviderMutation) =>
  mutation.type === 'full'
    ? mutation.entities.map(d => stringifyEntityRef(d.entity))
    : [];

const instanceFiles = (slug: string, domain: string) => ({
  [`instances/${slug}/config.yml`]: `LMS_HOST: ${slug}.${domain}\nCMS_HOST: studio.${slug}.${domain}\nPLATFORM_NAME: ${slug}\n`,
});

describe('refresh on demand (events)', () => {
  let sandbox: Sandbox;
  let backend: Awaited<ReturnType<typeof startTestBackend>> | undefined;
  /** The events service a writer in another plugin (the scaffolder) gets. */
  let writerEvents: EventsService;
  const { added: providers, extensionPoints } = capturingProviders();

  beforeAll(async () => {
    sandbox = await startSandbox({});
    const config = sandboxConfig(sandbox, {
      // The schedule never fires during the test: only events refresh.
      schedule: {
        frequency: { hours: 1 },
        timeout: { minutes: 1 },
        initialDelay: { hours: 1 },
      },
    });
    backend = await startTestBackend({
      extensionPoints,
      features: [
        mockServices.rootConfig.factory({
          data: {
            ...(config.get() as object),
            // In-process delivery between plugins (the real EventsService,
            // without the events backend's bus).
            events: { useEventBus: 'never' },
          },
        }),
        // The real EventsService (startTestBackend's default is a mock with
        // one bus per plugin, which would not carry events between plugins).
        eventsServiceFactory,
        catalogModuleLaunchpad,
        createBackendModule({
          pluginId: 'scaffolder',
          moduleId: 'launchpad-test-writer',
          register(env) {
            env.registerInit({
              deps: { events: eventsServiceRef },
              async init({ events }) {
                writerEvents = events;
              },
            });
          },
        }),
      ],
    });
  }, 90_000);
  afterAll(async () => {
    await backend?.stop();
    await sandbox?.stop();
  }, 30_000);

  const connected = new Map<
    string,
    { provider: LaunchpadEntityProvider; record: ReturnType<typeof recorder> }
  >();
  beforeAll(async () => {
    for (const cluster of ['staging', 'production']) {
      const provider = providers.find(
        p => p.getProviderName() === `launchpad-provider:${cluster}`,
      ) as LaunchpadEntityProvider;
      const record = recorder();
      await provider.connect(record.connection);
      // The baseline read, as the first scheduled refresh would do it.
      const baseline = await provider.refresh();
      if (baseline.outcome !== 'updated') {
        throw new Error(`baseline read of ${cluster}: ${baseline.outcome}`);
      }
      connected.set(cluster, { provider, record });
    }
  }, 60_000);
  afterEach(() => jest.restoreAllMocks(), 30_000);

  it('re-reads a cluster at once when a writer publishes launchpad.repository.changed', async () => {
    const staging = connected.get('staging')!;
    const production = connected.get('production')!;
    const productionRefreshes = jest.spyOn(
      production.provider,
      'requestRefresh',
    );
    const cluster = sandbox.clusters.find(c => c.name === 'staging')!;
    const [owner, name] = cluster.repository.split('/');
    await sandbox.git.commitFiles(owner, name, {
      message: 'Add instance via the portal',
      changes: instanceFiles('from-writer', cluster.domain),
    });

    const next = staging.record.next();
    const payload: LaunchpadRepositoryChangedPayload = { cluster: 'staging' };
    await writerEvents.publish({
      topic: LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
      eventPayload: payload,
    });
    expect(refsOf(await next)).toContain('component:staging/from-writer');
    // Another cluster's event is not this provider's.
    expect(productionRefreshes).not.toHaveBeenCalled();
  }, 60_000);

  it('re-reads a cluster at once on a GitHub push to its branch, and ignores other branches and repositories', async () => {
    const production = connected.get('production')!;
    const refreshes = jest.spyOn(production.provider, 'requestRefresh');
    const cluster = sandbox.clusters.find(c => c.name === 'production')!;
    const [owner, name] = cluster.repository.split('/');

    // What @backstage/plugin-events-backend-module-github publishes for a
    // push webhook: GitHub's payload under `github.push`, the event name
    // in the x-github-event metadata (GitHub's `push` payload fields:
    // docs.github.com/en/webhooks/webhook-events-and-payloads#push).
    const push = (fullName: string, ref: string) =>
      writerEvents.publish({
        topic: GITHUB_PUSH_TOPIC,
        eventPayload: {
          ref,
          before: '0'.repeat(40),
          after: '1'.repeat(40),
          repository: {
            name: fullName.split('/')[1],
            full_name: fullName,
            owner: { login: fullName.split('/')[0] },
          },
          pusher: { name: 'octocat', email: 'octocat@example.test' },
        },
        metadata: { 'x-github-event': 'push' },
      });
    await push(cluster.repository, 'refs/heads/some-feature');
    await push('acme-edu/another-repository', `refs/heads/${cluster.branch}`);
    await push(cluster.repository, `refs/tags/${cluster.branch}`);
    expect(refreshes).not.toHaveBeenCalled();

    await sandbox.git.commitFiles(owner, name, {
      message: 'Add instance by a git push',
      changes: instanceFiles('from-push', cluster.domain),
    });
    const next = production.record.next();
    // GitHub keeps the repository's case in full_name; the match ignores it.
    await push(
      cluster.repository.toUpperCase(),
      `refs/heads/${cluster.branch}`,
    );
    expect(refsOf(await next)).toContain('component:production/from-push');
    expect(refreshes).toHaveBeenCalledTimes(1);
  }, 60_000);
});

describe('LaunchpadEntityProvider.requestRefresh', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({});
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('queues one refresh behind a running one, shared by every request meanwhile, never two reads at once', async () => {
    const config = sandboxConfig(sandbox);
    const logger = mockServices.logger.mock();
    logger.child.mockReturnValue(logger);
    const clusters = sandboxClusters(config, { logger });
    const [provider] = LaunchpadEntityProvider.fromConfig(config, {
      logger,
      clusters,
    }).filter(p => p.getProviderName() === 'launchpad-provider:staging');
    const record = recorder();
    await provider.connect(record.connection);

    // Hold the first read after GitHub answered, so a commit lands while it
    // is still running and its result cannot contain it.
    const reader = clusters.get('staging').repository.reader;
    const read = reader.read.bind(reader);
    let reads = 0;
    let running = 0;
    let maxRunning = 0;
    let release!: () => void;
    const held = new Promise<void>(resolve => {
      release = resolve;
    });
    let readDone!: () => void;
    const firstReadDone = new Promise<void>(resolve => {
      readDone = resolve;
    });
    jest.spyOn(reader, 'read').mockImplementation(async () => {
      reads++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        const result = await read();
        if (reads === 1) {
          readDone();
          await held;
        }
        return result;
      } finally {
        running--;
      }
    });

    const first = provider.refresh();
    await firstReadDone;
    const cluster = sandbox.clusters.find(c => c.name === 'staging')!;
    const [owner, name] = cluster.repository.split('/');
    await sandbox.git.commitFiles(owner, name, {
      message: 'Change during a read',
      changes: instanceFiles('during-read', cluster.domain),
    });
    const requests: Array<Promise<RefreshResult>> = [
      provider.requestRefresh(),
      provider.requestRefresh(),
      provider.requestRefresh(),
    ];
    expect(requests[1]).toBe(requests[0]);
    expect(requests[2]).toBe(requests[0]);
    release();

    expect((await first).outcome).toBe('updated');
    expect(refsOf(record.mutations[0])).not.toContain(
      'component:staging/during-read',
    );
    const queued = await requests[0];
    expect(queued.outcome).toBe('updated');
    expect(refsOf(record.mutations[1])).toContain(
      'component:staging/during-read',
    );
    expect(reads).toBe(2);
    expect(maxRunning).toBe(1);
  }, 60_000);

  it('starts at once when no refresh runs', async () => {
    const config = sandboxConfig(sandbox);
    const logger = mockServices.logger.mock();
    const [provider] = LaunchpadEntityProvider.fromConfig(config, {
      logger,
      clusters: sandboxClusters(config, { logger }),
    });
    const record = recorder();
    await provider.connect(record.connection);
    expect((await provider.requestRefresh()).outcome).toBe('updated');
    expect(record.mutations).toHaveLength(1);
  }, 60_000);
});

describe('refreshReason', () => {
  const cluster = {
    name: 'staging',
    repository: 'acme-edu/launchpad-cluster-staging',
    branch: 'main',
  };
  it('names the event that concerns the cluster, and nothing else', () => {
    expect(
      refreshReason(
        {
          topic: LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
          eventPayload: { cluster: 'staging' },
        },
        cluster,
      ),
    ).toBe('launchpad.repository.changed event');
    for (const eventPayload of [
      { cluster: 'production' },
      {},
      null,
      'staging',
    ]) {
      expect(
        refreshReason(
          { topic: LAUNCHPAD_REPOSITORY_CHANGED_TOPIC, eventPayload },
          cluster,
        ),
      ).toBeUndefined();
    }
    expect(
      refreshReason(
        {
          topic: GITHUB_PUSH_TOPIC,
          eventPayload: { ref: 'refs/heads/main', repository: {} },
        },
        cluster,
      ),
    ).toBeUndefined();
    expect(
      refreshReason(
        { topic: 'github.pull_request', eventPayload: { cluster: 'staging' } },
        cluster,
      ),
    ).toBeUndefined();
  });
});
