import type { LoggerService } from '@backstage/backend-plugin-api';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

/** Octokit with the retry and throttling plugins, as built by {@link createGitHubClient}. */
export const LaunchpadOctokit = Octokit.plugin(throttling, retry);
export type LaunchpadOctokit = InstanceType<typeof LaunchpadOctokit>;

export interface GitHubClientOptions {
  /** REST API base URL; omit for github.com. */
  baseUrl?: string;
  token: string;
  logger: LoggerService;
  /** Retries of a 5xx (or network error) answer; default 3. */
  retries?: number;
  /** Retries after a primary or secondary rate limit; default 2. */
  rateLimitRetries?: number;
  /**
   * Base unit in ms of both plugins' waits (retry waits n² units, rate limits
   * wait `retry-after` units); default 1000. Tests lower it.
   */
  retryAfterBaseValue?: number;
  /** fetch implementation (tests and the benchmark count requests with it). */
  fetch?: typeof fetch;
}

/**
 * The GitHub client every Launchpad backend module shares: built once from
 * config. Rate limits are logged and retried a bounded number of times, 5xx
 * answers are retried with backoff. The token is only ever in the auth header.
 */
export function createGitHubClient(options: GitHubClientOptions): LaunchpadOctokit {
  const { logger } = options;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const base = options.retryAfterBaseValue ?? 1000;
  return new LaunchpadOctokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: 'launchpad-portal',
    request: options.fetch ? { fetch: options.fetch } : undefined,
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    retry: { retries: options.retries ?? 3, retryAfterBaseValue: base },
    throttle: {
      retryAfterBaseValue: base,
      onRateLimit: (retryAfter, requestOptions, _octokit, retryCount) => {
        const retrying = retryCount < rateLimitRetries;
        logger.warn(
          `GitHub rate limit hit on ${requestOptions.method} ${requestOptions.url}; ${
            retrying ? `retrying in ${retryAfter}s` : 'giving up'
          }`,
          { retryAfter, retryCount },
        );
        return retrying;
      },
      onSecondaryRateLimit: (retryAfter, requestOptions, _octokit, retryCount) => {
        const retrying = retryCount < rateLimitRetries;
        logger.warn(
          `GitHub secondary rate limit hit on ${requestOptions.method} ${requestOptions.url}; ${
            retrying ? `retrying in ${retryAfter}s` : 'giving up'
          }`,
          { retryAfter, retryCount },
        );
        return retrying;
      },
    },
  });
}

/** The HTTP status of an Octokit RequestError (or undefined for other errors). */
export function requestErrorStatus(error: unknown): number | undefined {
  if (error !== null && typeof error === 'object' && 'status' in error) {
    const status = (error as { status: unknown }).status;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}
