import Bottleneck from 'bottleneck';
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
  /** A fixed token; or `getToken`, asked before every request. */
  token?: string;
  /**
   * Asked before every request (and every retry), so a GitHub App
   * installation token is fetched and refreshed by the credentials provider
   * rather than frozen into the client.
   */
  getToken?: () => Promise<string | undefined>;
  /**
   * Rate-limit budget key. plugin-throttling keeps its queues in module-wide
   * Bottleneck groups keyed by `throttle.id` (default "no-id"), so every
   * client with the same id shares one budget: give each credential its own.
   */
  throttleId?: string;
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
  /**
   * Spacing in ms that plugin-throttling keeps between two writes (or GraphQL
   * requests) of one credential; default its own 1000, as GitHub asks for
   * mutating requests. Only tests that do not measure it lower it.
   */
  writeSpacingMs?: number;
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
  const getToken = options.getToken;
  return new LaunchpadOctokit({
    ...(getToken
      ? { authStrategy: perRequestTokenAuth, auth: { getToken } }
      : { auth: options.token }),
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
      id: options.throttleId,
      retryAfterBaseValue: base,
      ...(options.writeSpacingMs !== undefined
        ? {
            write: new Bottleneck.Group({
              maxConcurrent: 1,
              minTime: options.writeSpacingMs,
            }),
          }
        : {}),
      onRateLimit: onRateLimit('rate limit'),
      onSecondaryRateLimit: onRateLimit('secondary rate limit'),
    },
  });
}

type OctokitRequest = ((options: unknown) => Promise<unknown>) & {
  endpoint: {
    merge(
      route: unknown,
      parameters?: unknown,
    ): { headers: Record<string, string | undefined> };
  };
};

/**
 * An Octokit auth strategy that asks for the token on every request, as
 * @octokit/auth-token does with a fixed one (it sets `authorization: token
 * …`). The credentials provider caches installation tokens and renews them
 * ten minutes before they expire (@backstage/integration
 * SingleInstanceGithubCredentialsProvider), so asking per request is cheap.
 */
function perRequestTokenAuth(options: {
  getToken: () => Promise<string | undefined>;
}) {
  const auth = async () => {
    const token = await options.getToken();
    return token
      ? { type: 'token', tokenType: 'oauth', token }
      : { type: 'unauthenticated' };
  };
  auth.hook = async (
    request: OctokitRequest,
    route: unknown,
    parameters?: unknown,
  ) => {
    const endpoint = request.endpoint.merge(route, parameters);
    const token = await options.getToken();
    if (token) endpoint.headers.authorization = `token ${token}`;
    return request(endpoint);
  };
  return auth;
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
