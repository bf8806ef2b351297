import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { EntityProvider } from '@backstage/plugin-catalog-node';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { catalogModuleLaunchpad } from './module';

describe('catalogModuleLaunchpad', () => {
  it('registers one provider per configured cluster', async () => {
    const added: EntityProvider[] = [];
    const cluster = (name: string) => ({
      name,
      environment: name,
      domain: `${name}.example.test`,
      repository: `acme/${name}`,
      kubernetes: { url: `https://${name}.example.test` },
    });
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
          data: {
            launchpad: {
              github: { token: 'test-token' },
              clusters: [cluster('staging'), cluster('production')],
            },
          },
        }),
      ],
    });
    expect(added.map(p => p.getProviderName())).toEqual([
      'launchpad-provider:staging',
      'launchpad-provider:production',
    ]);
  });

  it('starts with no clusters configured, and adds no provider', async () => {
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
          data: { launchpad: { github: { token: 'test-token' }, clusters: [] } },
        }),
      ],
    });
    expect(added).toEqual([]);
  });
});
