import { ConfigReader } from '@backstage/config';
import type {
  DeferredEntity,
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import type { Sandbox } from '@internal/sandbox';

/** App config pointing the Launchpad plugins at a running sandbox. */
export function sandboxConfig(
  sandbox: Sandbox,
  extra: { defaultOwner?: string; schedule?: object } = {},
) {
  return new ConfigReader({
    launchpad: {
      github: { baseUrl: sandbox.github.url, token: sandbox.github.token },
      clusters: sandbox.clusters.map(cluster => ({
        name: cluster.name,
        title: cluster.name,
        environment: cluster.environment,
        domain: cluster.domain,
        repository: cluster.repository,
        branch: cluster.branch,
        kubernetes: { url: cluster.kubernetesUrl, token: cluster.token },
        argocd: { url: cluster.argocdUrl, token: cluster.token },
        argoWorkflows: { url: cluster.argoUrl, token: cluster.token },
      })),
    },
    catalog: {
      providers: {
        launchpad: {
          defaultOwner: extra.defaultOwner ?? 'group:default/platform-team',
          ...(extra.schedule ? { schedule: extra.schedule } : {}),
        },
      },
    },
  });
}

/** A connection that keeps every mutation it is given. */
export function capturingConnection() {
  const mutations: EntityProviderMutation[] = [];
  const connection: EntityProviderConnection = {
    async applyMutation(mutation) {
      mutations.push(mutation);
    },
    async refresh() {},
  };
  return {
    connection,
    mutations,
    /** The entities of the last full mutation. */
    last(): DeferredEntity[] {
      const full = [...mutations].reverse().find(m => m.type === 'full');
      if (!full || full.type !== 'full')
        throw new Error('no full mutation yet');
      return full.entities;
    },
  };
}
