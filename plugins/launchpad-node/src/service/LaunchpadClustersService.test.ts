import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { countingFetch, sandboxLaunchpadConfig } from '../testUtils';
import { DefaultLaunchpadClustersService } from './LaunchpadClustersService';

describe('DefaultLaunchpadClustersService (against the sandbox)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  const build = (data: object, counter = countingFetch()) => {
    const logger = mockServices.logger.mock();
    const service = DefaultLaunchpadClustersService.fromConfig(
      new ConfigReader(data),
      {
        logger,
        github: {
          retryAfterBaseValue: 1,
          writeSpacingMs: 0,
          fetch: counter.fetch,
        },
      },
    );
    return { service, counter, logger };
  };

  it('hands out one handle per configured cluster, in config order', () => {
    const { service } = build(sandboxLaunchpadConfig(sandbox));
    expect(service.list().map(c => c.name)).toEqual(
      sandbox.clusters.map(c => c.name),
    );
    const staging = service.get('staging');
    expect(staging).toBe(service.list()[0]);
    expect(staging.repository).toMatchObject({
      owner: 'acme-edu',
      repo: 'launchpad-cluster-staging',
      branch: 'main',
    });
    expect(staging.config.argoWorkflows?.namespace).toBe('argo');
  });

  it('logs which credential each cluster uses, never a token', () => {
    const { logger } = build(sandboxLaunchpadConfig(sandbox));
    const host = new URL(sandbox.github.url).host;
    expect(logger.info).toHaveBeenCalledWith(
      `Launchpad clusters: staging (acme-edu/launchpad-cluster-staging via token:${host}), production (acme-edu/launchpad-cluster-production via token:${host})`,
    );
    expect(JSON.stringify(logger.info.mock.calls)).not.toContain(
      sandbox.github.token,
    );
  });

  it('answers an unknown cluster with NotFoundError naming the configured ones', () => {
    const { service } = build(sandboxLaunchpadConfig(sandbox));
    expect(() => service.get('qa')).toThrow(
      expect.objectContaining({
        name: 'NotFoundError',
        message: expect.stringContaining(
          'No Launchpad cluster "qa"; configured: staging, production',
        ),
      }),
    );
  });

  it('shares one Octokit between the repositories of one credential, and reads with the integrations.github token', async () => {
    const { service, counter } = build(sandboxLaunchpadConfig(sandbox));
    const [staging, production] = service.list();
    const octokit = await staging.repository.octokit();
    expect(await production.repository.octokit()).toBe(octokit);
    const read = await staging.repository.reader.read();
    expect(read.changed && read.instances.map(i => i.slug)).toEqual(
      expect.arrayContaining(['demo', 'physics-101']),
    );
    const second = await production.repository.reader.read();
    expect(second.changed).toBe(true);
    // Both clusters' reads went through the one client (one fetch counter).
    expect(counter.requests.length).toBe(read.requests + second.requests);
    expect(counter.requests.every(r => r.status === 200)).toBe(true);
  }, 30_000);

  it('gives each credential its own client', async () => {
    // Same sandbox reached under a second host name: a second integration,
    // so a second credential and a second client (own rate-limit budget).
    const data = sandboxLaunchpadConfig(sandbox);
    const otherHost = `localhost:${new URL(sandbox.github.url).port}`;
    const { service } = build({
      integrations: {
        github: [
          ...data.integrations.github,
          {
            host: otherHost,
            apiBaseUrl: sandbox.github.url,
            token: sandbox.github.token,
          },
        ],
      },
      launchpad: {
        clusters: [
          data.launchpad.clusters[0],
          { ...data.launchpad.clusters[1], githubHost: otherHost },
        ],
      },
    });
    const [staging, production] = service.list();
    expect(await staging.repository.octokit()).not.toBe(
      await production.repository.octokit(),
    );
    const read = await production.repository.reader.read();
    expect(read.changed).toBe(true);
  }, 30_000);

  it('reads one instance through readInstance', async () => {
    const { service } = build(sandboxLaunchpadConfig(sandbox));
    const demo = await service.get('staging').repository.readInstance('demo');
    expect(demo).toMatchObject({ slug: 'demo' });
  }, 30_000);

  it('commits through the cluster writer on the shared client, and the reader sees it', async () => {
    const { service, counter } = build(sandboxLaunchpadConfig(sandbox));
    const { repository } = service.get('production');
    const before = await repository.reader.read();
    expect(before.changed).toBe(true);
    counter.take();
    const commit = await repository.writer.commitFiles({
      message: 'Service test: two files in one commit',
      files: [
        { path: 'instances/university/notes.md', content: 'one\n' },
        { path: 'instances/archive/notes.md', content: 'two\n' },
      ],
      expectedHeadOid: before.commitSha,
    });
    expect(commit).toMatchObject({ parentSha: before.commitSha, attempts: 1 });
    expect(counter.take().map(r => `${r.method} ${r.path}`)).toEqual([
      'POST /graphql',
    ]);
    const after = await repository.reader.read();
    expect(after.commitSha).toBe(commit.sha);
  }, 30_000);

  it('builds typed Kubernetes clients for the cluster', async () => {
    const { service } = build(sandboxLaunchpadConfig(sandbox));
    const { kubernetes } = service.get('staging');
    const namespaces = await kubernetes.core.listNamespace();
    expect(namespaces.items.map(n => n.metadata?.name)).toEqual(
      expect.arrayContaining(['argocd', 'argo', 'demo']),
    );
    const deployments = await kubernetes.apps.listNamespacedDeployment({
      namespace: 'demo',
    });
    expect(deployments.items.map(d => d.metadata?.name)).toContain('lms');
  }, 30_000);

  it('fails the start when a cluster names a GitHub host without an integration, with the key path', () => {
    const data = sandboxLaunchpadConfig(sandbox);
    expect(() =>
      build({
        ...data,
        launchpad: {
          clusters: [
            { ...data.launchpad.clusters[0], githubHost: 'ghe.acme.test' },
          ],
        },
      }),
    ).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringContaining(
          'launchpad.clusters[0].githubHost: No integrations.github entry for host "ghe.acme.test"',
        ),
      }),
    );
  });

  it('fails the start when the integration has no credential', () => {
    const data = sandboxLaunchpadConfig(sandbox);
    expect(() =>
      build({
        ...data,
        integrations: {
          github: [{ host: data.launchpad.clusters[0].githubHost }],
        },
      }),
    ).toThrow(/has neither a token nor apps/);
  });

  it('fails the start on a bad launchpad key with its path, never echoing values', () => {
    const data = sandboxLaunchpadConfig(sandbox);
    let message = '';
    try {
      build({
        ...data,
        launchpad: {
          clusters: [
            {
              ...data.launchpad.clusters[0],
              kubernetes: { url: 'nope', token: 'hush-123' },
            },
          ],
        },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      'launchpad.clusters[0].kubernetes.url: must be an absolute URL',
    );
    expect(message).not.toContain('hush-123');
  });
});
