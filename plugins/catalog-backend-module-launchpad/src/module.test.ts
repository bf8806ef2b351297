import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { EntityProvider } from '@backstage/plugin-catalog-node';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { catalogModuleLaunchpad } from './module';

/**
 * Starts a backend with the module and the given `launchpad.clusters`, and
 * returns the providers the module added to the catalog.
 */
async function startWithClusters(clusters: object[]) {
  const added: EntityProvider[] = [];
  await startTestBackend({
    extensionPoints: [
      [
        catalogProcessingExtensionPoint,
        {
          addEntityProvider: (
            ...providers: Array<EntityProvider | EntityProvider[]>
          ) => added.push(...providers.flat()),
        },
      ],
    ],
    features: [
      catalogModuleLaunchpad,
      mockServices.rootConfig.factory({
        data: { launchpad: { github: { token: 'test-token' }, clusters } },
      }),
    ],
  });
  return added;
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
    const added = await startWithClusters([
      cluster('staging'),
      cluster('production'),
    ]);
    expect(added.map(p => p.getProviderName())).toEqual([
      'launchpad-provider:staging',
      'launchpad-provider:production',
    ]);
  });

  it('starts with no clusters configured, and adds no provider', async () => {
    const added = await startWithClusters([]);
    expect(added).toEqual([]);
  });
});
