import {
  createBackendModule,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  DefaultLaunchpadClustersService,
  launchpadClustersServiceRef,
  type LaunchpadCluster,
  type LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import { catalogModuleLaunchpad } from './module';
import { capturingProviders } from './testHelpers';

/**
 * Starts a backend with the module and the given `launchpad.clusters`, and
 * returns the providers the module added to the catalog.
 */
async function startWithClusters(
  clusters: object[],
  extraFeatures: BackendFeature[] = [],
) {
  const { added, extensionPoints } = capturingProviders();
  const backend = await startTestBackend({
    extensionPoints,
    features: [
      catalogModuleLaunchpad,
      mockServices.rootConfig.factory({
        data: {
          integrations: {
            github: [{ host: 'github.com', token: 'test-token' }],
          },
          launchpad: { clusters },
        },
      }),
      ...extraFeatures,
    ],
  });
  return { added, backend };
}

describe('catalogModuleLaunchpad', () => {
  it('registers one provider per configured cluster', async () => {
    const cluster = (name: string) => ({
      name,
      environment: name,
      domain: `${name}.example.test`,
      repository: `acme/${name}`,
      kubernetes: { url: `https://${name}.example.test` },
    });
    const { added } = await startWithClusters([
      cluster('staging'),
      cluster('production'),
    ]);
    expect(added.map(p => p.getProviderName())).toEqual([
      'launchpad-provider:staging',
      'launchpad-provider:production',
    ]);
  });

  it('starts with no clusters configured, and adds no provider', async () => {
    const { added } = await startWithClusters([]);
    expect(added).toEqual([]);
  });

  it('shares the one clusters service, and its cluster handles, with every other module', async () => {
    // Calls through: the default factory builds the real service; the spy
    // records which instance each caller got and what it handed out.
    const list = jest.spyOn(DefaultLaunchpadClustersService.prototype, 'list');
    const fromConfig = jest.spyOn(
      DefaultLaunchpadClustersService,
      'fromConfig',
    );
    let injected: LaunchpadClustersService | undefined;
    let otherHandles: LaunchpadCluster[] = [];
    // A second module, of another plugin, as the scaffolder actions will be.
    const otherModule = createBackendModule({
      pluginId: 'scaffolder',
      moduleId: 'launchpad-test',
      register(env) {
        env.registerInit({
          deps: { clusters: launchpadClustersServiceRef },
          async init({ clusters }) {
            injected = clusters;
            otherHandles = clusters.list();
          },
        });
      },
    });
    try {
      const { added, backend } = await startWithClusters(
        [
          {
            name: 'staging',
            environment: 'staging',
            domain: 'staging.example.test',
            repository: 'acme/staging',
            kubernetes: { url: 'https://staging.example.test' },
          },
        ],
        [otherModule],
      );
      expect(added.map(p => p.getProviderName())).toEqual([
        'launchpad-provider:staging',
      ]);
      expect(fromConfig).toHaveBeenCalledTimes(1);
      const service = fromConfig.mock.results[0].value;
      expect(injected).toBe(service);
      // Each module listed the clusters once (the catalog module in
      // LaunchpadEntityProvider.fromConfig), on the same instance, and got
      // the very same handles: one reader, one Octokit per credential.
      expect(list.mock.contexts).toEqual([service, service]);
      expect(list.mock.contexts[0]).toBe(list.mock.contexts[1]);
      const [first, second] = list.mock.results.map(
        r => r.value as LaunchpadCluster[],
      );
      expect(first).toHaveLength(1);
      expect(first[0]).toBe(second[0]);
      expect(otherHandles[0]).toBe(first[0]);
      expect(await first[0].repository.octokit()).toBe(
        await second[0].repository.octokit(),
      );
      await backend.stop();
    } finally {
      list.mockRestore();
      fromConfig.mockRestore();
    }
  });
});
