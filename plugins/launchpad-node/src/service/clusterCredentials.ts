import type { LaunchpadClusterConfig } from '../config';

/**
 * The APIs the portal reaches with a bearer token from `launchpad.clusters`
 * (createKubeConfig and the API clients): each one's name in messages and
 * its token's key under the cluster. GitHub's credential is checked when
 * the backend starts (integrations.github), so it is not one of them.
 */
export const CLUSTER_CREDENTIALS = {
  kubernetes: { title: 'Kubernetes', key: 'kubernetes.token' },
  argocd: { title: 'ArgoCD', key: 'argocd.token' },
  argoWorkflows: { title: 'Argo Server', key: 'argoWorkflows.token' },
} as const;

/** An API of {@link CLUSTER_CREDENTIALS}. */
export type ClusterApi = keyof typeof CLUSTER_CREDENTIALS;

/** One API a cluster cannot be reached on: its block is absent, or its token. */
export interface MissingClusterCredential {
  api: ClusterApi;
  /** `argocd.token`, or `argocd` when the whole block is absent. */
  key: string;
  /** True when the cluster has no block for the API at all. */
  unconfigured: boolean;
}

/**
 * The credentials a cluster lacks. Without `required`: every configured API
 * without its token (what the cluster picker disables a cluster for; an
 * absent optional block is not missing). With `required`: only those APIs,
 * and an absent block counts as missing too (an action that needs ArgoCD
 * cannot run on a cluster without an `argocd` block).
 */
export function missingClusterCredentials(
  config: LaunchpadClusterConfig,
  required?: readonly ClusterApi[],
): MissingClusterCredential[] {
  const apis = required ?? (Object.keys(CLUSTER_CREDENTIALS) as ClusterApi[]);
  return apis.flatMap((api): MissingClusterCredential[] => {
    const block = config[api];
    if (!block) {
      return required ? [{ api, key: api, unconfigured: true }] : [];
    }
    return block.token
      ? []
      : [{ api, key: CLUSTER_CREDENTIALS[api].key, unconfigured: false }];
  });
}

/** How `launchpad:instance:create` publishes a new instance folder. */
export type InstancePublishAs = 'commit' | 'pull-request';

/**
 * The APIs creating an instance reaches with the cluster's tokens, for
 * `launchpad:instance:create` and the cluster picker alike: Kubernetes always
 * (the namespace check, the Secret, prepare, the provision workflows, the
 * Application); ArgoCD when the folder is committed (new-openedx-instance's
 * sync step follows). With a pull request nothing is synced during the task.
 */
export function instanceCreateApis(
  publishAs: InstancePublishAs = 'commit',
): ClusterApi[] {
  return publishAs === 'commit' ? ['kubernetes', 'argocd'] : ['kubernetes'];
}
