import type { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import type {
  FleetFilter,
  FleetResponse,
  FleetSortKey,
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

/** What the Launchpad cards and pages ask the `launchpad` backend plugin. */
export interface LaunchpadApi {
  /** Everything the instance cards show, in one call. */
  getInstanceStatus(ref: CompoundEntityRef): Promise<InstanceStatusResponse>;
  getFleet(query: FleetQuery): Promise<FleetResponse>;
  /** Starts an ArgoCD sync of the instance's Application. */
  syncInstance(ref: CompoundEntityRef): Promise<{ application: string }>;
  /** Asks ArgoCD to compare again. */
  refreshInstance(ref: CompoundEntityRef): Promise<{ application: string }>;
}

export const launchpadApiRef = createApiRef<LaunchpadApi>({
  id: 'plugin.launchpad.api',
});
