import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import type { Entity } from '@backstage/catalog-model';
import { ANNOTATIONS } from '@internal/plugin-launchpad-common';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import type { AddressInfo } from 'node:net';
import { catalogModuleLaunchpad } from './module';
import { sandboxConfig } from './testHelpers';

/**
 * The real catalog backend with this module, against the sandbox: proves the
 * catalog accepts, stores and relates what the provider emits.
 */
describe('catalog backend with the Launchpad module (against the sandbox)', () => {
  let sandbox: Sandbox;
  // Starting the sandbox seeds two repositories and clusters: slow on a loaded machine.
  beforeAll(async () => {
    sandbox = await startSandbox({});
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('stores clusters, instances and resources with their relations', async () => {
    const config = sandboxConfig(sandbox, {
      schedule: {
        frequency: { seconds: 30 },
        // No initial delay: the test scheduler then runs the task at start-up.
        timeout: { minutes: 1 },
      },
    });
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleLaunchpad,
        mockServices.rootConfig.factory({
          data: {
            ...(config.get() as object),
            catalog: {
              ...(config.getConfig('catalog').get() as object),
              rules: [{ allow: ['Component', 'Resource', 'Location'] }],
              processingInterval: { seconds: 1 },
            },
          },
        }),
      ],
    });
    try {
      const { port } = backend.server.address() as AddressInfo;
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}/api/catalog${path}`, {
          headers: { authorization: mockCredentials.user.header() },
        });
        if (res.status !== 200 && res.status !== 404) {
          throw new Error(`catalog answered ${res.status} to ${path}`);
        }
        return res.status === 200 ? ((await res.json()) as Entity) : undefined;
      };
      // Processing is asynchronous: poll (no time assertion) until the
      // entity is stored with its relations.
      const processed = async (path: string) => {
        for (let i = 0; i < 120; i++) {
          const entity = await get(path);
          if (entity?.relations?.length) return entity;
          await new Promise(r => setTimeout(r, 250));
        }
        return undefined;
      };
      const instance = await processed(
        '/entities/by-name/component/staging/demo',
      );
      expect(instance?.spec?.type).toBe('openedx-instance');
      const relations = (instance?.relations ?? []).map(
        r => `${r.type} ${r.targetRef}`,
      );
      expect(relations).toEqual(
        expect.arrayContaining([
          'dependsOn resource:staging/staging',
          'dependsOn resource:staging/demo-mysql',
          'dependsOn resource:staging/demo-bucket',
          'ownedBy group:default/platform-team',
        ]),
      );

      const broken = await processed(
        '/entities/by-name/component/staging/broken-config',
      );
      expect(broken?.metadata.annotations?.[ANNOTATIONS.configError]).toMatch(
        /^config\.yml is not valid YAML/,
      );
      const productionDemo = await processed(
        '/entities/by-name/component/production/demo',
      );
      expect(productionDemo?.spec?.lifecycle).toBe('production');
      const cluster = await processed(
        '/entities/by-name/resource/production/production',
      );
      expect(cluster?.spec?.type).toBe('kubernetes-cluster');
    } finally {
      await backend.stop();
    }
    // Catalog processing is asynchronous: allow it time on a loaded machine.
  }, 60_000);
});
