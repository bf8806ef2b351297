import { mockServices } from '@backstage/backend-test-utils';
import { CoreV1Api } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { githubError, kubernetesError } from './errors';
import { createGitHubClient } from './github';
import { createKubeConfig } from './kubernetes';

describe('typed errors from the real clients (against the sandbox)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  const github = (token = sandbox.github.token) =>
    createGitHubClient({
      baseUrl: sandbox.github.url,
      token,
      logger: mockServices.logger.mock(),
      retries: 0,
      rateLimitRetries: 0,
      retryAfterBaseValue: 1,
      writeSpacingMs: 0,
    });
  const context = {
    action: 'read the cluster repository',
    cluster: 'staging',
    repository: 'acme-edu/nope',
  };

  it('turns a GitHub 404 into NotFoundError naming cluster, repository and status', async () => {
    const error = await github()
      .rest.repos.get({ owner: 'acme-edu', repo: 'nope' })
      .catch(e => githubError(e, context));
    expect(error).toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'Could not read the cluster repository (cluster staging, repository acme-edu/nope): GitHub answered 404; caused by GitHubError: Not Found',
      ),
    });
  });

  it('turns bad credentials into NotAllowedError without the token', async () => {
    const error = await github('ghp_wrongtokenvalue')
      .rest.repos.get({ owner: 'acme-edu', repo: 'launchpad-cluster-staging' })
      .catch(e => githubError(e, context));
    expect(error).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('GitHub answered 401'),
    });
    expect(JSON.stringify(error)).not.toContain('ghp_wrongtokenvalue');
    expect(String((error as Error).cause)).not.toContain('ghp_wrongtokenvalue');
  });

  it('turns a rate-limit 403 into ServiceUnavailableError, not NotAllowedError', async () => {
    sandbox.faults.add({ kind: 'rate-limit', retryAfterSeconds: 1, count: 1 });
    const error = await github()
      .rest.repos.get({ owner: 'acme-edu', repo: 'launchpad-cluster-staging' })
      .catch(e => githubError(e, context));
    expect(error).toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining(
        'GitHub answered 403 (rate limit exceeded)',
      ),
    });
  });

  it('turns a GitHub 502 into ServiceUnavailableError', async () => {
    sandbox.faults.add({
      kind: 'http-error',
      service: 'github',
      status: 502,
      count: 1,
    });
    const error = await github()
      .rest.repos.get({ owner: 'acme-edu', repo: 'launchpad-cluster-staging' })
      .catch(e => githubError(e, context));
    expect(error).toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining('GitHub answered 502'),
    });
  });

  it('maps a GraphQL error type as its REST status (NOT_FOUND is NotFoundError)', async () => {
    const error = await github()
      .graphql(
        `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { id } }`,
        { owner: 'acme-edu', name: 'nope' },
      )
      .catch(e => githubError(e, context));
    expect(error).toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('GitHub answered 404'),
    });
  });

  const kube = (token: string) => {
    const cluster = sandbox.clusters.find(c => c.name === 'staging')!;
    return createKubeConfig({
      name: 'staging',
      environment: 'staging',
      domain: cluster.domain,
      repository: cluster.repository,
      branch: 'main',
      kubernetes: { url: cluster.kubernetesUrl, token, skipTLSVerify: false },
    }).makeApiClient(CoreV1Api);
  };

  it('turns a Kubernetes 404 into NotFoundError with the Status message', async () => {
    const cluster = sandbox.clusters.find(c => c.name === 'staging')!;
    const error = await kube(cluster.token)
      .readNamespace({ name: 'no-such-namespace' })
      .catch(e =>
        kubernetesError(e, { action: 'read namespace', cluster: 'staging' }),
      );
    expect(error).toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(
        /Could not read namespace \(cluster staging\): Kubernetes answered 404; caused by KubernetesError: namespaces "no-such-namespace" not found/,
      ),
    });
  });

  it('turns a refused Kubernetes token into NotAllowedError', async () => {
    const error = await kube('not-the-token')
      .listNamespace()
      .catch(e =>
        kubernetesError(e, { action: 'list namespaces', cluster: 'staging' }),
      );
    expect(error).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('Kubernetes answered 401'),
    });
    expect((error as Error).message).not.toContain('not-the-token');
  });
});
