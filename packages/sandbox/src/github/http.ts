import type { SandboxClock } from '../clock';
import type { Urls } from './representations';

export const DOCS = 'https://docs.github.com/rest';

/** One entry of a 422 `Validation Failed` body, as GitHub writes them. */
export interface ValidationErrorItem {
  resource: string;
  field?: string;
  code:
    | 'missing'
    | 'missing_field'
    | 'invalid'
    | 'already_exists'
    | 'unprocessable'
    | 'custom';
  message?: string;
}

/** An error answered in GitHub's shape: `{ message, documentation_url, status, errors? }`. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: {
      errors?: ValidationErrorItem[];
      headers?: Record<string, string>;
      documentationUrl?: string;
    } = {},
  ) {
    super(message);
    this.name = 'GitHubError';
  }

  body(defaultDocs: string) {
    return {
      message: this.message,
      ...(this.extra.errors ? { errors: this.extra.errors } : {}),
      documentation_url: this.extra.documentationUrl ?? defaultDocs,
      status: String(this.status),
    };
  }
}

export const notFound = () => new GitHubError(404, 'Not Found');

export function validationFailed(errors: ValidationErrorItem[]): GitHubError {
  return new GitHubError(422, 'Validation Failed', { errors });
}

/** What a route handler answers; the router adds ETags, rate-limit headers and validation. */
export interface Reply {
  status?: number;
  body?: unknown;
  /** For a page of a list: becomes GitHub's `Link` header. */
  pagination?: Pagination;
  /** A non-JSON body (raw file content), sent with `headers['content-type']`. */
  raw?: Buffer;
  headers?: Record<string, string>;
  /**
   * When the resource last changed, for resources that carry `Last-Modified`
   * on GitHub (repository, contents, commits, branch); the router answers
   * `If-Modified-Since` from it.
   */
  lastModified?: Date;
}

export interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  urls: Urls;
  /** The authenticated user's login. */
  login: string;
  /** Whether the caller's token can see private repositories. */
  privateAccess: boolean;
  /** Narrows the private repositories it sees (a GitHub App installation's; routes/apps.ts). */
  repositoryAccess?: (owner: string, name: string) => boolean;
  /** Set when the caller used a GitHub App installation token (routes/apps.ts). */
  installation?: { id: number; token: string };
  /** The caller's primary rate-limit bucket (`GET /rate_limit` reports it). */
  rateLimitKey?: string;
}

export type RouteHandler = (req: RouteRequest) => Promise<Reply>;

export interface RouteDef {
  /** GitHub's operationId; method and path come from the OpenAPI description. */
  operationId: string;
  /** A path parameter that may contain '/' (file paths, refs, branch names). */
  greedy?: string;
  handler: RouteHandler;
}

export function queryString(
  query: Record<string, unknown>,
  name: string,
): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined || v === null ? undefined : String(v);
}

export function queryInt(
  query: Record<string, unknown>,
  name: string,
  fallback: number,
): number {
  const v = Number(queryString(query, name));
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

export interface Pagination {
  total: number;
  page: number;
  perPage: number;
}

/** One page of `items` (`per_page` ≤ 100, `page` from 1); the router turns `pagination` into a Link header. */
export function paginate<T>(
  items: T[],
  query: Record<string, unknown>,
  defaultPerPage = 30,
): { items: T[]; pagination: Pagination } {
  const perPage = Math.min(queryInt(query, 'per_page', defaultPerPage), 100);
  const page = queryInt(query, 'page', 1);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    pagination: { total: items.length, page, perPage },
  };
}

/** GitHub's `Link` header (next/last/first/prev) for a page of a list. */
export function linkHeader(
  requestUrl: string,
  p: Pagination,
): string | undefined {
  const last = Math.max(1, Math.ceil(p.total / p.perPage));
  const at = (page: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(page));
    return `<${url.toString()}>`;
  };
  const links: string[] = [];
  if (p.page > 1) links.push(`${at(p.page - 1)}; rel="prev"`);
  if (p.page < last)
    links.push(`${at(p.page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (p.page > 1) links.push(`${at(1)}; rel="first"`);
  return links.length ? links.join(', ') : undefined;
}

/**
 * GitHub's primary rate limit: a budget per token per hour (on the sandbox
 * clock), reported in `x-ratelimit-*` headers. A 304 costs nothing, as on
 * GitHub; at 0 remaining requests get 403 `API rate limit exceeded`.
 */
export class RateLimiter {
  private readonly buckets = new Map<
    string,
    { window: number; used: number }
  >();

  constructor(private readonly clock: SandboxClock, readonly limit = 5000) {}

  private bucket(key: string) {
    const window = Math.floor(this.clock.nowMs() / 3_600_000);
    let b = this.buckets.get(key);
    if (!b || b.window !== window) {
      b = { window, used: 0 };
      this.buckets.set(key, b);
    }
    return b;
  }

  state(key: string, limit = this.limit) {
    const b = this.bucket(key);
    return {
      limit,
      used: b.used,
      remaining: Math.max(0, limit - b.used),
      reset: (b.window + 1) * 3600,
    };
  }

  consume(key: string): void {
    this.bucket(key).used += 1;
  }

  /** Sets the remaining budget (admin/tests: exhaust the limit without 5,000 calls). */
  setRemaining(key: string, remaining: number, limit = this.limit): void {
    this.bucket(key).used = Math.max(0, limit - remaining);
  }
}
