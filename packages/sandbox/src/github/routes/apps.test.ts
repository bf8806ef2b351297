import { createSign, generateKeyPairSync } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { startTestGitHub } from '../testing';
import type { TestGitHub } from '../testing';
import { JWT_MESSAGES } from './apps';

const log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** An app JWT signed as `universal-github-app-jwt` signs them (RS256), with claims to tamper with. */
function appJwt(
  privateKey: string,
  claims: { iss: number | string; iat: number; exp: number },
): string {
  const part = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(privateKey, 'base64url');
  return `${unsigned}.${signature}`;
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const e = error as {
      status: number;
      response?: {
        headers: Record<string, string>;
        data: { message?: string };
      };
    };
    return {
      status: e.status,
      message: e.response?.data.message,
      headers: e.response?.headers ?? {},
    };
  }
  throw new Error('expected the request to fail');
}

describe('GitHub App (JWT, installations, installation tokens)', () => {
  let gh: TestGitHub;
  const now = () => Math.floor(gh.clock.nowMs() / 1000);
  const jwt = (
    overrides: Partial<{ iss: number; iat: number; exp: number }> = {},
  ) =>
    appJwt(gh.api.apps.info().privateKey, {
      iss: gh.api.apps.info().appId,
      iat: now() - 30,
      exp: now() + 570,
      ...overrides,
    });
  const asApp = (token = jwt()) =>
    new Octokit({ baseUrl: gh.url, auth: token, log });

  beforeAll(async () => {
    gh = await startTestGitHub({
      app: {
        installations: [
          { account: 'acme-edu' },
          {
            account: 'partner-org',
            repositorySelection: 'selected',
            repositories: ['shared'],
          },
        ],
      },
    });
    await gh.git.createRepository('acme-edu', 'cluster', {
      private: true,
      files: { 'README.md': 'cluster\n' },
    });
    await gh.git.createRepository('partner-org', 'shared', { private: true });
    await gh.git.createRepository('partner-org', 'other', { private: true });
  }, 60_000);
  afterAll(async () => {
    await gh?.stop();
  }, 30_000);

  it('lists its installations and issues installation tokens that read the installation’s repositories', async () => {
    const app = asApp();
    const me = await app.rest.apps.getAuthenticated();
    expect(me.data).toMatchObject({ id: gh.api.apps.info().appId });
    const installations = await app.rest.apps.listInstallations();
    expect(
      installations.data.map(i => [i.account?.login, i.repository_selection]),
    ).toEqual([
      ['acme-edu', 'all'],
      ['partner-org', 'selected'],
    ]);
    expect(installations.data[0].id).toBe(gh.api.apps.info().installationId);

    const created = await app.rest.apps.createInstallationAccessToken({
      installation_id: installations.data[0].id,
    });
    expect(created.status).toBe(201);
    expect(created.data.token).toMatch(/^ghs_[A-Za-z0-9_-]{36}$/);
    // One hour ahead on the sandbox clock (GitHub: tokens expire after an hour).
    expect(
      Math.abs(
        Date.parse(created.data.expires_at) - (gh.clock.nowMs() + 3_600_000),
      ),
    ).toBeLessThan(5_000);

    const installation = new Octokit({
      baseUrl: gh.url,
      auth: created.data.token,
      log,
    });
    const repo = await installation.rest.repos.get({
      owner: 'acme-edu',
      repo: 'cluster',
    });
    expect(repo.data.private).toBe(true);
    const text = await installation.graphql<{
      repository: { object: { text: string } };
    }>(
      '{ repository(owner: "acme-edu", name: "cluster") { object(expression: "main:README.md") { ... on Blob { text } } } }',
    );
    expect(text.repository.object.text).toBe('cluster\n');
  });

  it('gives a selected installation only its repositories', async () => {
    const app = asApp();
    const installations = await app.rest.apps.listInstallations();
    const partner = installations.data.find(
      i => i.account?.login === 'partner-org',
    )!;
    const { data } = await app.rest.apps.createInstallationAccessToken({
      installation_id: partner.id,
    });
    expect(data.repository_selection).toBe('selected');
    expect(data.repositories?.map(r => r.full_name)).toEqual([
      'partner-org/shared',
    ]);
    const installation = new Octokit({
      baseUrl: gh.url,
      auth: data.token,
      log,
    });
    // What Backstage's GithubAppManager reads for a `selected` installation.
    const listed = await installation.paginate(
      installation.rest.apps.listReposAccessibleToInstallation,
    );
    expect(listed.map(r => r.full_name)).toEqual(['partner-org/shared']);
    expect(
      (
        await installation.rest.repos.get({
          owner: 'partner-org',
          repo: 'shared',
        })
      ).status,
    ).toBe(200);
    // A private repository outside the installation is hidden, as on GitHub.
    expect(
      (
        await failure(
          installation.rest.repos.get({ owner: 'partner-org', repo: 'other' }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await failure(
          installation.rest.repos.get({ owner: 'acme-edu', repo: 'cluster' }),
        )
      ).status,
    ).toBe(404);
    const graphql = await installation
      .graphql<{
        repository: unknown;
      }>('{ repository(owner: "partner-org", name: "other") { id } }')
      .catch((e: { errors?: Array<{ type: string }> }) => e);
    expect(
      (graphql as { errors?: Array<{ type: string }> }).errors?.[0].type,
    ).toBe('NOT_FOUND');
    // Narrowing to a repository the installation lacks is refused.
    expect(
      (
        await failure(
          app.rest.apps.createInstallationAccessToken({
            installation_id: partner.id,
            repositories: ['other'],
          }),
        )
      ).status,
    ).toBe(422);
  });

  it('refuses JWTs as GitHub does: wrong key, expired, too long, issued in the future', async () => {
    // The sandbox clock, far from the machine's, is what JWTs are checked against.
    gh.clock.advance(2 * 3_600_000);
    const installations = '/app/installations';
    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const cases: Array<[string, string]> = [
      [
        appJwt(wrongKey, {
          iss: gh.api.apps.info().appId,
          iat: now() - 30,
          exp: now() + 570,
        }),
        JWT_MESSAGES.undecodable,
      ],
      [jwt({ iss: 42 }), JWT_MESSAGES.undecodable],
      [jwt({ iat: now() - 700, exp: now() - 100 }), JWT_MESSAGES.expired],
      [jwt({ exp: now() + 660 }), JWT_MESSAGES.tooLong],
      [jwt({ iat: now() + 120 }), JWT_MESSAGES.issuedInFuture],
      // A personal access token is not a JWT.
      [gh.token, JWT_MESSAGES.undecodable],
    ];
    for (const [token, message] of cases) {
      const refused = await failure(
        asApp(token).request(`GET ${installations}`),
      );
      expect({ status: refused.status, message: refused.message }).toEqual({
        status: 401,
        message,
      });
      // GitHub's clock, which @octokit/auth-app uses to correct a skewed JWT.
      expect(
        Math.abs(Date.parse(refused.headers.date) - gh.clock.nowMs()),
      ).toBeLessThan(5_000);
    }
    // The JWT authenticates only the app endpoints.
    const onRepo = await failure(
      asApp().rest.repos.get({ owner: 'acme-edu', repo: 'cluster' }),
    );
    expect([onRepo.status, onRepo.message]).toEqual([401, 'Bad credentials']);
  });

  it('finds the installation of an organization or repository, and revokes a token', async () => {
    const app = asApp();
    const { installationId } = gh.api.apps.info();
    expect(
      (await app.rest.apps.getInstallation({ installation_id: installationId }))
        .data.account,
    ).toMatchObject({ login: 'acme-edu' });
    expect(
      (await app.rest.apps.getOrgInstallation({ org: 'partner-org' })).data
        .repository_selection,
    ).toBe('selected');
    expect(
      (
        await app.rest.apps.getRepoInstallation({
          owner: 'acme-edu',
          repo: 'cluster',
        })
      ).data.id,
    ).toBe(installationId);
    // partner-org/other is not in that installation's selection.
    expect(
      (
        await failure(
          app.rest.apps.getRepoInstallation({
            owner: 'partner-org',
            repo: 'other',
          }),
        )
      ).status,
    ).toBe(404);

    const { data } = await app.rest.apps.createInstallationAccessToken({
      installation_id: installationId,
    });
    const installation = new Octokit({
      baseUrl: gh.url,
      auth: data.token,
      log,
    });
    expect(
      (await installation.rest.apps.revokeInstallationAccessToken()).status,
    ).toBe(204);
    const revoked = await failure(
      installation.rest.repos.get({ owner: 'acme-edu', repo: 'cluster' }),
    );
    expect([revoked.status, revoked.message]).toEqual([401, 'Bad credentials']);
  });

  it('expires installation tokens after an hour on the sandbox clock', async () => {
    const { data } = await asApp().rest.apps.createInstallationAccessToken({
      installation_id: gh.api.apps.info().installationId,
    });
    const installation = new Octokit({
      baseUrl: gh.url,
      auth: data.token,
      log,
    });
    await installation.rest.repos.get({ owner: 'acme-edu', repo: 'cluster' });
    gh.clock.advance(3_600_000);
    const expired = await failure(
      installation.rest.repos.get({ owner: 'acme-edu', repo: 'cluster' }),
    );
    expect([expired.status, expired.message]).toEqual([401, 'Bad credentials']);
  });

  it('counts an installation’s tokens against one budget of their own', async () => {
    const app = asApp();
    const token = async () =>
      (
        await app.rest.apps.createInstallationAccessToken({
          installation_id: gh.api.apps.info().installationId,
        })
      ).data.token;
    const first = new Octokit({ baseUrl: gh.url, auth: await token(), log });
    const second = new Octokit({ baseUrl: gh.url, auth: await token(), log });
    const user = new Octokit({ baseUrl: gh.url, auth: gh.token, log });
    const used = async (client: Octokit) =>
      Number(
        (await client.rest.repos.get({ owner: 'acme-edu', repo: 'cluster' }))
          .headers['x-ratelimit-used'],
      );
    const u1 = await used(user);
    const a = await used(first);
    const b = await used(second);
    const c = await used(first);
    const u2 = await used(user);
    expect(b).toBe(a + 1);
    expect(c).toBe(b + 1);
    expect(u2).toBe(u1 + 1); // the user token's budget is its own
    // GET /rate_limit reports the caller's budget, not the user token's.
    const limits = await second.rest.rateLimit.get();
    expect(limits.data.rate.used).toBe(c);
  });
});
