import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { assertError, InputError, NotFoundError } from '@backstage/errors';
import type { GithubIntegrationConfig } from '@backstage/integration';
import { DefaultArgoWorkflowsClient } from '../argo/ArgoWorkflowsClient';
import { DefaultArgoCdClient } from '../argocd/ArgoCdClient';
import {
  readClustersConfig,
  splitRepository,
  type LaunchpadClusterConfig,
} from '../config';
import { createClusterKubernetes } from '../kubernetes';
import { ClusterRepositoryReader } from '../repository/ClusterRepositoryReader';
import { ClusterRepositoryWriter } from '../repository/ClusterRepositoryWriter';
import { ConfigEditor } from '../repository/configEditor';
import { createInstanceReader } from '../repository/instanceConfig';
import { GitHubClients, type GitHubClientTuning } from './GitHubClients';
import type {
  ClusterRepository,
  LaunchpadCluster,
  LaunchpadClustersService,
} from './types';

export interface LaunchpadClustersServiceOptions {
  logger: LoggerService;
  /** GitHub client tuning (tests lower retry waits, count requests). */
  github?: GitHubClientTuning;
  /** fetch for the ArgoCD and Argo Server clients (tests). */
  fetch?: typeof fetch;
}

/**
 * The clusters service: reads and validates `launchpad` and
 * `integrations.github` once, and builds every cluster's handle up front, so a
 * bad key fails the backend's start and every module shares one set of
 * clients (and one GitHub rate-limit budget per credential).
 */
export class DefaultLaunchpadClustersService
  implements LaunchpadClustersService
{
  private readonly byName: Map<string, LaunchpadCluster>;

  static fromConfig(
    config: Config,
    options: LaunchpadClustersServiceOptions,
  ): DefaultLaunchpadClustersService {
    const { clusters } = readClustersConfig(config);
    const logger = options.logger;
    const github = GitHubClients.fromConfig(config, {
      logger,
      tuning: options.github,
    });
    const handles = clusters.map((cluster, index) =>
      buildCluster(cluster, index, { github, logger, fetch: options.fetch }),
    );
    // Which credential each repository uses (a key, never a token).
    logger.info(
      `Launchpad clusters: ${
        handles
          .map(
            h =>
              `${h.name} (${h.config.repository} via ${github.credentialKey({
                host: h.config.githubHost ?? 'github.com',
                owner: h.repository.owner,
                repo: h.repository.repo,
              })})`,
          )
          .join(', ') || 'none'
      }`,
    );
    return new DefaultLaunchpadClustersService(handles);
  }

  constructor(private readonly clusters: LaunchpadCluster[]) {
    this.byName = new Map(clusters.map(c => [c.name, c]));
  }

  list(): LaunchpadCluster[] {
    return [...this.clusters];
  }

  get(name: string): LaunchpadCluster {
    const cluster = this.byName.get(name);
    if (!cluster) {
      const known = this.clusters.map(c => c.name);
      throw new NotFoundError(
        `No Launchpad cluster "${name}"; configured: ${
          known.length ? known.join(', ') : 'none (launchpad.clusters is empty)'
        }`,
      );
    }
    return cluster;
  }
}

function buildCluster(
  config: LaunchpadClusterConfig,
  index: number,
  deps: { github: GitHubClients; logger: LoggerService; fetch?: typeof fetch },
): LaunchpadCluster {
  const { owner, repo } = splitRepository(config.repository);
  const ref = { host: config.githubHost ?? 'github.com', owner, repo };
  let integration: GithubIntegrationConfig;
  try {
    integration = deps.github.integrationFor(ref.host);
  } catch (error) {
    assertError(error);
    throw new InputError(
      `Invalid Launchpad configuration: launchpad.clusters[${index}].githubHost: ${error.message}`,
    );
  }
  const client = deps.github.octokitFor(ref);
  // Asks the credentials provider each time: cheap (it caches tokens), and an
  // App installation that lost access to the repository is reported as such.
  const octokit = async () => {
    await deps.github.checkAccess(ref);
    return client;
  };
  const logger = deps.logger.child({
    cluster: config.name,
    repository: config.repository,
  });
  const repository: ClusterRepository = {
    owner,
    repo,
    branch: config.branch,
    octokit,
    reader: new ClusterRepositoryReader({
      octokit: client,
      owner,
      repo,
      branch: config.branch,
      logger,
    }),
    editor: new ConfigEditor({
      cluster: config.name,
      environment: config.environment,
      domain: config.domain,
      // The clone URL ArgoCD pulls from: the web host, over http only for a
      // plain-http API (the sandbox).
      repoUrl: `${
        integration.apiBaseUrl?.startsWith('http://') ? 'http' : 'https'
      }://${ref.host}/${owner}/${repo}.git`,
      branch: config.branch,
    }),
    writer: new ClusterRepositoryWriter({
      octokit,
      owner,
      repo,
      branch: config.branch,
      logger,
      cluster: config.name,
    }),
    readInstance: createInstanceReader({
      octokit,
      owner,
      repo,
      branch: config.branch,
      cluster: config.name,
    }),
  };
  return {
    name: config.name,
    config,
    repository,
    kubernetes: createClusterKubernetes(config),
    argocd: config.argocd
      ? new DefaultArgoCdClient({
          cluster: config.name,
          url: config.argocd.url,
          uiUrl: config.argocd.uiUrl,
          token: config.argocd.token,
          fetch: deps.fetch,
        })
      : undefined,
    argo: config.argoWorkflows
      ? new DefaultArgoWorkflowsClient({
          cluster: config.name,
          url: config.argoWorkflows.url,
          token: config.argoWorkflows.token,
          namespace: config.argoWorkflows.namespace,
          fetch: deps.fetch,
        })
      : undefined,
  };
}

/**
 * Cluster access for Launchpad backend modules:
 * `deps: { clusters: launchpadClustersServiceRef }`. Root-scoped: one
 * instance per backend process, shared by every plugin and module. Tests can
 * pass their own factory (`createServiceFactory({ service:
 * launchpadClustersServiceRef, … })`).
 */
export const launchpadClustersServiceRef =
  createServiceRef<LaunchpadClustersService>({
    id: 'launchpad.clusters',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.rootLogger,
        },
        factory: ({ config, logger }) =>
          DefaultLaunchpadClustersService.fromConfig(config, {
            logger: logger.child({ service: 'launchpad-clusters' }),
          }),
      }),
  });
