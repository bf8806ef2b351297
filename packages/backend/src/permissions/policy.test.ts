import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  launchpadArgocdSyncPermission,
  launchpadBuildDispatchPermission,
  launchpadInstanceCreatePermission,
  launchpadInstanceDeletePermission,
  launchpadInstanceUpdatePermission,
  launchpadStatusReadPermission,
  launchpadWorkflowSubmitPermission,
} from '@internal/plugin-launchpad-common';
import { LaunchpadPermissionPolicy } from './policy';

const PLATFORM = 'user:default/alice';
const OWNER = 'user:default/pat';
const OUTSIDER = 'user:default/olly';

const GROUPS: Record<string, string[]> = {
  [PLATFORM]: ['group:default/platform-team'],
  [OWNER]: ['group:default/physics-dept'],
  [OUTSIDER]: ['group:default/marketing'],
};

/** The user info service as the auth backend answers it: the user and its groups. */
const userInfo = mockServices.userInfo.mock({
  getUserInfo: async credentials => {
    const principal = credentials.principal as { userEntityRef?: string };
    const ref = principal.userEntityRef ?? '';
    return {
      userEntityRef: ref,
      ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])],
    };
  },
});

const policy = new LaunchpadPermissionPolicy(userInfo);
const asUser = (ref: string) => ({
  credentials: mockCredentials.user(ref),
  info: { userEntityRef: ref, ownershipEntityRefs: [] },
});
const decide = (
  permission: Parameters<LaunchpadPermissionPolicy['handle']>[0]['permission'],
  who?: string,
) => policy.handle({ permission }, who ? asUser(who) : undefined);

describe('LaunchpadPermissionPolicy', () => {
  const writes = [
    launchpadArgocdSyncPermission,
    launchpadInstanceUpdatePermission,
    launchpadBuildDispatchPermission,
    launchpadInstanceCreatePermission,
    launchpadInstanceDeletePermission,
    launchpadWorkflowSubmitPermission,
  ];

  it('lets the platform team do everything', async () => {
    for (const permission of [launchpadStatusReadPermission, ...writes]) {
      expect(await decide(permission, PLATFORM)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('lets everyone, service principals included, read status', async () => {
    for (const who of [OWNER, OUTSIDER, undefined]) {
      expect((await decide(launchpadStatusReadPermission, who)).result).toBe(
        AuthorizeResult.ALLOW,
      );
    }
  });

  it('lets an owner sync, update and rebuild only the instances its groups own', async () => {
    for (const permission of [
      launchpadArgocdSyncPermission,
      launchpadInstanceUpdatePermission,
      launchpadBuildDispatchPermission,
    ]) {
      const decision = await decide(permission, OWNER);
      expect(decision).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: {
            claims: ['user:default/pat', 'group:default/physics-dept'],
          },
        },
      });
    }
  });

  it('keeps creating, deleting and workflow submission for the platform team', async () => {
    for (const permission of [
      launchpadInstanceCreatePermission,
      launchpadInstanceDeletePermission,
      launchpadWorkflowSubmitPermission,
    ]) {
      expect((await decide(permission, OWNER)).result).toBe(
        AuthorizeResult.DENY,
      );
      expect((await decide(permission, OUTSIDER)).result).toBe(
        AuthorizeResult.DENY,
      );
    }
  });

  it('lets service principals write nothing through launchpad permissions', async () => {
    for (const permission of writes) {
      expect((await decide(permission)).result).toBe(AuthorizeResult.DENY);
    }
  });

  it("leaves Backstage's own permissions open, as before", async () => {
    const catalogRead = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    });
    expect((await decide(catalogRead, OUTSIDER)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    expect((await decide(catalogRead)).result).toBe(AuthorizeResult.ALLOW);
  });

  it('reads the platform teams from config', async () => {
    const custom = new LaunchpadPermissionPolicy(userInfo, [
      'group:default/physics-dept',
    ]);
    expect(
      (
        await custom.handle(
          { permission: launchpadInstanceCreatePermission },
          asUser(OWNER),
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });
});
