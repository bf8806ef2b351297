/** What {@link sandboxLaunchpadConfig} needs of a started sandbox (`@internal/sandbox`'s `Sandbox`). */
export interface SandboxEndpoints {
  github: { url: string; token: string };
  clusters: Array<{
    name: string;
    environment: string;
    domain: string;
    repository: string;
    branch: string;
    kubernetesUrl: string;
    argocdUrl: string;
    argoUrl: string;
    token: string;
  }>;
}

/**
 * A GitHub App entry of `integrations.github[].apps` (a type, not an
 * interface, so the config block stays assignable to `JsonObject`).
 */
export type GitHubAppConfig = {
  appId: number;
  privateKey: string;
  clientId: string;
  clientSecret: string;
  webhookSecret?: string;
  allowedInstallationOwners?: string[];
};

export interface SandboxConfigOptions {
  /** Only these clusters (by name); default all. */
  clusters?: string[];
  /** Authenticate as this GitHub App instead of with the sandbox token. */
  githubApp?: GitHubAppConfig;
  /**
   * Leave the cluster tokens out (the production test passes them some other
   * way); default false.
   */
  omitClusterTokens?: boolean;
}

/**
 * The app-config that points the Launchpad plugins at a started sandbox: the
 * `integrations.github` entry for its GitHub (host with the port, as
 * `new URL(...).host` gives it — what DefaultGithubCredentialsProvider
 * matches) and the `launchpad.clusters` block. Plain JSON, so it can go into
 * a ConfigReader or be written out as YAML.
 */
export function sandboxLaunchpadConfig(
  sandbox: SandboxEndpoints,
  options: SandboxConfigOptions = {},
) {
  const githubHost = new URL(sandbox.github.url).host;
  const clusters = sandbox.clusters.filter(
    c => !options.clusters || options.clusters.includes(c.name),
  );
  const token = (value: string) =>
    options.omitClusterTokens ? {} : { token: value };
  return {
    integrations: {
      github: [
        {
          host: githubHost,
          apiBaseUrl: sandbox.github.url,
          ...(options.githubApp
            ? { apps: [options.githubApp] }
            : { token: sandbox.github.token }),
        },
      ],
    },
    launchpad: {
      clusters: clusters.map(cluster => ({
        name: cluster.name,
        title: cluster.name,
        environment: cluster.environment,
        domain: cluster.domain,
        repository: cluster.repository,
        branch: cluster.branch,
        githubHost,
        kubernetes: { url: cluster.kubernetesUrl, ...token(cluster.token) },
        argocd: { url: cluster.argocdUrl, ...token(cluster.token) },
        argoWorkflows: {
          url: cluster.argoUrl,
          ...token(cluster.token),
          namespace: 'argo',
        },
      })),
    },
  };
}
