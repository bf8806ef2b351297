import type { UserInfoService } from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isResourcePermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  LAUNCHPAD_RESOURCE_TYPE,
  launchpadArgocdSyncPermission,
  launchpadBuildDispatchPermission,
  launchpadInstanceUpdatePermission,
  launchpadStatusReadPermission,
} from '@internal/plugin-launchpad-common';

/** Where the policy reads who the platform team is (`launchpad.permissions.platformTeams`). */
export const DEFAULT_PLATFORM_TEAMS = ['group:default/platform-team'];

/** What an instance's owner group may do to its own instances. */
const OWNER_PERMISSIONS = new Set([
  launchpadArgocdSyncPermission.name,
  launchpadInstanceUpdatePermission.name,
  launchpadBuildDispatchPermission.name,
]);

/**
 * Launchpad Portal's permission policy:
 * - the platform team (members of `launchpad.permissions.platformTeams`) may
 *   do everything;
 * - every signed-in user, and every service principal, may read instance
 *   status (`launchpad.status.read`);
 * - an instance's owner group may sync, update and rebuild its own instances
 *   (a catalog `isEntityOwner` condition on the instance entity);
 * - every other `launchpad.*` permission (create, delete, submit workflows)
 *   is the platform team's;
 * - Backstage's own permissions (catalog, scaffolder, ...) are allowed to
 *   signed-in users and service principals as before; later issues narrow
 *   the scaffolder's.
 */
export class LaunchpadPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly userInfo: UserInfoService,
    private readonly platformTeams: string[] = DEFAULT_PLATFORM_TEAMS,
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    if (!permission.name.startsWith('launchpad.')) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (permission.name === launchpadStatusReadPermission.name) {
      return { result: AuthorizeResult.ALLOW };
    }
    // No user: a service principal (a plugin, or automation with a static
    // token); it reads, and writes nothing through these permissions.
    if (!user) return { result: AuthorizeResult.DENY };

    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    if (ownershipEntityRefs.some(ref => this.platformTeams.includes(ref))) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (
      OWNER_PERMISSIONS.has(permission.name) &&
      isResourcePermission(permission, LAUNCHPAD_RESOURCE_TYPE)
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
      );
    }
    return { result: AuthorizeResult.DENY };
  }
}
