import { createHash, randomUUID } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { SandboxClock } from '../clock';
import { FaultRegistry, faultMiddleware } from '../faults';
import { GitStore, GitStoreError } from './gitStore';
import { DOCS, GitHubError, linkHeader, RateLimiter } from './http';
import type { RouteDef } from './http';
import { GitHubSpec, readOperations } from './openapi';
import { GRAPHQL_DOCS, runGraphql } from './graphql';
import type { GraphqlRequestBody } from './graphql';
import { Actions } from './actions';
import { PullRequests } from './pulls';
import type { Urls } from './representations';
import { repoRoutes } from './routes/repos';
import { contentRoutes } from './routes/contents';
import { gitRoutes } from './routes/git';
import { pullRoutes } from './routes/pulls';
import { actionRoutes } from './routes/actions';

/** The login of the user every accepted token authenticates as. */
export const SANDBOX_LOGIN = 'launchpad-sandbox';

export interface GitHubApiOptions {
  git: GitStore;
  faults: FaultRegistry;
  clock: SandboxClock;
  token: string;
  /** Validate every response against GitHub's OpenAPI description (tests turn this on). */
  validateResponses?: boolean;
  /** Base of `html_url`s; defaults to GitHub's web UI. */
  htmlUrl?: string;
  /** Primary rate limit per token per hour (GitHub: 5,000). */
  rateLimit?: number;
  /**
   * More users' tokens. One without `privateRepositories` gets 404 for
   * private repositories, as GitHub answers a token that may not see them.
   */
  extraTokens?: Array<{
    token: string;
    login: string;
    privateRepositories?: boolean;
  }>;
}

export interface GitHubApi {
  /** Mount at '/'. */
  app: express.Express;
  /** The simulated GitHub Actions (workflow runs). */
  actions: Actions;
  /** Primary rate-limit accounting (admin/tests can exhaust it). */
  rateLimiter: RateLimiter;
  /** Resolves once GitHub's OpenAPI description is compiled (requests wait for it anyway). */
  ready: Promise<void>;
  stop(): void;
}

const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

function errorBody(status: number, message: string) {
  return { message, documentation_url: DOCS, status: String(status) };
}

function tokenOf(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header?.match(/^(?:bearer|token)\s+(\S+)$/i);
  return match?.[1];
}

/** A weak ETag over the JSON body: unchanged resources keep their ETag. */
function etagOf(body: unknown): string {
  return `W/"${createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex')}"`;
}

/**
 * The GitHub REST API the Launchpad plugins use, served by express for
 * `@octokit/rest` (`baseUrl` = where this app is mounted). Every request is
 * authenticated, counted against the primary rate limit, checked against
 * GitHub's OpenAPI description and answered in GitHub's error shape.
 */
export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  const { git, faults, clock, token } = options;
  const rateLimiter = new RateLimiter(clock, options.rateLimit ?? 5000);
  const pulls = new PullRequests(git, clock);
  const actions = new Actions(git, clock, faults);
  const specPromise = GitHubSpec.load();
  // The GraphQL schema is built on first use (about 0.1 s) rather than here,
  // so a sandbox that never sees a GraphQL request does not pay for it.
  const ready = specPromise.then(() => undefined);
  const userLogins = new Set(
    [SANDBOX_LOGIN, ...(options.extraTokens ?? []).map(t => t.login)].map(l =>
      l.toLowerCase(),
    ),
  );
  const ownerType = (owner: string) =>
    userLogins.has(owner.toLowerCase())
      ? ('User' as const)
      : ('Organization' as const);
  const deps = { git, clock, pulls, actions, ownerType, login: SANDBOX_LOGIN };
  const users = new Map<string, { login: string; privateAccess: boolean }>([
    [token, { login: SANDBOX_LOGIN, privateAccess: true }],
    ...(options.extraTokens ?? []).map(
      t =>
        [
          t.token,
          { login: t.login, privateAccess: t.privateRepositories ?? false },
        ] as const,
    ),
  ]);

  const routes: RouteDef[] = [
    ...repoRoutes(deps),
    ...contentRoutes(deps),
    ...gitRoutes(deps),
    ...pullRoutes(deps),
    ...actionRoutes(deps),
    {
      operationId: 'rate-limit/get',
      handler: async () => {
        // Read before this request is counted, as GitHub does not count it either.
        const core = rateLimiter.state(`token:${token}`);
        const graphql = rateLimiter.state(`graphql:token:${token}`);
        const search = { limit: 30, remaining: 30, reset: core.reset, used: 0 };
        return { body: { resources: { core, search, graphql }, rate: core } };
      },
    },
  ];

  // Path templates and methods are read synchronously so routes can be
  // registered before the validators are compiled.
  const { pathTemplates, methods } = readOperations();
  const urlsOf = (req: Request): Urls => ({
    api: `${req.protocol}://${req.get('host')}${req.baseUrl}`,
    html: (options.htmlUrl ?? 'https://github.com').replace(/\/$/, ''),
  });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // ETags are computed from the JSON body below.
  app.set('query parser', 'extended');

  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': randomUUID().toUpperCase(),
      'access-control-expose-headers':
        'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-GitHub-Request-Id',
    });
    next();
  });
  // Every response carries the rate-limit headers of its token (or client
  // IP). GraphQL has its own budget, as on GitHub (resource `graphql`).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = tokenOf(req);
    const known = given !== undefined && users.has(given);
    const resource = req.path === '/graphql' ? 'graphql' : 'core';
    const key = `${resource === 'graphql' ? 'graphql:' : ''}${
      known ? `token:${given}` : `ip:${req.ip}`
    }`;
    const limit = known ? rateLimiter.limit : 60;
    res.locals.rateLimit = { key, limit, resource };
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
      if (status !== 304 && !res.locals.uncounted) rateLimiter.consume(key);
      const s = rateLimiter.state(key, limit);
      res.setHeader('x-ratelimit-limit', String(s.limit));
      res.setHeader('x-ratelimit-remaining', String(s.remaining));
      res.setHeader('x-ratelimit-reset', String(s.reset));
      res.setHeader('x-ratelimit-used', String(s.used));
      res.setHeader('x-ratelimit-resource', res.locals.rateLimit.resource);
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response['writeHead'];
    next();
  });
  app.use(faultMiddleware(faults, 'github', undefined, errorBody));

  // GitHub's secondary rate limit, switched on as a fault.
  app.use((req: Request, res: Response, next: NextFunction) => {
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
  });

  // Authentication, then the primary rate limit of that token.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = tokenOf(req);
    const { key, limit, resource } = res.locals.rateLimit as {
      key: string;
      limit: number;
      resource: 'core' | 'graphql';
    };
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
            message: `API rate limit already exceeded for user ID ${SANDBOX_LOGIN.length}.`,
          },
        ],
      });
      return;
    }
    if (state.remaining <= 0) {
      res.locals.uncounted = true;
      res.status(403).json({
        message: `API rate limit exceeded for user ID ${
          SANDBOX_LOGIN.length
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
  });

  app.use(express.json({ limit: '100mb', type: () => true }));

  for (const def of routes) {
    app.all(expressPath(def), handle(def));
  }

  app.post('/graphql', async (req: Request, res: Response) => {
    const { key, limit } = res.locals.rateLimit as {
      key: string;
      limit: number;
    };
    const body = (
      req.body && typeof req.body === 'object' ? req.body : {}
    ) as GraphqlRequestBody;
    try {
      res.json(
        await runGraphql(body, {
          git,
          privateAccess: users.get(tokenOf(req)!)!.privateAccess,
          rateLimit: rateLimiter.state(key, limit),
          ownerType,
        }),
      );
    } catch (error) {
      const e = toGitHubError(error);
      res.status(e.status).json(e.body(GRAPHQL_DOCS));
    }
  });

  function expressPath(def: RouteDef): string {
    return pathTemplates[def.operationId].replace(
      /\{([^}]+)\}/g,
      (_, n: string) => (n === def.greedy ? '*' : `:${n}`),
    );
  }

  function handle(def: RouteDef) {
    const method = methods[def.operationId];
    return async (req: Request, res: Response, next: NextFunction) => {
      if (req.method.toLowerCase() !== method) {
        next();
        return;
      }
      const spec = await specPromise;
      const docs = spec.documentationUrl(def.operationId) ?? DOCS;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.params)) {
        if (k === '0' && def.greedy) params[def.greedy] = v.replace(/^\/+/, '');
        else params[k] = v;
      }
      try {
        // express.json() leaves `{}` when there was no body; GET/DELETE have none.
        const empty =
          !req.body ||
          (typeof req.body === 'object' && Object.keys(req.body).length === 0);
        const body =
          empty && (method === 'get' || method === 'delete')
            ? undefined
            : req.body;
        const problems = spec.validateRequest(def.operationId, {
          method,
          pathParams: params,
          query: req.query as Record<string, unknown>,
          headers: req.headers,
          body,
        });
        if (problems.length) {
          throw new GitHubError(
            422,
            `Invalid request.\n\n${problems.map(p => p.message).join('\n')}`,
          );
        }
        const reply = await def.handler({
          params,
          query: req.query as Record<string, unknown>,
          headers: req.headers,
          body: req.body,
          urls: urlsOf(req),
          ...users.get(tokenOf(req)!)!,
        });
        const status = reply.status ?? 200;
        if (reply.headers) res.set(reply.headers);
        if (reply.pagination) {
          const link = linkHeader(
            `${req.protocol}://${req.get('host')}${req.originalUrl}`,
            reply.pagination,
          );
          if (link) res.set('link', link);
        }
        if (options.validateResponses && !reply.raw) {
          const errors = spec.validateResponse(
            def.operationId,
            status,
            reply.body,
          );
          if (errors.length) {
            res.status(500).json({
              message: `Sandbox response for ${
                def.operationId
              } (${status}) does not match GitHub's OpenAPI description:\n${errors
                .slice(0, 10)
                .map(e => e.message)
                .join('\n')}`,
              documentation_url: docs,
              status: '500',
            });
            return;
          }
        }
        if (reply.raw) {
          res.status(status).send(reply.raw);
          return;
        }
        if (reply.body === undefined) {
          res.status(status).end();
          return;
        }
        if (method === 'get' && status === 200) {
          const etag = etagOf(reply.body);
          res
            .set('etag', etag)
            .set('cache-control', 'private, max-age=60, s-maxage=60')
            .set('vary', 'Accept, Authorization, Cookie, X-GitHub-OTP');
          const match = req.get('if-none-match');
          if (match && match.split(/\s*,\s*/).includes(etag)) {
            res.status(304).end();
            return;
          }
        }
        res.status(status).json(reply.body);
      } catch (error) {
        const e = toGitHubError(error);
        if (e.extra.headers) res.set(e.extra.headers);
        const body = e.body(docs);
        if (options.validateResponses && e.status < 500) {
          const errors = spec.validateResponse(def.operationId, e.status, body);
          if (errors.length && spec.declaresStatus(def.operationId, e.status)) {
            res.status(500).json({
              message: `Sandbox error response for ${def.operationId} (${
                e.status
              }) does not match GitHub's OpenAPI description:\n${errors
                .map(x => x.message)
                .join('\n')}`,
              documentation_url: docs,
              status: '500',
            });
            return;
          }
        }
        res.status(e.status).json(body);
      }
    };
  }

  app.use((_req: Request, res: Response) => {
    res
      .status(404)
      .json({ message: 'Not Found', documentation_url: DOCS, status: '404' });
  });
  app.use(
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
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
    },
  );

  return {
    app,
    actions,
    rateLimiter,
    ready,
    stop() {
      actions.stop();
    },
  };
}

function toGitHubError(error: unknown): GitHubError {
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
