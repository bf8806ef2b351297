import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import request from 'supertest';
import { launchpadPlugin } from '../plugin';
import { seedInstanceEntities, testStatusConfig } from '../__testUtils__';

type Server = Awaited<ReturnType<typeof startTestBackend>>['server'];

describe('launchpad backend: clusters and slug availability against the sandbox', () => {
  let sandbox: Sandbox;
  let backend: Awaited<ReturnType<typeof startTestBackend>> | undefined;
  let server: Server;
  const user = { Authorization: mockCredentials.user.header() };

  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
    const config = sandboxLaunchpadConfig(sandbox);
    // production without an ArgoCD block and without its Argo Server token:
    // it can still take a new instance (a pull request), and the list names
    // what a commit needs; no action needs the Argo Server's token.
    const [staging, production] = config.launchpad.clusters;
    backend = await startTestBackend({
      features: [
        launchpadPlugin,
        catalogServiceMock.factory({
          entities: [
            ...seedInstanceEntities(),
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'in-catalog', namespace: 'staging' },
              spec: { type: 'openedx-instance', owner: 'group:default/x' },
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            ...config,
            launchpad: {
              clusters: [
                staging,
                {
                  ...production,
                  argocd: undefined,
                  argoWorkflows: {
                    ...production.argoWorkflows,
                    token: undefined,
                  },
                },
              ],
              status: testStatusConfig(),
            },
          },
        }),
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
      ],
    });
    server = backend.server;
  }, 120_000);

  afterAll(async () => {
    await backend?.stop();
    await sandbox?.stop();
  }, 60_000);

  const availability = (cluster: string, query: string) =>
    request(server)
      .get(`/api/launchpad/clusters/${cluster}/availability${query}`)
      .set(user);

  it('needs a signed-in caller', async () => {
    expect((await request(server).get('/api/launchpad/clusters')).status).toBe(
      401,
    );
    expect(
      (
        await request(server).get(
          '/api/launchpad/clusters/staging/availability?slug=x',
        )
      ).status,
    ).toBe(401);
  });

  it('lists the configured clusters with nothing secret', async () => {
    const res = await request(server).get('/api/launchpad/clusters').set(user);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        name: 'staging',
        title: expect.any(String),
        environment: 'staging',
        domain: 'staging.learn.acme.test',
        hasCredentials: true,
        missingCredentials: [],
      },
      expect.objectContaining({
        name: 'production',
        environment: 'production',
        hasCredentials: true,
        missingCredentials: ['argocd'],
      }),
    ]);
    const text = JSON.stringify(res.body);
    for (const c of sandbox.clusters) expect(text).not.toContain(c.token);
    expect(text).not.toContain(sandbox.github.token);
    expect(text).not.toContain('http');
  });

  it('answers a free slug with the hosts it would get', async () => {
    const res = await availability('staging', '?slug=chem-201');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      available: true,
      reasons: [],
      lmsHost: 'chem-201.staging.learn.acme.test',
      studioHost: 'studio.chem-201.staging.learn.acme.test',
      namespace: 'chem-201',
    });
  });

  it('names why a slug is taken or invalid', async () => {
    const demo = await availability('staging', '?slug=demo');
    expect(demo.status).toBe(200);
    expect(demo.body.available).toBe(false);
    expect(demo.body.reasons).toEqual(
      expect.arrayContaining([
        {
          field: 'slug',
          message:
            'slug "demo" is taken in staging: instances/demo exists in acme-edu/launchpad-cluster-staging',
        },
        {
          field: 'slug',
          message:
            'slug "demo" is taken in staging: component:staging/demo is in the catalog',
        },
      ]),
    );
    const catalogOnly = await availability('staging', '?slug=in-catalog');
    expect(catalogOnly.body.reasons).toEqual([
      {
        field: 'slug',
        message:
          'slug "in-catalog" is taken in staging: component:staging/in-catalog is in the catalog',
      },
    ]);
    const invalid = await availability('staging', '?slug=Chem_201');
    expect(invalid.status).toBe(200);
    expect(invalid.body).toMatchObject({
      available: false,
      reasons: [
        { field: 'slug', message: expect.stringContaining('is invalid') },
      ],
    });
  });

  it('answers 404 for an unknown cluster and 400 without a slug', async () => {
    const unknown = await availability('moon', '?slug=chem-201');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('"moon"'),
    });
    for (const query of ['', '?slug=']) {
      const missing = await availability('staging', query);
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({
        name: 'InputError',
        message: 'Invalid query: slug: is required',
      });
    }
  });
});
