import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  DefaultLaunchpadClustersService,
  launchpadClustersServiceRef,
  type LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import {
  countingFetch,
  sandboxLaunchpadConfig,
} from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import type { LaunchpadEntityProvider } from './LaunchpadEntityProvider';
import { catalogModuleLaunchpad } from './module';
import { capturingConnection, capturingProviders } from './testHelpers';

/**
 * The clusters service is root-scoped: the catalog module and any other
 * plugin in the same backend get the same instance, the same cluster handles
 * and so the same GitHub client (one per credential).
 */
describe('launchpadClustersServiceRef shared by the catalog module and another plugin', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('builds the service once and hands both the same handles and GitHub client', async () => {
    const counter = countingFetch();
    const built: LaunchpadClustersService[] = [];
    const clustersFactory = createServiceFactory({
      service: launchpadClustersServiceRef,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
      },
      factory: ({ config, logger }) => {
        const service = DefaultLaunchpadClustersService.fromConfig(config, {
          logger,
          github: {
            retryAfterBaseValue: 1,
            writeSpacingMs: 0,
            fetch: counter.fetch,
          },
        });
        built.push(service);
        return service;
      },
    });
    const injected: LaunchpadClustersService[] = [];
    const probe = createBackendPlugin({
      pluginId: 'launchpad-probe',
      register(env) {
        env.registerInit({
          deps: { clusters: launchpadClustersServiceRef },
          async init({ clusters }) {
            injected.push(clusters);
          },
        });
      },
    });
    const { added, extensionPoints } = capturingProviders();
    const backend = await startTestBackend({
      extensionPoints,
      features: [
        catalogModuleLaunchpad,
        probe,
        clustersFactory,
        mockServices.rootConfig.factory({
          data: sandboxLaunchpadConfig(sandbox),
        }),
      ],
    });
    try {
      expect(built).toHaveLength(1);
      expect(injected).toEqual([built[0]]);
      const clusters = injected[0];

      // The catalog's provider reads the staging repository...
      const staging = added.find(
        p => p.getProviderName() === 'launchpad-provider:staging',
      ) as LaunchpadEntityProvider;
      const { connection, last } = capturingConnection();
      await staging.connect(connection);
      await staging.refresh();
      expect(last().length).toBeGreaterThan(0);
      const catalogRequests = counter.take();
      expect(catalogRequests.length).toBeGreaterThan(0);

      // ...through the handle the other plugin holds: its reader already has
      // the catalog's cache (one conditional request, nothing changed), and
      // the request went through the same client.
      const read = await clusters.get('staging').repository.reader.read();
      expect(read).toMatchObject({ changed: false, requests: 1 });
      expect(counter.take()).toHaveLength(1);

      // One GitHub client for the one credential both clusters use.
      expect(await clusters.get('staging').repository.octokit()).toBe(
        await clusters.get('production').repository.octokit(),
      );
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
