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

/**
 * What the permission backend does with the policy: the user's ownership
 * refs, the policy's decision, and a conditional decision applied to the
 * resource with the catalog's own rules (an entity not in the catalog is refused).
 */
function policyPermissions(
  entities: Entity[],
): PermissionsService & { asked: string[] } {
  const groups = orgGroups();
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
  const policy = new LaunchpadPermissionPolicy(userInfo);
  const applies = createConditionAuthorizer(Object.values(permissionRules));
  const byRef = new Map(
    entities.map(e => [
      `${e.kind.toLocaleLowerCase('en-US')}:${e.metadata.namespace}/${
        e.metadata.name
      }`,
      e,
    ]),
  );
  const asked: string[] = [];
  const authorize = async (
    requests: Array<{ permission: any; resourceRef?: string }>,
    options?: { credentials: BackstageCredentials },
  ) =>
    Promise.all(
      requests.map(async ({ permission, resourceRef }) => {
        asked.push(permission.name);
        const credentials = options!.credentials;
        const user = {
          credentials: credentials as never,
          info: await userInfo.getUserInfo(credentials),
        };
        const decision = await policy.handle({ permission }, user);
        if (decision.result !== AuthorizeResult.CONDITIONAL) return decision;
        const entity = resourceRef ? byRef.get(resourceRef) : undefined;
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

  const deps = (permissions: PermissionsService) => ({
    clusters,
    auditor: mockServices.auditor.mock(),
    permissions,
    auth: mockServices.auth(),
    catalog: {
      getEntityByRef: async () => undefined,
    } as never,
    events: mockServices.events.mock(),
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

    expect(permissions.asked).toEqual([
      'launchpad.build.dispatch',
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
});
