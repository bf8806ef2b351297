import type { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import type {
  FleetFilter,
  FleetResponse,
  FleetSortKey,
  InstanceHistoryResponse,
  InstanceStatusResponse,
} from '@internal/plugin-launchpad-common';

export interface FleetQuery {
  cluster?: string;
  filter?: FleetFilter[];
  q?: string;
  sort?: FleetSortKey;
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

/** A configured cluster (`GET /clusters`): names only, nothing secret. */
export interface LaunchpadClusterSummary {
  name: string;
  title: string;
  environment: string;
  /** Instance hosts are `<slug>.<domain>` and `studio.<slug>.<domain>`. */
  domain: string;
  /** A new instance can be created on it: its Kubernetes credentials are configured. */
  hasCredentials: boolean;
  /**
   * Config keys creating as a commit needs that are missing, e.g.
   * `kubernetes.token`, `argocd.token`, `argocd` (no block). With
   * `hasCredentials`, ArgoCD's only: a pull request can still be created.
   */
  missingCredentials: string[];
}

/** Whether a new instance may take a slug (`GET /clusters/:cluster/availability`). */
export interface SlugAvailability {
  available: boolean;
  reasons: Array<{ field: 'cluster' | 'slug'; message: string }>;
  lmsHost?: string;
  studioHost?: string;
  namespace: string;
}

/** What the Launchpad cards and pages ask the `launchpad` backend plugin. */
export interface LaunchpadApi {
  /**
   * Everything the instance cards show, in one call. Cards asking at once
   * share one request; `fresh` (a signal said the status changed) shares
   * only with other fresh requests, never with one from before.
   */
  getInstanceStatus(
    ref: CompoundEntityRef,
    options?: { fresh?: boolean },
  ): Promise<InstanceStatusResponse>;
  getFleet(query: FleetQuery): Promise<FleetResponse>;
  /**
   * The instance's recorded history, newest first: workflow runs, builds and
   * ArgoCD sync/health transitions (from the database, so it outlives the
   * objects). `limit` defaults to the backend's 100 (at most 500).
   */
  getInstanceHistory(
    ref: CompoundEntityRef,
    options?: { limit?: number },
  ): Promise<InstanceHistoryResponse>;
  /** Starts an ArgoCD sync of the instance's Application. */
  syncInstance(ref: CompoundEntityRef): Promise<{ application: string }>;
  /** Asks ArgoCD to compare again. */
  refreshInstance(ref: CompoundEntityRef): Promise<{ application: string }>;
  /** The clusters new instances can go to (the scaffolder's cluster picker). */
  listClusters(): Promise<LaunchpadClusterSummary[]>;
  /** The check `launchpad:instance:create` makes, for the form's slug field. */
  getSlugAvailability(
    cluster: string,
    slug: string,
    options?: { signal?: AbortSignal },
  ): Promise<SlugAvailability>;
}

export const launchpadApiRef = createApiRef<LaunchpadApi>({
  id: 'plugin.launchpad.api',
});
