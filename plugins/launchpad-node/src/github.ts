import type { LoggerService } from '@backstage/backend-plugin-api';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

type OctokitPlugin = Parameters<typeof Octokit.plugin>[0];

/** Octokit with the retry and throttling plugins, as built by {@link createGitHubClient}. */
// The plugins' types name the hoisted @octokit/core (an older major
// pulled in by another package), not the one @octokit/rest uses; the runtime
// contract is the same, so both are passed through the plugin type. The
// plugins add constructor options only, so the class is typed as Octokit
// (which also keeps the exported type nameable in declaration files).
export const LaunchpadOctokit: typeof Octokit = Octokit.plugin(
  throttling as unknown as OctokitPlugin,
  retry as unknown as OctokitPlugin,
);
// eslint-disable-next-line @typescript-eslint/no-redeclare -- the class and its instance type share a name, as Octokit does
export type LaunchpadOctokit = Octokit;

interface RateLimitedRequest {
  method: string;
  url: string;
}

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
export function createGitHubClient(
  options: GitHubClientOptions,
): LaunchpadOctokit {
  const { logger } = options;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const base = options.retryAfterBaseValue ?? 1000;
  // Both throttling callbacks log the wait and retry a bounded number of
  // times; they differ only in which limit the log line names.
  const onRateLimit =
    (limit: string) =>
    (
      retryAfter: number,
      requestOptions: RateLimitedRequest,
      _octokit: unknown,
      retryCount: number,
    ) => {
      const retrying = retryCount < rateLimitRetries;
      logger.warn(
        `GitHub ${limit} hit on ${requestOptions.method} ${
          requestOptions.url
        }; ${retrying ? `retrying in ${retryAfter}s` : 'giving up'}`,
        { retryAfter, retryCount },
      );
      return retrying;
    };
  return new LaunchpadOctokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: 'launchpad-portal',
    request: options.fetch ? { fetch: options.fetch } : undefined,
    // Octokit's request log: `debug` gets raw request options (never
    // forwarded), `info` every success, `error` every failed attempt —
    // including 304 Not Modified answers to conditional requests, which are
    // the normal "nothing changed" case. Callers log the final failures.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn(message),
      error: (message: string) =>
        / - 304 with id /.test(message)
          ? logger.debug(message)
          : logger.warn(message),
    },
    retry: { retries: options.retries ?? 3, retryAfterBaseValue: base },
    throttle: {
      retryAfterBaseValue: base,
      onRateLimit: onRateLimit('rate limit'),
      onSecondaryRateLimit: onRateLimit('secondary rate limit'),
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

/**
 * A one-line reason for a failed GitHub call. When GitHub did not answer at
 * all, Octokit says only "Unknown Error"; the network cause is what an
 * operator needs (connection refused, reset, DNS).
 */
export function describeGitHubError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const answered =
    error.name !== 'HttpError' ||
    (error as { response?: unknown }).response !== undefined;
  if (answered) return error.message;
  // Duck-typed: the causes come from Node's fetch, which may be another
  // realm's Error (Jest's sandbox), so instanceof would miss them.
  type Cause = { message: string; code?: unknown; cause?: unknown };
  const isCause = (value: unknown): value is Cause =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Cause).message === 'string';
  const causes: string[] = [];
  for (
    let cause: unknown = error.cause;
    isCause(cause) && causes.length < 4;
    cause = cause.cause
  ) {
    causes.push(
      typeof cause.code === 'string'
        ? `${cause.message} (${cause.code})`
        : cause.message,
    );
  }
  return `GitHub did not answer: ${causes.join(': ') || error.message}`;
}
