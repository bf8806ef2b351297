import express from 'express';
import type { Request, Response } from 'express';
import type { SandboxClock } from '../clock';
import { FaultRegistry, faultMiddleware } from '../faults';
import { GitStore } from './gitStore';
import { RateLimiter } from './http';
import type { RouteDef } from './http';
import { GitHubSpec } from './openapi';
import { GRAPHQL_DOCS, runGraphql } from './graphql';
import type { GraphqlRequestBody } from './graphql';
import { Actions } from './actions';
import { PullRequests } from './pulls';
import { mountRoutes } from './dispatch';
import {
  authentication,
  errorBody,
  errorHandler,
  githubHeaders,
  notFoundHandler,
  rateLimitHeaders,
  secondaryRateLimit,
  toGitHubError,
  tokenOf,
} from './middleware';
import type { RateLimitLocals } from './middleware';
import type { ApiDeps } from './routes/deps';
import { ROUTE_MODULES } from './routes';
import { SandboxGitHubApps } from './routes/apps';
import type { SandboxGitHubAppOptions } from './routes/apps';
import { CODELOAD_PATH, tarballDownloads } from './routes/tarball';

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
  /** The GitHub App (JWT auth, installations, installation tokens); routes/apps.ts. */
  app?: SandboxGitHubAppOptions;
}

export interface GitHubApi {
  /** Mount at '/'. */
  app: express.Express;
  /** The simulated GitHub Actions (workflow runs). */
  actions: Actions;
  /** Primary rate-limit accounting (admin/tests can exhaust it). */
  rateLimiter: RateLimiter;
  /** The GitHub App: its id, key and installations. */
  apps: SandboxGitHubApps;
  /** Resolves once GitHub's OpenAPI description is compiled (requests wait for it anyway). */
  ready: Promise<void>;
  stop(): void;
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
  const deps: ApiDeps = {
    git,
    clock,
    pulls,
    actions,
    ownerType,
    login: SANDBOX_LOGIN,
    rateLimiter,
    token,
  };
  const apps = new SandboxGitHubApps(options.app ?? {}, {
    git,
    clock,
    rateLimiter,
  });
  const users = apps.withInstallationTokens([
    [
      token,
      {
        login: SANDBOX_LOGIN,
        privateAccess: true,
        rateLimitKey: `token:${token}`,
      },
    ],
    ...(options.extraTokens ?? []).map(
      t =>
        [
          t.token,
          {
            login: t.login,
            privateAccess: t.privateRepositories ?? false,
            rateLimitKey: `token:${t.token}`,
          },
        ] as const,
    ),
  ]);

  const tarball = tarballDownloads(deps);
  const routes: RouteDef[] = [
    ...ROUTE_MODULES.flatMap(module => module(deps)),
    ...apps.installationRoutes(deps),
    ...tarball.routes,
  ];
  const dispatch = {
    spec: specPromise,
    validateResponses: options.validateResponses,
    htmlUrl: options.htmlUrl ?? 'https://github.com',
  };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // ETags are computed from the JSON body (dispatch.ts).
  app.set('query parser', 'extended');

  app.use(githubHeaders());
  app.use(rateLimitHeaders(rateLimiter, users));
  app.use(faultMiddleware(faults, 'github', undefined, errorBody));
  app.use(secondaryRateLimit(faults));
  app.use(CODELOAD_PATH, tarball.router); // archive downloads: no auth, not counted
  app.use(apps.jwtApp(deps, dispatch)); // the App's JWT endpoints
  app.use(authentication(rateLimiter, users, SANDBOX_LOGIN));
  app.use(express.json({ limit: '100mb', type: () => true }));

  mountRoutes(app, routes, { ...dispatch, users });

  app.post('/graphql', async (req: Request, res: Response) => {
    const { key, limit } = res.locals.rateLimit as RateLimitLocals;
    const body = (
      req.body && typeof req.body === 'object' ? req.body : {}
    ) as GraphqlRequestBody;
    try {
      res.json(
        await runGraphql(body, {
          git,
          login: users.get(tokenOf(req)!)!.login,
          privateAccess: users.get(tokenOf(req)!)!.privateAccess,
          repositoryAccess: users.get(tokenOf(req)!)!.repositoryAccess,
          rateLimit: rateLimiter.state(key, limit),
          ownerType,
        }),
      );
    } catch (error) {
      const e = toGitHubError(error);
      res.status(e.status).json(e.body(GRAPHQL_DOCS));
    }
  });

  app.use(notFoundHandler());
  app.use(errorHandler());

  return {
    app,
    actions,
    rateLimiter,
    apps,
    ready,
    stop() {
      actions.stop();
    },
  };
}
