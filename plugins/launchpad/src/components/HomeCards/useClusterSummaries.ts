import { useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import type {
  ClusterFreshness,
  FleetSummary,
} from '@internal/plugin-launchpad-common';
import { launchpadApiRef } from '../../api';

export interface ClusterSummary {
  cluster: string;
  summary: FleetSummary;
  freshness: ClusterFreshness;
}

/**
 * Each cluster's fleet counts: one fleet request names the clusters, then
 * one per cluster with a page of one row (the counts come with every answer,
 * computed over the cluster's instances before paging), so the home page
 * costs the same at 10 or 10,000 instances.
 */
export function useClusterSummaries() {
  const api = useApi(launchpadApiRef);
  return useAsyncRetry(async (): Promise<ClusterSummary[]> => {
    const all = await api.getFleet({ limit: 1 });
    return Promise.all(
      all.clusters.map(async freshness => {
        const one = await api.getFleet({
          cluster: freshness.cluster,
          limit: 1,
        });
        return {
          cluster: freshness.cluster,
          summary: one.summary,
          freshness:
            one.clusters.find(c => c.cluster === freshness.cluster) ??
            freshness,
        };
      }),
    );
  }, [api]);
}
