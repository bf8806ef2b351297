import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { SandboxClock } from '../../clock';
import type { DispatchOptions } from '../dispatch';
import { mountRoutes } from '../dispatch';
import type { GitStore, RepositoryInfo } from '../gitStore';
import { DOCS, GitHubError, notFound, paginate } from '../http';
import type { RateLimiter, RouteDef, RouteRequest } from '../http';
import type { RateLimitLocals, TokenUser } from '../middleware';
import { tokenOf } from '../middleware';
import { iso, simpleUser, stableId } from '../representations';
import type { Urls } from '../representations';
import { repoJson } from './repos';
import type { ApiDeps } from './deps';

/**
 * A GitHub App and its installations, as GitHub serves them to an app:
 * - the app authenticates with an RS256 JWT it signs with its private key
 *   (`iss` = app id, `exp` at most 10 minutes ahead), accepted only on the
 *   app endpoints (`/app/...`, `/orgs/{org}/installation`,
 *   `/repos/{o}/{r}/installation`), as on GitHub;
 * - `POST /app/installations/{id}/access_tokens` issues an installation token
 *   (`ghs_…`, expiring one hour later on the sandbox clock) that the rest of
 *   the API accepts with the installation's repository access, and whose
 *   requests count against the installation's own rate-limit budget.
 * What `@backstage/integration`'s GithubAppCredentialsMux and
 * `@octokit/auth-app` call; docs:
 * https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 * https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app
 */
export interface SandboxGitHubAppOptions {
  /** Default 1,000,001 (GitHub app ids are integers). */
  appId?: number;
  /** Default `launchpad-portal-sandbox`. */
  slug?: string;
  /** The app's private key (PKCS#1 or PKCS#8 PEM); default one RSA key generated per process. */
  privateKey?: string;
  /** Where the app is installed; default one installation on `acme-edu`, all repositories. */
  installations?: SandboxGitHubAppInstallation[];
}

export interface SandboxGitHubAppInstallation {
  /** Default derived from the account name. */
  id?: number;
  /** The organization (or user) the app is installed on. */
  account: string;
  /** `all` (default): every repository of the account; `selected`: `repositories` only. */
  repositorySelection?: 'all' | 'selected';
  /** Repository names (without owner) when `repositorySelection` is `selected`. */
  repositories?: string[];
}

/** What tests and the dev config need to authenticate as the app. */
export interface SandboxGitHubAppInfo {
  appId: number;
  slug: string;
  clientId: string;
  /** PEM (PKCS#1, as GitHub's downloaded keys are). */
  privateKey: string;
  /** The first installation's id (on `acme-edu` by default). */
  installationId: number;
  installations: Array<{ id: number; account: string }>;
}

interface Installation {
  id: number;
  account: string;
  repositorySelection: 'all' | 'selected';
  repositories: Set<string>;
  createdAt: Date;
}

interface InstallationToken {
  installation: Installation;
  expiresAt: number;
  /** Narrowed at creation (`repositories` / `repository_ids`); undefined = the installation's. */
  repositories?: Set<string>;
}

/** GitHub: "Installation access tokens expire after 1 hour." */
const TOKEN_LIFETIME_MS = 3_600_000;
/** GitHub refuses a JWT whose `exp` is more than 10 minutes ahead. */
const MAX_JWT_LIFETIME_S = 600;
const PERMISSIONS = {
  actions: 'write',
  contents: 'write',
  metadata: 'read',
  pull_requests: 'write',
  workflows: 'write',
} as const;

/**
 * The app endpoints that take the JWT (and only the JWT): those of the list
 * `@octokit/auth-app` keeps in `requires-app-auth.js` that are served here.
 */
const JWT_PATHS = [
  /^\/app\/?$/,
  /^\/app\/installations\/?$/,
  /^\/app\/installations\/[^/]+\/?$/,
  /^\/app\/installations\/[^/]+\/access_tokens\/?$/,
  /^\/orgs\/[^/]+\/installation\/?$/,
  /^\/repos\/[^/]+\/[^/]+\/installation\/?$/,
];

/** GitHub's 401 messages for a refused JWT (the two time ones are what auth-app's clock-skew retry matches). */
export const JWT_MESSAGES = {
  undecodable: 'A JSON web token could not be decoded',
  expired:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooLong: "'Expiration time' claim ('exp') is too far in the future",
  issuedInFuture:
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
} as const;

let processKey: string | undefined;
/** One 2048-bit key per process: generating one per sandbox start would cost ~0.1 s each. */
function defaultPrivateKey(): string {
  processKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  return processKey;
}

function base64urlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A Map of the fixed token users that also answers for installation tokens. */
class TokenUsers extends Map<string, TokenUser> {
  constructor(
    users: Iterable<readonly [string, TokenUser]>,
    private readonly installationUser: (token: string) => TokenUser | undefined,
  ) {
    super(users);
  }

  override get(token: string): TokenUser | undefined {
    return super.get(token) ?? this.installationUser(token);
  }

  override has(token: string): boolean {
    return this.get(token) !== undefined;
  }
}

export class SandboxGitHubApps {
  readonly appId: number;
  readonly slug: string;
  readonly clientId: string;
  private readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  private readonly installations: Installation[];
  private readonly tokens = new Map<string, InstallationToken>();
  private readonly createdAt: Date;

  constructor(
    options: SandboxGitHubAppOptions,
    private readonly deps: {
      git: GitStore;
      clock: SandboxClock;
      rateLimiter: RateLimiter;
    },
  ) {
    this.appId = options.appId ?? 1_000_001;
    this.slug = options.slug ?? 'launchpad-portal-sandbox';
    this.clientId = `Iv23${stableId(`app:${this.appId}`)}`;
    this.privateKeyPem = options.privateKey ?? defaultPrivateKey();
    this.publicKey = createPublicKey(createPrivateKey(this.privateKeyPem));
    this.createdAt = deps.clock.now();
    this.installations = (
      options.installations ?? [{ account: 'acme-edu' }]
    ).map(i => ({
      id: i.id ?? stableId(`installation:${this.appId}:${i.account}`),
      account: i.account,
      repositorySelection: i.repositorySelection ?? 'all',
      repositories: new Set(
        (i.repositories ?? []).map(name => name.toLowerCase()),
      ),
      createdAt: this.createdAt,
    }));
  }

  info(): SandboxGitHubAppInfo {
    return {
      appId: this.appId,
      slug: this.slug,
      clientId: this.clientId,
      privateKey: this.privateKeyPem,
      installationId: this.installations[0]?.id ?? 0,
      installations: this.installations.map(i => ({
        id: i.id,
        account: i.account,
      })),
    };
  }

  /**
   * The caller an unexpired installation token stands for (undefined for
   * anything else): the installation's bot, its repository access and its
   * own rate-limit bucket.
   */
  installationUser(token: string): TokenUser | undefined {
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    if (issued.expiresAt <= this.deps.clock.nowMs()) {
      this.tokens.delete(token);
      return undefined;
    }
    const { installation } = issued;
    return {
      login: `${this.slug}[bot]`,
      privateAccess: true,
      rateLimitKey: `installation:${installation.id}`,
      installation: { id: installation.id, token },
      repositoryAccess: (owner, name) =>
        this.covers(installation, owner, name) &&
        (!issued.repositories || issued.repositories.has(name.toLowerCase())),
    };
  }

  /**
   * The token users, plus every unexpired installation token: what the
   * authentication middleware and route dispatch look tokens up in.
   */
  withInstallationTokens(
    users: Iterable<readonly [string, TokenUser]>,
  ): ReadonlyMap<string, TokenUser> {
    return new TokenUsers(users, token => this.installationUser(token));
  }

  private covers(installation: Installation, owner: string, name: string) {
    if (owner.toLowerCase() !== installation.account.toLowerCase()) {
      return false;
    }
    return (
      installation.repositorySelection === 'all' ||
      installation.repositories.has(name.toLowerCase())
    );
  }

  private repositoriesOf(
    installation: Installation,
    only?: Set<string>,
  ): RepositoryInfo[] {
    return this.deps.git
      .listRepositories()
      .filter(
        info =>
          this.covers(installation, info.owner, info.name) &&
          (!only || only.has(info.name.toLowerCase())),
      )
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Verifies an app JWT as GitHub does: RS256 signed with the app's key,
   * `iss` the app id (or client id), `iat` not in the future and `exp` in
   * the future but at most 10 minutes ahead, on the sandbox clock.
   */
  verifyJwt(token: string): void {
    const parts = token.split('.');
    const undecodable = () => new GitHubError(401, JWT_MESSAGES.undecodable);
    if (parts.length !== 3) throw undecodable();
    const header = base64urlJson(parts[0]) as { alg?: unknown } | undefined;
    const claims = base64urlJson(parts[1]) as
      | { iss?: unknown; iat?: unknown; exp?: unknown }
      | undefined;
    if (header?.alg !== 'RS256' || !claims) throw undecodable();
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      this.publicKey,
      Buffer.from(parts[2], 'base64url'),
    );
    const issuer = String(claims.iss);
    if (!signed || (issuer !== String(this.appId) && issuer !== this.clientId))
      throw undecodable();
    const now = Math.floor(this.deps.clock.nowMs() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= now) {
      throw new GitHubError(401, JWT_MESSAGES.expired);
    }
    if (claims.exp > now + MAX_JWT_LIFETIME_S) {
      throw new GitHubError(401, JWT_MESSAGES.tooLong);
    }
    if (!Number.isInteger(claims.iat) || (claims.iat as number) > now) {
      throw new GitHubError(401, JWT_MESSAGES.issuedInFuture);
    }
  }

  /**
   * The app endpoints, mounted before the token authentication: each takes
   * the app's JWT, refuses any other credential with GitHub's 401, and
   * counts against the app's own rate-limit bucket. Every answer carries the
   * sandbox clock in `Date`, which `@octokit/auth-app` uses to correct a
   * JWT refused for clock skew (the sandbox clock may run fast or stand still).
   */
  jwtApp(
    deps: ApiDeps,
    options: Omit<DispatchOptions, 'users'>,
  ): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.set('query parser', 'extended');
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (!JWT_PATHS.some(p => p.test(req.path))) {
        next('router');
        return;
      }
      res.setHeader('date', this.deps.clock.now().toUTCString());
      const token = tokenOf(req);
      if (!token) {
        res.status(401).json({
          message:
            'You must authenticate with a JSON Web Token (JWT) to access this endpoint.',
          documentation_url: DOCS,
          status: '401',
        });
        return;
      }
      try {
        this.verifyJwt(token);
      } catch (error) {
        const e = error as GitHubError;
        res.status(e.status).json(e.body(DOCS));
        return;
      }
      // The app's own bucket (rateLimitHeaders reads it when the answer goes out).
      const locals = res.locals.rateLimit as RateLimitLocals;
      locals.key = `app:${this.appId}`;
      locals.limit = this.deps.rateLimiter.limit;
      if (this.deps.rateLimiter.state(locals.key).remaining <= 0) {
        res.locals.uncounted = true;
        res.status(403).json({
          message: 'API rate limit exceeded for app.',
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit',
          status: '403',
        });
        return;
      }
      next();
    });
    app.use(express.json({ limit: '1mb', type: () => true }));
    const routes = this.jwtRoutes(deps);
    // A JWT is no token user: handlers here read no login or repository access.
    mountRoutes(app, routes, { ...options, users: new Map() });
    return app;
  }

  private installationJson(urls: Urls, installation: Installation) {
    const accountType = 'Organization' as const;
    const account = simpleUser(urls, installation.account, accountType);
    return {
      id: installation.id,
      client_id: this.clientId,
      account,
      repository_selection: installation.repositorySelection,
      access_tokens_url: `${urls.api}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${urls.api}/installation/repositories`,
      html_url: `${urls.html}/organizations/${installation.account}/settings/installations/${installation.id}`,
      app_id: this.appId,
      app_slug: this.slug,
      target_id: account.id,
      target_type: accountType,
      permissions: PERMISSIONS,
      events: ['push'],
      created_at: iso(installation.createdAt),
      updated_at: iso(installation.createdAt),
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: null,
    };
  }

  private installationById(id: string): Installation {
    const found = this.installations.find(i => String(i.id) === id);
    if (!found) throw notFound();
    return found;
  }

  private installationOfAccount(account: string): Installation {
    const found = this.installations.find(
      i => i.account.toLowerCase() === account.toLowerCase(),
    );
    if (!found) throw notFound();
    return found;
  }

  private jwtRoutes(deps: ApiDeps): RouteDef[] {
    const installation = (req: RouteRequest, i: Installation) =>
      this.installationJson(req.urls, i);
    return [
      {
        operationId: 'apps/get-authenticated',
        handler: async req => ({
          body: {
            id: this.appId,
            slug: this.slug,
            client_id: this.clientId,
            node_id: Buffer.from(`A_${this.appId}`).toString('base64'),
            owner: simpleUser(
              req.urls,
              this.installations[0]?.account ?? 'acme-edu',
              'Organization',
            ),
            name: 'Launchpad Portal (sandbox)',
            description: 'The GitHub App the Launchpad Portal authenticates as',
            external_url: req.urls.html,
            html_url: `${req.urls.html}/apps/${this.slug}`,
            created_at: iso(this.createdAt),
            updated_at: iso(this.createdAt),
            permissions: PERMISSIONS,
            events: ['push'],
            installations_count: this.installations.length,
          },
        }),
      },
      {
        operationId: 'apps/list-installations',
        handler: async req => {
          const page = paginate(this.installations, req.query, 30);
          return {
            // GitHub's description of this list (unlike the single
            // installation's) has `account: allOf [simple-user, enterprise]`;
            // the enterprise fields make the account valid against both.
            body: page.items.map(i => {
              const json = installation(req, i);
              return {
                ...json,
                account: {
                  ...json.account,
                  name: i.account,
                  slug: i.account,
                  created_at: iso(this.createdAt),
                  updated_at: iso(this.createdAt),
                },
              };
            }),
            pagination: page.pagination,
          };
        },
      },
      {
        operationId: 'apps/get-installation',
        handler: async req => ({
          body: installation(
            req,
            this.installationById(req.params.installation_id),
          ),
        }),
      },
      {
        operationId: 'apps/get-org-installation',
        handler: async req => ({
          body: installation(req, this.installationOfAccount(req.params.org)),
        }),
      },
      {
        operationId: 'apps/get-repo-installation',
        handler: async req => {
          const info = deps.git.getRepository(
            req.params.owner,
            req.params.repo,
          );
          const found = this.installations.find(
            i => info && this.covers(i, info.owner, info.name),
          );
          if (!found) throw notFound();
          return { body: installation(req, found) };
        },
      },
      {
        operationId: 'apps/create-installation-access-token',
        handler: async req => {
          const target = this.installationById(req.params.installation_id);
          const body = (req.body ?? {}) as {
            repositories?: string[];
            repository_ids?: number[];
          };
          let only: Set<string> | undefined;
          if (body.repositories || body.repository_ids) {
            const available = this.repositoriesOf(target);
            const names = new Set(
              (body.repositories ?? []).map(n => n.toLowerCase()),
            );
            const ids = new Set(body.repository_ids ?? []);
            const chosen = available.filter(
              r => names.has(r.name.toLowerCase()) || ids.has(r.id),
            );
            if (chosen.length < names.size + ids.size) {
              // GitHub's answer when a named repository is not in the installation.
              throw new GitHubError(
                422,
                'There is at least one repository that does not exist or is not accessible to the parent installation.',
              );
            }
            only = new Set(chosen.map(r => r.name.toLowerCase()));
          }
          const token = `ghs_${randomBytes(27)
            .toString('base64url')
            .slice(0, 36)}`;
          const expiresAt = this.deps.clock.nowMs() + TOKEN_LIFETIME_MS;
          this.tokens.set(token, {
            installation: target,
            expiresAt,
            repositories: only,
          });
          const selection = only ? 'selected' : target.repositorySelection;
          return {
            status: 201,
            body: {
              token,
              expires_at: iso(new Date(expiresAt)),
              permissions: PERMISSIONS,
              repository_selection: selection,
              ...(selection === 'selected'
                ? {
                    repositories: this.repositoriesOf(target, only).map(r =>
                      repoJson(deps, req.urls, r),
                    ),
                  }
                : {}),
            },
          };
        },
      },
    ];
  }

  /** Routes an installation token calls (mounted with the other token routes). */
  installationRoutes(deps: ApiDeps): RouteDef[] {
    return [
      {
        operationId: 'apps/list-repos-accessible-to-installation',
        handler: async req => {
          const issued = this.issuedTo(req);
          const all = this.repositoriesOf(
            issued.installation,
            issued.repositories,
          );
          const page = paginate(all, req.query, 30);
          return {
            body: {
              total_count: all.length,
              repository_selection: issued.repositories
                ? 'selected'
                : issued.installation.repositorySelection,
              repositories: page.items.map(r => repoJson(deps, req.urls, r)),
            },
            pagination: page.pagination,
          };
        },
      },
      {
        operationId: 'apps/revoke-installation-access-token',
        handler: async req => {
          this.issuedTo(req);
          this.tokens.delete(req.installation!.token);
          return { status: 204 };
        },
      },
    ];
  }

  /** The installation token the request was made with (403 for any other credential). */
  private issuedTo(req: RouteRequest): InstallationToken {
    const issued = req.installation && this.tokens.get(req.installation.token);
    if (!issued) {
      // The sandbox's wording: GitHub documents only that these endpoints
      // take an installation access token.
      throw new GitHubError(
        403,
        'This endpoint requires an installation access token',
      );
    }
    return issued;
  }
}
