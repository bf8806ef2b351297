import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import {
  checkInstanceAvailability,
  type InstanceAvailabilityCatalog,
} from './instanceAvailability';
import { DefaultLaunchpadClustersService } from './service/LaunchpadClustersService';
import { sandboxLaunchpadConfig, withFault } from './testUtils';

describe('checkInstanceAvailability (against the sandbox)', () => {
  let sandbox: Sandbox;
  let clusters: DefaultLaunchpadClustersService;
  const credentials = mockCredentials.user();
  // The catalog holds one instance whose folder and namespace do not exist.
  const inCatalog = new Set(['component:staging/in-catalog']);
  const catalog: InstanceAvailabilityCatalog = {
    getEntityByRef: async ref =>
      inCatalog.has(ref) ? { kind: 'Component' } : undefined,
  };
  const check = (cluster: string, slug: string) =>
    checkInstanceAvailability({
      clusters,
      catalog,
      credentials,
      cluster,
      slug,
    });

  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
    clusters = DefaultLaunchpadClustersService.fromConfig(
      new ConfigReader(sandboxLaunchpadConfig(sandbox)),
      {
        logger: mockServices.logger.mock(),
        github: { retryAfterBaseValue: 1, writeSpacingMs: 0, retries: 0 },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('answers a free slug with its hosts and namespace', async () => {
    await expect(check('staging', 'chem-201')).resolves.toEqual({
      available: true,
      reasons: [],
      lmsHost: 'chem-201.staging.learn.acme.test',
      studioHost: 'studio.chem-201.staging.learn.acme.test',
      namespace: 'chem-201',
    });
  });

  it('names every place a seeded slug is taken', async () => {
    const result = await check('staging', 'demo');
    expect(result.available).toBe(false);
    expect(result.reasons).toEqual([
      {
        field: 'slug',
        message:
          'slug "demo" is taken in staging: instances/demo exists in acme-edu/launchpad-cluster-staging',
      },
      {
        field: 'slug',
        message: 'slug "demo" is taken in staging: namespace demo exists',
      },
    ]);
    expect(result.lmsHost).toBe('demo.staging.learn.acme.test');
  });

  it('finds a slug taken only in the catalog, or only as a namespace', async () => {
    expect((await check('staging', 'in-catalog')).reasons).toEqual([
      {
        field: 'slug',
        message:
          'slug "in-catalog" is taken in staging: component:staging/in-catalog is in the catalog',
      },
    ]);
    await clusters.get('production').kubernetes.core.createNamespace({
      body: { metadata: { name: 'ns-only' } },
    });
    expect((await check('production', 'ns-only')).reasons).toEqual([
      {
        field: 'slug',
        message:
          'slug "ns-only" is taken in production: namespace ns-only exists',
      },
    ]);
    // Slugs may repeat across clusters: ns-only is free on staging.
    expect((await check('staging', 'ns-only')).available).toBe(true);
  });

  it('refuses an invalid slug or an unknown cluster, naming the field', async () => {
    const invalid = await check('staging', 'Chem_201');
    expect(invalid.available).toBe(false);
    expect(invalid.reasons).toEqual([
      {
        field: 'slug',
        message: expect.stringContaining('slug "Chem_201" is invalid'),
      },
    ]);
    expect(
      (await check('staging', 'a'.repeat(23))).reasons[0].message,
    ).toContain('at most 22 characters');
    const unknown = await check('qa', 'chem-201');
    expect(unknown).toEqual({
      available: false,
      reasons: [
        {
          field: 'cluster',
          message:
            'cluster "qa" is not a Launchpad cluster; configured: staging, production',
        },
      ],
      namespace: 'chem-201',
    });
  });

  it('gives the same hosts ConfigEditor writes into config.yml', async () => {
    const staging = clusters.get('staging');
    const { names } = staging.repository.editor.renderInstance({
      slug: 'chem-201',
      platformName: 'Chemistry',
      edxPlatformVersion: 'release/teak.3',
      tutorVersion: 'v20.0.5',
      owner: 'group:default/platform-team',
    });
    const result = await check('staging', 'chem-201');
    expect([result.lmsHost, result.studioHost, result.namespace]).toEqual([
      names.lmsHost,
      names.cmsHost,
      names.namespace,
    ]);
  });

  it('throws a typed error when the cluster does not answer, rather than saying "available"', async () => {
    await withFault(
      sandbox,
      { kind: 'down', cluster: 'staging', service: 'kubernetes' },
      async () => {
        await expect(check('staging', 'chem-201')).rejects.toMatchObject({
          name: 'ServiceUnavailableError',
          message: expect.stringContaining('cluster staging'),
        });
      },
    );
  });
});
