import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  checkInstanceAvailability,
  type InstanceAvailability,
  type LaunchpadCluster,
  type LaunchpadClustersService,
  instanceCreateApis,
  missingClusterCredentials,
} from '@internal/plugin-launchpad-node';

/**
 * A configured cluster as any signed-in user may see it: names, the domain
 * the hosts derive from, and whether the portal can act on it. Never a URL
 * with credentials, never a token.
 */
export interface ClusterSummary {
  name: string;
  title: string;
  environment: string;
  domain: string;
  /**
   * A new instance can be created on it: the Kubernetes credentials creating
   * always needs are configured (the picker disables the cluster otherwise).
   */
  hasCredentials: boolean;
  /**
   * The config keys creating as a commit needs that are missing
   * (`kubernetes.token`, `argocd.token`, or `argocd` for an absent block),
   * for an operator to add. With `hasCredentials` only ArgoCD's: a pull
   * request can still be created (the picker warns).
   */
  missingCredentials: string[];
}

/**
 * What the scaffolder form asks before a new instance: the clusters to choose
 * from and whether a slug is free in one. The check is launchpad-node's
 * `checkInstanceAvailability`, the same one `launchpad:instance:create`
 * makes, so the form never promises what the action refuses.
 */
export class ClustersService {
  static create(options: {
    clusters: LaunchpadClustersService;
    catalog: CatalogService;
  }): ClustersService {
    return new ClustersService(options.clusters, options.catalog);
  }

  private constructor(
    private readonly clusters: LaunchpadClustersService,
    private readonly catalog: CatalogService,
  ) {}

  list(): ClusterSummary[] {
    return this.clusters.list().map(summarize);
  }

  /** NotFoundError naming the configured clusters for an unknown one (the clusters service's). */
  async availability(
    clusterName: string,
    slug: string,
    credentials: BackstageCredentials,
  ): Promise<InstanceAvailability> {
    const cluster = this.clusters.get(clusterName);
    return checkInstanceAvailability({
      clusters: this.clusters,
      catalog: this.catalog,
      credentials,
      cluster: cluster.name,
      slug,
    });
  }
}

function summarize(cluster: LaunchpadCluster): ClusterSummary {
  const { config } = cluster;
  // What launchpad:instance:create checks (launchpad-node's
  // instanceCreateApis): Kubernetes for any publishAs, ArgoCD for a commit.
  const missing = (publishAs: 'commit' | 'pull-request') =>
    missingClusterCredentials(config, instanceCreateApis(publishAs)).map(
      m => m.key,
    );
  return {
    name: cluster.name,
    title: config.title ?? cluster.name,
    environment: config.environment,
    domain: config.domain,
    hasCredentials: missing('pull-request').length === 0,
    missingCredentials: missing('commit'),
  };
}
