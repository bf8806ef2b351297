import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FaultRegistry } from '../faults';
import { GitStoreError } from './gitStore';
import { GRAPHQL_DOCS } from './graphql';
import { DOCS, GitHubError } from './http';
import type { RateLimiter } from './http';

/** The user a token authenticates as. */
export interface TokenUser {
  login: string;
  /** Whether the token can see private repositories. */
  privateAccess: boolean;
  /** Rate-limit bucket; default `token:<token>`. An App installation's tokens share one (routes/apps.ts). */
  rateLimitKey?: string;
  /** Narrows the private repositories it sees (a GitHub App installation's). */
  repositoryAccess?: (owner: string, name: string) => boolean;
  /** Set for a GitHub App installation token. */
  installation?: { id: number; token: string };
}

/** The rate-limit bucket of a request (set by `rateLimitHeaders`). */
export interface RateLimitLocals {
  key: string;
  limit: number;
  resource: 'core' | 'graphql';
}

const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

export function errorBody(status: number, message: string) {
  return { message, documentation_url: DOCS, status: String(status) };
}

export function tokenOf(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header?.match(/^(?:bearer|token)\s+(\S+)$/i);
  return match?.[1];
}

/** The headers GitHub puts on every REST response. */
export function githubHeaders(): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': randomUUID().toUpperCase(),
      'access-control-expose-headers':
        'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-GitHub-Request-Id',
    });
    next();
  };
}

/**
 * Every response carries the rate-limit headers of its token (or client
 * IP). GraphQL has its own budget, as on GitHub (resource `graphql`).
 */
export function rateLimitHeaders(
  rateLimiter: RateLimiter,
  users: ReadonlyMap<string, TokenUser>,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = tokenOf(req);
    const known = given !== undefined && users.has(given);
    const resource = req.path === '/graphql' ? 'graphql' : 'core';
    const key = `${resource === 'graphql' ? 'graphql:' : ''}${
      known
        ? users.get(given)!.rateLimitKey ?? `token:${given}`
        : `ip:${req.ip}`
    }`;
    const limit = known ? rateLimiter.limit : 60;
    const locals: RateLimitLocals = { key, limit, resource };
    res.locals.rateLimit = locals;
    // GET /rate_limit is free, as on GitHub.
    res.locals.uncounted = req.path === '/rate_limit';
    // Headers are written as the response goes out: only then is it known
    // whether it was a 304, which GitHub does not count.
    const writeHead = res.writeHead;
    res.writeHead = function writeHeadWithRateLimit(
      this: Response,
      ...args: unknown[]
    ) {
      const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
      // Read back: a later middleware may have named the bucket (the App's JWT, routes/apps.ts).
      const bucket = res.locals.rateLimit as RateLimitLocals;
      if (status !== 304 && !res.locals.uncounted)
        rateLimiter.consume(bucket.key);
      const s = rateLimiter.state(bucket.key, bucket.limit);
      res.setHeader('x-ratelimit-limit', String(s.limit));
      res.setHeader('x-ratelimit-remaining', String(s.remaining));
      res.setHeader('x-ratelimit-reset', String(s.reset));
      res.setHeader('x-ratelimit-used', String(s.used));
      res.setHeader('x-ratelimit-resource', resource);
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response['writeHead'];
    next();
  };
}

/** GitHub's secondary rate limit, switched on as a `rate-limit` fault. */
export function secondaryRateLimit(faults: FaultRegistry): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const fault = faults.take('rate-limit', f =>
      FaultRegistry.matchesTarget(
        { service: f.service ?? 'github', pathPrefix: f.pathPrefix },
        { service: 'github', method: req.method, path: req.path },
      ),
    );
    if (!fault) {
      next();
      return;
    }
    res
      .status(403)
      .set('retry-after', String(fault.retryAfterSeconds ?? 60))
      .json({
        message: `${SECONDARY_RATE_LIMIT_MESSAGE} ${res.get(
          'x-github-request-id',
        )}.`,
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: '403',
      });
  };
}

/** Authentication, then the primary rate limit of that token. */
export function authentication(
  rateLimiter: RateLimiter,
  users: ReadonlyMap<string, TokenUser>,
  login: string,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = tokenOf(req);
    const { key, limit, resource } = res.locals.rateLimit as RateLimitLocals;
    if (resource === 'graphql' && (!given || !users.has(given))) {
      // GitHub's GraphQL 401s: no `status`, GraphQL documentation links.
      res.status(401).json(
        given
          ? { message: 'Bad credentials', documentation_url: GRAPHQL_DOCS }
          : {
              message: 'This endpoint requires you to be authenticated.',
              documentation_url: `${GRAPHQL_DOCS}/guides/forming-calls-with-graphql#authenticating-with-graphql`,
            },
      );
      return;
    }
    if (!given) {
      res.status(401).json({
        message: 'Requires authentication',
        documentation_url: DOCS,
        status: '401',
      });
      return;
    }
    if (!users.has(given)) {
      res.status(401).json({
        message: 'Bad credentials',
        documentation_url: DOCS,
        status: '401',
      });
      return;
    }
    const state = rateLimiter.state(key, limit);
    if (state.remaining <= 0 && resource === 'graphql') {
      // GraphQL answers an exhausted budget with 200 and a RATE_LIMITED error.
      res.locals.uncounted = true;
      res.status(200).json({
        errors: [
          {
            type: 'RATE_LIMITED',
            message: `API rate limit already exceeded for user ID ${login.length}.`,
          },
        ],
      });
      return;
    }
    if (state.remaining <= 0) {
      res.locals.uncounted = true;
      res.status(403).json({
        message: `API rate limit exceeded for user ID ${
          login.length
        }. If you reach out to GitHub Support for help, please include the request ID ${res.get(
          'x-github-request-id',
        )}.`,
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit',
        status: '403',
      });
      return;
    }
    next();
  };
}

/**
 * GitHub's 404 for a path no route serves (GitHub answers its unknown paths
 * so, and a 404 is not retried by @octokit/plugin-retry), its message naming
 * the route the sandbox does not serve, so a real GitHub operation the
 * sandbox lacks (repos/compare-commits, …) is not mistaken for a missing
 * resource.
 */
export function notFoundHandler(): RequestHandler {
  return (req: Request, res: Response) => {
    res.status(404).json({
      message: `Not Found: the Launchpad sandbox does not serve ${req.method} ${req.path} (see packages/sandbox/src/github/README.md for the operations it serves)`,
      documentation_url: DOCS,
      status: '404',
    });
  };
}

/** Unparseable JSON is GitHub's 400 `Problems parsing JSON`; anything else its error shape. */
export function errorHandler() {
  return (
    error: unknown,
    _req: Request,
    res: Response,
    _next: NextFunction,
  ) => {
    const parseError =
      (error as { type?: string }).type === 'entity.parse.failed';
    if (parseError) {
      res.status(400).json({
        message: 'Problems parsing JSON',
        documentation_url: DOCS,
        status: '400',
      });
      return;
    }
    const e = toGitHubError(error);
    res.status(e.status).json(e.body(DOCS));
  };
}

/** Store errors as GitHub answers them; anything unexpected is a 500 naming it. */
export function toGitHubError(error: unknown): GitHubError {
  if (error instanceof GitHubError) return error;
  if (error instanceof GitStoreError) {
    if (error.code === 'not-found') return new GitHubError(404, 'Not Found');
    if (error.code === 'conflict') return new GitHubError(409, error.message);
    return new GitHubError(422, error.message);
  }
  return new GitHubError(
    500,
    `Sandbox error: ${error instanceof Error ? error.message : String(error)}`,
  );
}
