/*
 * The Launchpad actions with real permission evaluation: the policy of this
 * package, decided per user from catalog/org.yaml's groups, the catalog's own
 * isEntityOwner rule applied to the instance entity, and the real clusters
 * service talking HTTP to the sandbox. An outsider is refused before anything
 * reaches the sandbox; an owner syncs its own instance.
 *
 * It lives next to the policy (not in the scaffolder module) because the
 * module cannot depend on this backend package, which depends on it.
 */
import fs from 'fs';
import path from 'path';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import { permissionRules } from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  type ConditionalPolicyDecision,
} from '@backstage/plugin-permission-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import {
  createArgocdApplyAction,
  createArgocdSyncAction,
  createInstanceCreateAction,
  createPicassoBuildAction,
} from '@internal/plugin-scaffolder-backend-module-launchpad';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import YAML from 'yaml';
import { LaunchpadPermissionPolicy } from './policy';

const ROOT = path.resolve(__dirname, '../../../..');

/** Each sample user's groups, as a sign-in resolver makes ownership refs from memberOf. */
function orgGroups(): Record<string, string[]> {
  const docs = YAML.parseAllDocuments(
    fs.readFileSync(path.join(ROOT, 'catalog/org.yaml'), 'utf8'),
  ).map(d => d.toJS() as Entity);
  return Object.fromEntries(
    docs
      .filter(e => e.kind === 'User')
      .map(e => [
        `user:default/${e.metadata.name}`,
        ((e.spec?.memberOf as string[]) ?? []).map(g => `group:default/${g}`),
      ]),
  );
}

/** The instance as the catalog holds it: owned by its group (the relation isEntityOwner reads). */
const physics101: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'physics-101', namespace: 'staging' },
  spec: {
    type: 'openedx-instance',
    owner: 'group:default/physics-dept',
    lifecycle: 'staging',
  },
  relations: [{ type: 'ownedBy', targetRef: 'group:default/physics-dept' }],
};

const refOf = (e: Entity) =>
  `${e.kind.toLocaleLowerCase('en-US')}:${e.metadata.namespace}/${
    e.metadata.name
  }`;

/** The catalog the actions read (their deps' `catalog`): `entities`, as they are at each call. */
function catalogOf(entities: Entity[]) {
  return {
    getEntityByRef: async (ref: string) => entities.find(e => refOf(e) === ref),
  };
}

/**
 * What the permission backend does with the policy: the user's ownership
 * refs, the policy's decision, and a conditional decision applied to the
 * resource with the catalog's own rules (an entity not in the catalog is
 * refused). `entities` is read at each request: an entity pushed later is
 * one the catalog has just ingested.
 */
function policyPermissions(
  entities: Entity[],
  options: {
    createGroups?: Record<string, string[]>;
    /** More users than catalog/org.yaml's, with their groups. */
    users?: Record<string, string[]>;
  } = {},
): PermissionsService & { asked: string[] } {
  const groups = { ...orgGroups(), ...options.users };
  const userInfo = mockServices.userInfo.mock({
    getUserInfo: async credentials => {
      const ref = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: [ref, ...(groups[ref] ?? [])],
      };
    },
  });
  const policy = new LaunchpadPermissionPolicy(userInfo, {
    createGroups: options.createGroups,
  });
  const applies = createConditionAuthorizer(Object.values(permissionRules));
  const asked: string[] = [];
  const authorize = async (
    requests: Array<{ permission: any; resourceRef?: string }>,
    request?: { credentials: BackstageCredentials },
  ) =>
    Promise.all(
      requests.map(async ({ permission, resourceRef }) => {
        asked.push(permission.name);
        const credentials = request!.credentials;
        const user = {
          credentials: credentials as never,
          info: await userInfo.getUserInfo(credentials),
        };
        const decision = await policy.handle({ permission }, user);
        if (decision.result !== AuthorizeResult.CONDITIONAL) return decision;
        const entity = resourceRef
          ? entities.find(e => refOf(e) === resourceRef)
          : undefined;
        return {
          result:
            entity && applies(decision as ConditionalPolicyDecision, entity)
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        };
      }),
    );
  return {
    asked,
    authorize: authorize as PermissionsService['authorize'],
    authorizeConditional: authorize as never,
  };
}

/** A task context started by `user` (what the scaffolder hands a handler). */
function context(input: Record<string, unknown>, user: string) {
  const lines: string[] = [];
  const outputs: Record<string, unknown> = {};
  const logger = mockServices.logger.mock({
    info: (message: string) => {
      lines.push(message);
    },
  });
  const ctx = {
    input,
    logger,
    lines,
    outputs,
    output: (name: string, value: unknown) => {
      outputs[name] = value;
    },
    checkpoint: async ({ fn }: { fn: () => Promise<unknown> }) => fn(),
    getInitiatorCredentials: async () => mockCredentials.user(user),
    isDryRun: false,
    signal: new AbortController().signal,
    workspacePath: '/nonexistent',
    createTemporaryDirectory: async () => '/nonexistent',
    secrets: {},
    templateInfo: undefined,
    user: { ref: user },
    task: { id: 'task-1' },
    each: undefined,
  };
  return ctx;
}

/** Every request the sandbox received, by service (its own counter, over HTTP). */
async function sandboxRequests(sandbox: Sandbox) {
  const res = await fetch(`${sandbox.adminUrl}/requests`);
  if (!res.ok) throw new Error(`sandbox request counts: HTTP ${res.status}`);
  const body = (await res.json()) as {
    total: number;
    services: Record<string, { total: number; routes: Record<string, number> }>;
  };
  expect(typeof body.total).toBe('number');
  return body;
}

describe('Launchpad actions with the real permission policy (against the sandbox)', () => {
  let sandbox: Sandbox;
  let clusters: DefaultLaunchpadClustersService;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
    clusters = DefaultLaunchpadClustersService.fromConfig(
      new ConfigReader(sandboxLaunchpadConfig(sandbox)),
      { logger: mockServices.logger.mock() },
    );
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  const deps = (
    permissions: PermissionsService,
    entities: Entity[] = [physics101],
    catalogIngestWait?: { timeoutMs: number; pollMs: number },
  ) => ({
    clusters,
    auditor: mockServices.auditor.mock(),
    permissions,
    auth: mockServices.auth(),
    catalog: catalogOf(entities) as never,
    events: mockServices.events.mock(),
    catalogIngestWait,
  });

  it("refuses an outsider's build, sync and create with a NotAllowedError naming why, and nothing reaches the sandbox", async () => {
    const permissions = policyPermissions([physics101]);
    const d = deps(permissions);
    const before = await sandboxRequests(sandbox);
    const visitor = 'user:default/visitor';

    const build = createPicassoBuildAction(d);
    const buildRun = build.handler(
      context({ cluster: 'staging', slug: 'physics-101' }, visitor) as never,
    );
    await expect(buildRun).rejects.toThrow(NotAllowedError);
    await expect(buildRun).rejects.toThrow(
      'user:default/visitor may not launchpad.build.dispatch on component:staging/physics-101 (cluster staging)',
    );

    const sync = createArgocdSyncAction(d);
    await expect(
      sync.handler(
        context({ cluster: 'staging', slug: 'physics-101' }, visitor) as never,
      ),
    ).rejects.toThrow(
      'user:default/visitor may not launchpad.argocd.sync on component:staging/physics-101 (cluster staging)',
    );

    const create = createInstanceCreateAction(d);
    await expect(
      create.handler(
        context(
          {
            cluster: 'staging',
            slug: 'visitor-201',
            platformName: 'Visitor 201',
            owner: 'group:default/physics-dept',
          },
          visitor,
        ) as never,
      ),
    ).rejects.toThrow(
      'user:default/visitor may not launchpad.instance.create on cluster staging (slug visitor-201)',
    );

    // The owner of physics-101 may not create instances either (no createGroups).
    await expect(
      create.handler(
        context(
          {
            cluster: 'staging',
            slug: 'lead-201',
            platformName: 'Lead 201',
            owner: 'group:default/physics-dept',
          },
          'user:default/physics-lead',
        ) as never,
      ),
    ).rejects.toThrow(NotAllowedError);

    // An instance in the catalog is decided once more (it may have been
    // ingested since the first decision), then refused.
    expect(permissions.asked).toEqual([
      'launchpad.build.dispatch',
      'launchpad.build.dispatch',
      'launchpad.argocd.sync',
      'launchpad.argocd.sync',
      'launchpad.instance.create',
      'launchpad.instance.create',
    ]);
    // Nothing changed: not a single request to GitHub, Kubernetes, ArgoCD or Argo.
    const after = await sandboxRequests(sandbox);
    expect(after.total).toBe(before.total);
  }, 60_000);

  it('lets the owner group sync its own instance', async () => {
    const permissions = policyPermissions([physics101]);
    const sync = createArgocdSyncAction(deps(permissions));
    const ctx = context(
      { cluster: 'staging', slug: 'physics-101', wait: false },
      'user:default/physics-lead',
    );
    const before = await sandboxRequests(sandbox);
    await sync.handler(ctx as never);
    expect(permissions.asked).toEqual(['launchpad.argocd.sync']);
    expect(ctx.outputs.application).toBe('physics-101-staging');
    const after = await sandboxRequests(sandbox);
    // The sync reached ArgoCD (POST .../sync).
    expect(after.services.argocd.total).toBeGreaterThan(
      before.services.argocd.total,
    );
  }, 60_000);

  /**
   * A member of staging's createGroups running new-openedx-instance: its
   * apply, build and sync steps check an instance of its own group right
   * after the create step, before the catalog provider has read the
   * repository (catalog/org.yaml has no such member: one more user here).
   */
  describe("a createGroups member's new instance and the catalog", () => {
    const creator = 'user:default/university-lead';
    const creatorPolicy = (entities: Entity[]) =>
      policyPermissions(entities, {
        createGroups: { staging: ['group:default/university-team'] },
        users: { [creator]: ['group:default/university-team'] },
      });
    // staging/demo is in the sandbox (its Application exists): here it is
    // the new instance, owned by the creator's group.
    const demo: Entity = {
      ...physics101,
      metadata: { name: 'demo', namespace: 'staging' },
      spec: { ...physics101.spec, owner: 'group:default/university-team' },
      relations: [
        { type: 'ownedBy', targetRef: 'group:default/university-team' },
      ],
    };
    const waitLines = (lines: string[]) =>
      lines.filter(l => l.startsWith('Waiting for the catalog to ingest'));

    it('waits until the catalog holds it, asking the provider to read the repository, then applies and syncs', async () => {
      const entities: Entity[] = [physics101];
      const permissions = creatorPolicy(entities);
      const d = deps(permissions, entities, { timeoutMs: 10_000, pollMs: 20 });
      setTimeout(() => entities.push(demo), 150);

      const apply = createArgocdApplyAction(d);
      const applyCtx = context({ cluster: 'staging', slug: 'demo' }, creator);
      const started = Date.now();
      await apply.handler(applyCtx as never);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      expect(waitLines(applyCtx.lines)).toEqual([
        expect.stringContaining(
          'Waiting for the catalog to ingest component:staging/demo (up to 10 s)',
        ),
      ]);
      expect(d.events.publish).toHaveBeenCalledWith({
        topic: 'launchpad.repository.changed',
        eventPayload: { cluster: 'staging' },
      });
      expect(['created', 'updated', 'unchanged']).toContain(
        applyCtx.outputs.result,
      );

      // In the catalog now: the sync is allowed at once.
      const sync = createArgocdSyncAction(d);
      const syncCtx = context(
        { cluster: 'staging', slug: 'demo', wait: false },
        creator,
      );
      await sync.handler(syncCtx as never);
      expect(waitLines(syncCtx.lines)).toEqual([]);
      expect(syncCtx.outputs.application).toBe('demo-staging');
      expect(permissions.asked).toEqual([
        'launchpad.argocd.sync',
        'launchpad.instance.create',
        'launchpad.argocd.sync',
        'launchpad.argocd.sync',
      ]);
    }, 60_000);

    it('refuses an instance in the catalog that another group owns at once, and an outsider without waiting', async () => {
      const permissions = creatorPolicy([physics101]);
      const d = deps(permissions, [physics101], {
        timeoutMs: 30_000,
        pollMs: 20,
      });
      const before = await sandboxRequests(sandbox);
      const build = createPicassoBuildAction(d);
      for (const [user, slug] of [
        [creator, 'physics-101'],
        ['user:default/visitor', 'physics-101'],
        // Not in the catalog, but the visitor may not create: no wait either.
        ['user:default/visitor', 'demo'],
      ]) {
        const ctx = context({ cluster: 'staging', slug }, user);
        const started = Date.now();
        await expect(build.handler(ctx as never)).rejects.toThrow(
          `${user} may not launchpad.build.dispatch on component:staging/${slug} (cluster staging)`,
        );
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(waitLines(ctx.lines)).toEqual([]);
      }
      expect(d.events.publish).not.toHaveBeenCalled();
      expect((await sandboxRequests(sandbox)).total).toBe(before.total);
    }, 60_000);

    it('decides again when the catalog ingests the instance between the first decision and its lookup', async () => {
      const entities: Entity[] = [physics101];
      const permissions = creatorPolicy(entities);
      const d = {
        ...deps(permissions, entities, { timeoutMs: 30_000, pollMs: 20 }),
        // The provider ingests it just as the action looks it up.
        catalog: {
          getEntityByRef: async (ref: string) => {
            if (!entities.includes(demo)) entities.push(demo);
            return entities.find(e => refOf(e) === ref);
          },
        } as never,
      };
      const ctx = context(
        { cluster: 'staging', slug: 'demo', wait: false },
        creator,
      );
      await createArgocdSyncAction(d).handler(ctx as never);
      expect(ctx.outputs.application).toBe('demo-staging');
      expect(waitLines(ctx.lines)).toEqual([]);
      expect(permissions.asked).toEqual([
        'launchpad.argocd.sync',
        'launchpad.argocd.sync',
      ]);
    }, 60_000);

    it('refuses naming the cause when the catalog lookup fails, and logs it', async () => {
      const permissions = creatorPolicy([physics101]);
      const d = {
        ...deps(permissions, [physics101], { timeoutMs: 30_000, pollMs: 20 }),
        catalog: {
          getEntityByRef: async () => {
            throw new Error('connect ECONNREFUSED (catalog)');
          },
        } as never,
      };
      const ctx = context({ cluster: 'staging', slug: 'demo' }, creator);
      await expect(
        createArgocdSyncAction(d).handler(ctx as never),
      ).rejects.toThrow(
        `${creator} may not launchpad.argocd.sync on component:staging/demo (cluster staging) (the catalog lookup of component:staging/demo failed: connect ECONNREFUSED (catalog))`,
      );
      expect(ctx.logger.warn).toHaveBeenCalledWith(
        'Could not look up component:staging/demo in the catalog: connect ECONNREFUSED (catalog)',
      );
      expect(waitLines(ctx.lines)).toEqual([]);
    }, 60_000);

    it('fails with a message saying the catalog has not ingested the instance when it never appears, after the bounded wait', async () => {
      const permissions = creatorPolicy([physics101]);
      const d = deps(permissions, [physics101], { timeoutMs: 300, pollMs: 20 });
      const before = await sandboxRequests(sandbox);
      const sync = createArgocdSyncAction(d);
      const ctx = context({ cluster: 'staging', slug: 'never-201' }, creator);
      const started = Date.now();
      const run = sync.handler(ctx as never);
      await expect(run).rejects.toThrow(NotAllowedError);
      await expect(run).rejects.toThrow(
        `${creator} may not launchpad.argocd.sync on component:staging/never-201 (cluster staging): the catalog has not ingested component:staging/never-201 yet (waited 300 ms)`,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(waitLines(ctx.lines)).toHaveLength(1);
      expect((await sandboxRequests(sandbox)).total).toBe(before.total);
    }, 60_000);

    it('stops waiting when the task is cancelled', async () => {
      const permissions = creatorPolicy([physics101]);
      const d = deps(permissions, [physics101], {
        timeoutMs: 30_000,
        pollMs: 20,
      });
      const controller = new AbortController();
      const ctx = {
        ...context({ cluster: 'staging', slug: 'never-201' }, creator),
        signal: controller.signal,
      };
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      await expect(
        createArgocdSyncAction(d).handler(ctx as never),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(Date.now() - started).toBeLessThan(5_000);
    }, 60_000);
  });
});
