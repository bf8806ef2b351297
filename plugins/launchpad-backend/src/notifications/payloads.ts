import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import type { NotificationPayload } from '@backstage/plugin-notifications-common';
import type { FailedBuild, InstanceTransition } from './NotificationStore';

/** Topics a user can switch off one by one in the notification settings. */
export const TOPICS = {
  health: 'Launchpad instance health',
  backup: 'Launchpad backups',
  build: 'Launchpad builds',
} as const;

/**
 * The instance's owner as a full entity ref. `spec.owner` may be short
 * (`platform-team`): the catalog reads it as a Group in the entity's own
 * namespace, so the same defaults apply here.
 */
export function ownerRef(entity: Entity): string | undefined {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || owner === '') return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? 'default',
      }),
    );
  } catch {
    return undefined;
  }
}

/** The instance page (the catalog's entity route). */
export function instanceLink(entity: Entity): string {
  return `/catalog/${encodeURIComponent(
    entity.metadata.namespace ?? 'default',
  )}/component/${encodeURIComponent(entity.metadata.name)}`;
}

function label(entity: Entity, cluster: string): string {
  return `${entity.metadata.title ?? entity.metadata.name} (${
    entity.metadata.name
  }) on ${cluster}`;
}

/**
 * One scope per instance and kind: the notifications backend updates the
 * user's existing notification of the same scope and origin (marking it
 * unread again) instead of adding another, so a flapping instance keeps one
 * entry per kind (plugins/notifications-backend router, getExistingScopeNotification).
 */
function scope(cluster: string, namespace: string, kind: string): string {
  return `launchpad:${cluster}/${namespace}:${kind}`;
}

function clip(text: string | undefined, max = 300): string | undefined {
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function transitionPayload(
  entity: Entity,
  t: InstanceTransition,
): NotificationPayload {
  const what = label(entity, t.cluster);
  const detail = clip(t.detail);
  if (t.kind === 'health') {
    return {
      title: `${what} is Degraded`,
      description: `ArgoCD reports the instance Degraded (it was ${
        t.from ?? 'unknown'
      })${detail ? `: ${detail}` : '.'}`,
      link: instanceLink(entity),
      severity: 'high',
      topic: TOPICS.health,
      scope: scope(t.cluster, t.namespace, 'health'),
    };
  }
  const failing = t.to === 'failing';
  return {
    title: `Backup of ${what} is ${failing ? 'failing' : 'overdue'}`,
    description: `Velero backups of namespace ${t.namespace} are ${
      failing ? 'failing' : 'overdue'
    } (they were ${t.from ?? 'unknown'})${detail ? `: ${detail}` : '.'}`,
    link: instanceLink(entity),
    severity: failing ? 'high' : 'normal',
    topic: TOPICS.backup,
    scope: scope(t.cluster, t.namespace, 'backup'),
  };
}

export function buildPayload(
  entity: Entity,
  build: FailedBuild,
): NotificationPayload {
  return {
    title: `Picasso build of ${build.service} failed for ${label(
      entity,
      build.cluster,
    )}`,
    description: `The ${build.service} image build (run ${build.runId}) ended ${build.conclusion}; the instance keeps its previous image. Run: ${build.url}`,
    link: instanceLink(entity),
    severity: 'high',
    topic: TOPICS.build,
    scope: scope(build.cluster, build.instance, 'build'),
  };
}
