import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { launchpadStatusReadPermission } from '@internal/plugin-launchpad-common';
import { instanceTarget } from './StatusService';

/**
 * The instances whose status `credentials` may read (`launchpad.status.read`):
 * all of them on ALLOW, none on DENY (a `NotAllowedError`), and on a
 * conditional decision (catalog-entity rules such as isEntityOwner) the
 * allowed ones, decided in one batch. The fleet route and the agent actions
 * share it so both answer the same caller the same way.
 */
export async function visibleInstances(
  entities: Entity[],
  permissions: PermissionsService,
  credentials: BackstageCredentials,
): Promise<Entity[]> {
  const [decision] = await permissions.authorizeConditional(
    [{ permission: launchpadStatusReadPermission }],
    { credentials },
  );
  if (decision.result === AuthorizeResult.DENY) {
    throw new NotAllowedError('You may not read instance status');
  }
  if (decision.result === AuthorizeResult.ALLOW) return entities;
  const refs = entities.map(e => instanceTarget(e)?.entityRef ?? '');
  const decisions = await permissions.authorize(
    refs.map(resourceRef => ({
      permission: launchpadStatusReadPermission,
      resourceRef,
    })),
    { credentials },
  );
  return entities.filter(
    (_e, i) => decisions[i]?.result === AuthorizeResult.ALLOW,
  );
}
