/*
 * The signals (`@backstage/plugin-signals`) the `launchpad` backend plugin
 * publishes so open pages refetch when a cluster changes. A channel is an
 * opaque string the signals backend matches exactly: the SignalManager keeps
 * each connection's subscribed channel names in a set and sends an event to
 * the connections holding its `channel`
 * (backstage/backstage plugins/signals-backend/src/service/SignalManager.ts);
 * the `launchpad:` prefix keeps ours apart from other plugins'.
 *
 * Messages carry no status and nothing secret: only what changed and when.
 * Pages refetch through the permission-checked endpoints, so a signal tells
 * a reader nothing the endpoint would not (which is why they are broadcast).
 */

/** Every fleet table listens here; at most one message per cluster per second. */
export const LAUNCHPAD_FLEET_CHANNEL = 'launchpad:fleet';

/**
 * One instance's channel: `launchpad:instance:<cluster>:<slug>`, the slug
 * being the instance entity's name (`component:<cluster>/<slug>`).
 */
export function launchpadInstanceChannel(cluster: string, slug: string) {
  return `launchpad:instance:${cluster}:${slug}`;
}

/**
 * A change that concerns every instance of a cluster: a watch failing or
 * coming back (the freshness every card shows), a relist, a Velero backup or
 * schedule that selects all namespaces.
 */
export function launchpadClusterChannel(cluster: string) {
  return `launchpad:cluster:${cluster}`;
}

/**
 * A signal's message. `status`: the instance status endpoint answers
 * differently now; `history`: a history row was recorded; `fleet`: some row
 * of the cluster's fleet changed. `at` is when it was published (ISO 8601).
 */
export type LaunchpadSignalMessage = {
  kind: 'status' | 'history' | 'fleet';
  cluster: string;
  /** Set on instance channels. */
  slug?: string;
  at: string;
};
