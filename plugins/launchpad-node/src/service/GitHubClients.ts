import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
  type GithubCredentialsProvider,
  type GithubIntegrationConfig,
} from '@backstage/integration';
import { githubError } from '../errors';
import { createGitHubClient, type LaunchpadOctokit } from '../github';

/** Tuning of every GitHub client (tests lower the waits). */
export interface GitHubClientTuning {
  retries?: number;
  rateLimitRetries?: number;
  retryAfterBaseValue?: number;
  /** plugin-throttling's spacing between writes, default 1000 ms (see createGitHubClient). */
  writeSpacingMs?: number;
  /** fetch implementation (tests and the benchmark count requests with it). */
  fetch?: typeof fetch;
}

/** Where a repository lives. */
export interface GitHubRepositoryRef {
  host: string;
  owner: string;
  repo: string;
}

/**
 * One Octokit per GitHub credential, built from `integrations.github` the way
 * Backstage's own GitHub modules do (ScmIntegrations +
 * DefaultGithubCredentialsProvider), so one block serves the `github:*`
 * scaffolder actions, the catalog and Launchpad.
 *
 * A credential is a host's token, or a GitHub App installation (one per
 * account: the provider finds it by the repository owner). Every repository
 * and module using that credential gets the same Octokit, whose throttling
 * budget is keyed by the credential — GitHub's rate limits are per token and
 * per installation. The Octokit asks the provider for the token on each
 * request, so installation tokens are renewed before they expire.
 */
export class GitHubClients {
  private readonly clients = new Map<string, LaunchpadOctokit>();

  static fromConfig(
    config: Config,
    options: { logger: LoggerService; tuning?: GitHubClientTuning },
  ): GitHubClients {
    const integrations = ScmIntegrations.fromConfig(config);
    return new GitHubClients(
      integrations,
      DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      options.logger,
      options.tuning ?? {},
    );
  }

  constructor(
    private readonly integrations: ScmIntegrations,
    private readonly credentials: GithubCredentialsProvider,
    private readonly logger: LoggerService,
    private readonly tuning: GitHubClientTuning,
  ) {}

  /**
   * The integration for a host, or an InputError naming the config key to add
   * (checked at start-up, so a missing block fails the backend's start).
   */
  integrationFor(host: string): GithubIntegrationConfig {
    const integration = this.integrations.github.byHost(host)?.config;
    if (!integration) {
      throw new InputError(
        `No integrations.github entry for host "${host}"; configured: ${this.integrations.github
          .list()
          .map(i => i.config.host)
          .join(', ')}`,
      );
    }
    if (!integration.token && !integration.apps?.length) {
      throw new InputError(
        `integrations.github entry for host "${host}" has neither a token nor apps; Launchpad needs a credential to read and write cluster repositories`,
      );
    }
    return integration;
  }

  /**
   * Which credential serves a repository: its host's GitHub App installation
   * for the owner when apps are configured, else the host's token. (With both,
   * the provider falls back to the token for an owner without an installation;
   * such an owner then has its own budget key although it uses the token.)
   */
  credentialKey({ host, owner }: GitHubRepositoryRef): string {
    const integration = this.integrationFor(host);
    return integration.apps?.length
      ? `app:${host}/${owner.toLowerCase()}`
      : `token:${host}`;
  }

  /** The shared Octokit of the repository's credential (built on first use). */
  octokitFor(ref: GitHubRepositoryRef): LaunchpadOctokit {
    const key = this.credentialKey(ref);
    let client = this.clients.get(key);
    if (!client) {
      const integration = this.integrationFor(ref.host);
      // An owner URL: the provider caches installation tokens per owner, and
      // one client serves every repository of the owner.
      const ownerUrl = `https://${ref.host}/${ref.owner}`;
      client = createGitHubClient({
        // GitHub Enterprise Server serves its REST API under /api/v3.
        baseUrl: integration.apiBaseUrl ?? `https://${ref.host}/api/v3`,
        getToken: async () => this.token(ownerUrl, `${ref.host}/${ref.owner}`),
        throttleId: `launchpad:${key}`,
        logger: this.logger.child({ client: 'github', credential: key }),
        ...this.tuning,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Checks that the credential reaches this repository (an App installation
   * can be limited to selected repositories); NotAllowedError otherwise.
   */
  async checkAccess(ref: GitHubRepositoryRef): Promise<void> {
    const repository = `${ref.host}/${ref.owner}/${ref.repo}`;
    const token = await this.token(`https://${repository}`, repository);
    if (!token) {
      throw new NotAllowedError(
        `No GitHub credential for ${repository}: no GitHub App of integrations.github host "${ref.host}" is installed on "${ref.owner}", and the host has no token`,
      );
    }
  }

  /**
   * The provider's token for a URL. Its failures are GitHub's answers (an
   * HttpError from the app's own requests: status kept) or its own refusals
   * (plain Errors: an installation without the repository, a suspended app),
   * which are access problems.
   */
  private async token(
    url: string,
    repository: string,
  ): Promise<string | undefined> {
    try {
      return (await this.credentials.getCredentials({ url })).token;
    } catch (error) {
      const context = { action: 'get GitHub credentials', repository };
      if (error instanceof Error && error.name === 'HttpError') {
        throw githubError(error, context);
      }
      throw new NotAllowedError(
        `Could not get GitHub credentials (repository ${repository})`,
        error,
      );
    }
  }
}
