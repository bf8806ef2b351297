import type { EventParams } from '@backstage/plugin-events-node';
import {
  LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
  isLaunchpadRepositoryChangedPayload,
} from '@internal/plugin-launchpad-common';
import type { LaunchpadClusterConfig } from '@internal/plugin-launchpad-node';

/**
 * The topic @backstage/plugin-events-backend-module-github publishes push
 * webhooks under: its GithubEventRouter moves events of the `github` topic to
 * `github.<x-github-event>` (backstage/backstage
 * plugins/events-backend-module-github/src/router/GithubEventRouter.ts).
 */
export const GITHUB_PUSH_TOPIC = 'github.push';

/** The topics a Launchpad entity provider subscribes to. */
export const REFRESH_TOPICS = [
  LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
  GITHUB_PUSH_TOPIC,
];

/** The fields of GitHub's `push` webhook payload the provider reads (docs.github.com/en/webhooks/webhook-events-and-payloads#push). */
interface PushPayload {
  ref?: unknown;
  repository?: { full_name?: unknown };
}

/**
 * Why the event asks this cluster's provider to re-read its repository, or
 * undefined when it does not: a `launchpad.repository.changed` event naming
 * the cluster, or a push to the cluster repository's branch (the repository
 * full name compared case-insensitively, as GitHub treats it).
 */
export function refreshReason(
  event: EventParams,
  cluster: Pick<LaunchpadClusterConfig, 'name' | 'repository' | 'branch'>,
): string | undefined {
  if (event.topic === LAUNCHPAD_REPOSITORY_CHANGED_TOPIC) {
    return isLaunchpadRepositoryChangedPayload(event.eventPayload) &&
      event.eventPayload.cluster === cluster.name
      ? `${LAUNCHPAD_REPOSITORY_CHANGED_TOPIC} event`
      : undefined;
  }
  if (event.topic === GITHUB_PUSH_TOPIC) {
    const payload = event.eventPayload as PushPayload | null;
    if (!payload || typeof payload !== 'object') return undefined;
    const fullName = payload.repository?.full_name;
    return typeof fullName === 'string' &&
      fullName.toLowerCase() === cluster.repository.toLowerCase() &&
      payload.ref === `refs/heads/${cluster.branch}`
      ? `GitHub push to ${fullName} ${cluster.branch}`
      : undefined;
  }
  return undefined;
}
