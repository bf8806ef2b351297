/*
 * The events topic the Launchpad entity provider listens to (Backstage
 * `EventsService`, @backstage/plugin-events-node). A writer that committed to
 * a cluster repository (the scaffolder actions, a script through the events
 * backend's HTTP endpoint) publishes it, and the provider re-reads that
 * cluster's repository at once instead of on its next scheduled refresh.
 */

/** Topic of "a cluster repository changed; read it again". */
export const LAUNCHPAD_REPOSITORY_CHANGED_TOPIC =
  'launchpad.repository.changed';

/** Payload of {@link LAUNCHPAD_REPOSITORY_CHANGED_TOPIC}. */
export interface LaunchpadRepositoryChangedPayload {
  /** The cluster's name in `launchpad.clusters`. */
  cluster: string;
}

/** Whether an event payload is a {@link LaunchpadRepositoryChangedPayload}. */
export function isLaunchpadRepositoryChangedPayload(
  payload: unknown,
): payload is LaunchpadRepositoryChangedPayload {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    typeof (payload as { cluster?: unknown }).cluster === 'string'
  );
}
