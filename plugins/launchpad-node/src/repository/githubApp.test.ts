import { createSign, generateKeyPairSync } from 'node:crypto';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { JWT_MESSAGES, startSandbox, type Sandbox } from '@internal/sandbox';
import { Octokit } from '@octokit/rest';
import { DefaultLaunchpadClustersService } from '../service/LaunchpadClustersService';
import { countingFetch, sandboxLaunchpadConfig } from '../testUtils';

const log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The sandbox's GitHub App as an `integrations.github[].apps` entry. */
function sandboxAppConfig(
  sandbox: Sandbox,
  privateKey = sandbox.github.app.privateKey,
) {
  return {
    appId: sandbox.github.app.appId,
    privateKey,
    // Backstage's config schema requires them; the App path does not use them.
    clientId: sandbox.github.app.clientId,
    clientSecret: 'unused-client-secret',
  };
}

/** Backstage's credentials provider configured with the sandbox's GitHub App. */
function appCredentialsProvider(sandbox: Sandbox, privateKey?: string) {
  return DefaultGithubCredentialsProvider.fromIntegrations(
    ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            {
              host: new URL(sandbox.github.url).host,
              apiBaseUrl: sandbox.github.url,
              apps: [sandboxAppConfig(sandbox, privateKey)],
            },
          ],
        },
      }),
    ),
  );
}

/**
 * The GitHub App path end to end: Backstage's own credentials provider (what
 * `integrations.github[].apps` configures) asks the sandbox's GitHub for an
 * installation token with an RS256 JWT, and the token reads the cluster
 * repository.
 */
describe('GitHub App credentials (against the sandbox)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  const appConfig = (privateKey?: string) =>
    sandboxAppConfig(sandbox, privateKey);
  const credentialsProvider = (privateKey?: string) =>
    appCredentialsProvider(sandbox, privateKey);
  const repositoryUrl = () =>
    `${sandbox.github.url}/${sandbox.clusters[0].repository}`;

  it('gets an installation token through DefaultGithubCredentialsProvider and reads the cluster repository with it', async () => {
    const credentials = await credentialsProvider().getCredentials({
      url: repositoryUrl(),
    });
    expect(credentials.type).toBe('app');
    expect(credentials.token).toMatch(/^ghs_/);
    const octokit = new Octokit({
      baseUrl: sandbox.github.url,
      auth: credentials.token,
      log,
    });
    const [owner, repo] = sandbox.clusters[0].repository.split('/');
    const config = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: 'instances/demo/config.yml',
    });
    expect(
      Buffer.from(
        (config.data as { content: string }).content,
        'base64',
      ).toString('utf8'),
    ).toContain('LMS_HOST: demo.');
    // The installation's own budget, not the sandbox token's.
    const user = new Octokit({
      baseUrl: sandbox.github.url,
      auth: sandbox.github.token,
      log,
    });
    const before = Number(
      (await user.rest.repos.get({ owner, repo })).headers['x-ratelimit-used'],
    );
    await octokit.rest.repos.get({ owner, repo });
    const after = Number(
      (await user.rest.repos.get({ owner, repo })).headers['x-ratelimit-used'],
    );
    expect(after).toBe(before + 1);
  }, 30_000);

  it('publishes the app id, private key and installation id in /_sandbox/state', async () => {
    const state = (await (await fetch(`${sandbox.adminUrl}/state`)).json()) as {
      githubApp: unknown;
    };
    expect(state.githubApp).toEqual(sandbox.github.app);
    expect(sandbox.github.app).toMatchObject({
      appId: expect.any(Number),
      installationId: expect.any(Number),
      privateKey: expect.stringContaining('-----BEGIN RSA PRIVATE KEY-----'),
    });
  });

  it('is refused with a private key that is not the app’s', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    await expect(
      credentialsProvider(otherKey).getCredentials({ url: repositoryUrl() }),
    ).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining(JWT_MESSAGES.undecodable),
    });
  }, 30_000);

  it('reads a cluster repository through the Launchpad clusters service configured with the App', async () => {
    const counter = countingFetch();
    const config = sandboxLaunchpadConfig(sandbox, {
      clusters: ['staging'],
      githubApp: appConfig(),
    });
    expect(config.integrations.github[0]).not.toHaveProperty('token');
    const service = DefaultLaunchpadClustersService.fromConfig(
      new ConfigReader(config),
      {
        logger: mockServices.logger.mock(),
        github: {
          retryAfterBaseValue: 1,
          writeSpacingMs: 0,
          fetch: counter.fetch,
        },
      },
    );
    const staging = service.get('staging');
    const read = await staging.repository.reader.read();
    expect(read.changed && read.instances.map(i => i.slug)).toEqual(
      expect.arrayContaining(['demo']),
    );
    const demo = await staging.repository.readInstance('demo');
    expect(demo).toBeDefined();
    // The App is the only credential configured: every read went out with
    // its installation token and none was refused.
    expect(counter.requests.length).toBeGreaterThan(0);
    expect(counter.requests.filter(r => r.status >= 400)).toEqual([]);
  }, 30_000);

  it('refuses an expired JWT as GitHub does', async () => {
    const { appId, privateKey, installationId } = sandbox.github.app;
    const now = Math.floor(sandbox.clock.nowMs() / 1000);
    const part = (value: unknown) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
      iss: appId,
      iat: now - 700,
      exp: now - 100,
    })}`;
    const expired = `${unsigned}.${createSign('RSA-SHA256')
      .update(unsigned)
      .sign(privateKey, 'base64url')}`;
    await expect(
      new Octokit({
        baseUrl: sandbox.github.url,
        auth: expired,
        log,
      }).rest.apps.createInstallationAccessToken({
        installation_id: installationId,
      }),
    ).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining(JWT_MESSAGES.expired),
    });
  }, 30_000);
});

describe('GitHub App credentials on a GitHub clock far from this machine’s', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0, seed: 'none' });
    await sandbox.git.createRepository('acme-edu', 'cluster', {
      private: true,
      files: { 'README.md': 'cluster\n' },
    });
    // Two hours ahead, before any request (a jump fires the controllers'
    // timers at once): every JWT this machine signs is expired there.
    sandbox.clock.advance(2 * 3_600_000);
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('still gets a token: @octokit/auth-app re-signs for the clock in GitHub’s Date header', async () => {
    const credentials = await appCredentialsProvider(sandbox).getCredentials({
      url: `${sandbox.github.url}/acme-edu/cluster`,
    });
    expect(credentials.type).toBe('app');
    const repo = await new Octokit({
      baseUrl: sandbox.github.url,
      auth: credentials.token,
      log,
    }).rest.repos.get({ owner: 'acme-edu', repo: 'cluster' });
    expect(repo.data.private).toBe(true);
  }, 30_000);
});
