import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { DefaultLaunchpadClustersService } from '../service/LaunchpadClustersService';
import { sandboxLaunchpadConfig } from '../testUtils';
import { ClusterRepositoryWriter } from './ClusterRepositoryWriter';

/**
 * The writer on the production path: the clusters service's Octokit for a
 * GitHub App installation (integrations.github apps, Backstage's credentials
 * provider, the sandbox issuing installation tokens), committing through
 * GraphQL as the App's bot.
 */
describe('ClusterRepositoryWriter with a GitHub App installation (against the sandbox)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('commits through GraphQL with an installation token, authored by the App’s bot', async () => {
    const config = new ConfigReader(
      sandboxLaunchpadConfig(sandbox, {
        clusters: ['staging'],
        githubApp: {
          appId: sandbox.github.app.appId,
          privateKey: sandbox.github.app.privateKey,
          clientId: sandbox.github.app.clientId,
          clientSecret: 'unused-client-secret',
        },
      }),
    );
    const logger = mockServices.logger.mock();
    const clusters = DefaultLaunchpadClustersService.fromConfig(config, {
      logger,
    });
    const { repository } = clusters.get('staging');
    // The handle's writer: the one every module gets from the service.
    const { writer } = repository;
    expect(writer).toBeInstanceOf(ClusterRepositoryWriter);
    const before = await sandbox.git.headSha(
      repository.owner,
      repository.repo,
      repository.branch,
    );
    const result = await writer.commitFiles({
      message: 'Rename demo',
      files: [
        {
          path: 'instances/demo/config.yml',
          content:
            'LMS_HOST: demo.staging.learn.acme.test\nCMS_HOST: studio.demo.staging.learn.acme.test\nPLATFORM_NAME: Renamed\n',
        },
      ],
      expectedHeadOid: before,
    });
    expect(result).toMatchObject({ via: 'graphql', parentSha: before });
    const commit = await sandbox.git.readCommit(
      repository.owner,
      repository.repo,
      result.sha,
    );
    expect(commit.author.name).toMatch(/\[bot\]$/);
    expect(commit.committer).toMatchObject({
      name: 'GitHub',
      email: 'noreply@github.com',
    });
    expect(
      await sandbox.git.readFile(
        repository.owner,
        repository.repo,
        'instances/demo/config.yml',
      ),
    ).toContain('PLATFORM_NAME: Renamed');
  });
});
