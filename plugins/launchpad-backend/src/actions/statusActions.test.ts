import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  type PermissionEvaluator,
} from '@backstage/plugin-permission-common';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import request from 'supertest';
import { launchpadPlugin } from '../plugin';
import {
  eventually,
  seedInstanceEntities,
  testStatusConfig,
} from '../__testUtils__';

type Backend = Awaited<ReturnType<typeof startTestBackend>>;

const LIST = 'launchpad:list-instances';
const GET = 'launchpad:get-instance-status';
const HISTORY = 'launchpad:get-instance-history';

/**
 * A permission decision per permission name (and, for `launchpad.status.read`,
 * per instance): the shape a policy with isEntityOwner conditions produces.
 */
function permissionsAllowing(options: {
  list: boolean;
  readRefs?: string[];
}): PermissionsService {
  const readDecision = (ref?: string) =>
    !options.readRefs || (ref && options.readRefs.includes(ref))
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY;
  const evaluator: PermissionEvaluator = {
    async authorize(requests) {
      return requests.map(r => {
        if (r.permission.name === 'launchpad.status.list') {
          return {
            result: options.list ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
          };
        }
        if (r.permission.name === 'launchpad.status.read') {
          return {
            result: readDecision(
              'resourceRef' in r ? (r.resourceRef as string) : undefined,
            ),
          };
        }
        return { result: AuthorizeResult.ALLOW };
      }) as never;
    },
    async authorizeConditional(requests) {
      return requests.map(() =>
        options.readRefs
          ? {
              result: AuthorizeResult.CONDITIONAL,
              pluginId: 'catalog',
              resourceType: 'catalog-entity',
              conditions: {
                rule: 'IS_ENTITY_OWNER',
                resourceType: 'catalog-entity',
                params: { claims: [] },
              },
            }
          : { result: AuthorizeResult.ALLOW },
      ) as never;
    },
  };
  return evaluator as PermissionsService;
}

async function startActionsBackend(
  sandbox: Sandbox,
  permissions: PermissionsService,
): Promise<Backend> {
  const config = sandboxLaunchpadConfig(sandbox);
  return startTestBackend({
    features: [
      launchpadPlugin,
      mcpActionsPlugin,
      // The real registry and actions service: the actions service lists and
      // invokes over HTTP, as the MCP backend does in the portal.
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      catalogServiceMock.factory({ entities: seedInstanceEntities() }),
      mockServices.rootConfig.factory({
        data: {
          ...config,
          launchpad: { ...config.launchpad, status: testStatusConfig() },
          backend: { actions: { pluginSources: ['launchpad'] } },
        },
      }),
      mockServices.permissions.mock(permissions).factory,
    ],
  });
}

/** The actions service's HTTP API on the launchpad plugin, as a user. */
function actionsApi(backend: Backend) {
  const auth = { Authorization: mockCredentials.user.header() };
  return {
    list: () =>
      request(backend.server)
        .get('/api/launchpad/.backstage/actions/v1/actions')
        .set(auth),
    invoke: (id: string, input: object) =>
      request(backend.server)
        .post(
          `/api/launchpad/.backstage/actions/v1/actions/${encodeURIComponent(
            id,
          )}/invoke`,
        )
        .set(auth)
        .send(input),
  };
}

describe('launchpad actions for agents (actions registry, MCP)', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 1 });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 60_000);

  describe('with permission', () => {
    let backend: Backend | undefined;
    beforeAll(async () => {
      backend = await startActionsBackend(
        sandbox,
        permissionsAllowing({ list: true }),
      );
    }, 120_000);
    afterAll(async () => {
      await backend?.stop();
    }, 60_000);

    it('lists the three actions with their schemas, read-only', async () => {
      const res = await actionsApi(backend!).list();
      expect(res.status).toBe(200);
      const actions = (
        res.body as {
          actions: Array<{ id: string; attributes: { readOnly: boolean } }>;
        }
      ).actions;
      expect(actions.map(a => a.id).sort()).toEqual([HISTORY, GET, LIST]);
      expect(actions.every(a => a.attributes.readOnly)).toBe(true);
    });

    it('list-instances answers from the caches, filtered and paged', async () => {
      const body = await eventually(
        'every cluster watched',
        async () => {
          const res = await actionsApi(backend!).invoke(LIST, {
            limit: 200,
          });
          const out = res.body?.output;
          return res.status === 200 &&
            out?.clusters.every((c: { state: string }) => c.state === 'ok')
            ? out
            : undefined;
        },
        60_000,
      );
      const seed = seedInstanceEntities();
      expect(body.totalCount).toBe(seed.length);
      expect(body.summary.total).toBe(seed.length);
      const staging = await actionsApi(backend!).invoke(LIST, {
        cluster: ['staging'],
        limit: 1,
      });
      expect(staging.status).toBe(200);
      expect(staging.body.output.items).toHaveLength(1);
      expect(staging.body.output.items[0].cluster).toBe('staging');
      expect(staging.body.output.totalCount).toBe(
        seed.filter(e => e.metadata.namespace === 'staging').length,
      );
      // The seed's physics-101 runs older images than its config.yml names.
      const drifted = await actionsApi(backend!).invoke(LIST, {
        filter: ['drifted'],
        limit: 200,
      });
      expect(drifted.status).toBe(200);
      const rows: Array<{ name: string; drift?: { drifted: boolean } }> =
        drifted.body.output.items;
      expect(rows.map(r => r.name)).toContain('physics-101');
      expect(rows.every(r => r.drift?.drifted)).toBe(true);
    });

    it('list-instances refuses an unknown cluster by name', async () => {
      const res = await actionsApi(backend!).invoke(LIST, {
        cluster: ['nowhere'],
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('cluster "nowhere"');
    });

    it('get-instance-status refuses a malformed or contradictory instance name by field and value', async () => {
      const refused = async (input: object, text: string) => {
        const res = await actionsApi(backend!).invoke(GET, input);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(text);
      };
      await refused({ entityRef: 'demo' }, 'entityRef "demo" names no cluster');
      await refused({ entityRef: 'user:default/guest' }, 'is a user');
      await refused(
        { entityRef: 'component%3Astaging%2Fdemo' },
        'is URL-encoded',
      );
      await refused({ cluster: 'moon', slug: 'demo' }, 'cluster "moon"');
      await refused({ cluster: 'staging' }, 'cluster without slug');
      await refused(
        {
          entityRef: 'component:staging/demo',
          cluster: 'production',
          slug: 'demo',
        },
        'name different instances',
      );
      // An unknown key is refused, not ignored (list-instances has no sort).
      const sort = await actionsApi(backend!).invoke(LIST, { sort: 'name' });
      expect(sort.status).toBe(400);
      expect(JSON.stringify(sort.body.error)).toContain('sort');
    });

    it('get-instance-status by entity ref and by cluster and slug', async () => {
      const [first] = seedInstanceEntities();
      const ref = `component:${first.metadata.namespace}/${first.metadata.name}`;
      const byRef = await actionsApi(backend!).invoke(GET, { entityRef: ref });
      expect(byRef.status).toBe(200);
      expect(byRef.body.output.entityRef).toBe(ref);
      expect(byRef.body.output.argocd).toEqual(
        expect.objectContaining({ sync: expect.any(String) }),
      );
      expect(Array.isArray(byRef.body.output.problems)).toBe(true);
      const bySlug = await actionsApi(backend!).invoke(GET, {
        cluster: first.metadata.namespace,
        slug: first.metadata.name,
      });
      expect(bySlug.body.output.entityRef).toBe(ref);
      const missing = await actionsApi(backend!).invoke(GET, {
        entityRef: 'component:staging/no-such-instance',
      });
      expect(missing.status).toBe(404);
      const neither = await actionsApi(backend!).invoke(GET, {});
      expect(neither.status).toBe(400);
    });

    it('get-instance-history answers from the history tables, per instance', async () => {
      const output = await eventually(
        'the seed workflows recorded',
        async () => {
          const res = await actionsApi(backend!).invoke(HISTORY, {
            cluster: 'staging',
            slug: 'demo',
          });
          const items = (res.body?.output?.items ?? []) as Array<{
            type: string;
          }>;
          return res.status === 200 &&
            items.filter(i => i.type === 'workflow').length >= 3
            ? res.body.output
            : undefined;
        },
        60_000,
      );
      expect(output.enabled).toBe(true);
      expect(output.entityRef).toBe('component:staging/demo');
      expect(output.items[0]).toEqual(
        expect.objectContaining({ at: expect.any(String) }),
      );
      const missing = await actionsApi(backend!).invoke(HISTORY, {
        entityRef: 'component:staging/no-such-instance',
      });
      expect(missing.status).toBe(404);
    });

    it('is reachable through the MCP endpoint', async () => {
      const res = await request(backend!.server)
        .post('/api/mcp-actions/v1')
        .set('Authorization', mockCredentials.user.header())
        .set('Accept', 'application/json, text/event-stream')
        .send({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'launchpad.list-instances',
            arguments: { cluster: ['production'], limit: 5 },
          },
        });
      expect(res.status).toBe(200);
      // The streamable transport answers a request as one SSE event.
      const payload = String(res.text)
        .split('\n')
        .find(line => line.startsWith('data: '));
      const message = JSON.parse(
        payload ? payload.slice(6) : String(res.text),
      ) as { result: { content: Array<{ text: string }>; isError?: boolean } };
      expect(message.result.isError).toBeFalsy();
      const output = JSON.parse(message.result.content[0].text);
      expect(output.items.length).toBeGreaterThan(0);
      expect(
        output.items.every(
          (i: { cluster: string }) => i.cluster === 'production',
        ),
      ).toBe(true);
    });
  });

  describe('without permission', () => {
    let backend: Backend | undefined;
    const [visible] = seedInstanceEntities();
    const visibleRef = `component:${visible.metadata.namespace}/${visible.metadata.name}`;

    afterEach(async () => {
      await backend?.stop();
      backend = undefined;
    }, 60_000);

    it('hides the actions from a caller without launchpad.status.list', async () => {
      backend = await startActionsBackend(
        sandbox,
        permissionsAllowing({ list: false }),
      );
      const res = await actionsApi(backend).list();
      expect(res.status).toBe(200);
      expect(res.body.actions).toEqual([]);
      // The registry hides an action the caller may not see: not found.
      const invoke = await actionsApi(backend).invoke(LIST, {});
      expect(invoke.status).toBe(404);
    }, 120_000);

    it("answers per instance with the caller's launchpad.status.read", async () => {
      backend = await startActionsBackend(
        sandbox,
        permissionsAllowing({ list: true, readRefs: [visibleRef] }),
      );
      const list = await actionsApi(backend).invoke(LIST, { limit: 200 });
      expect(list.status).toBe(200);
      expect(
        list.body.output.items.map((i: { entityRef: string }) => i.entityRef),
      ).toEqual([visibleRef]);
      const [, hidden] = seedInstanceEntities();
      const denied = await actionsApi(backend).invoke(GET, {
        entityRef: `component:${hidden.metadata.namespace}/${hidden.metadata.name}`,
      });
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toContain('may not read the status');
    }, 120_000);
  });
});
