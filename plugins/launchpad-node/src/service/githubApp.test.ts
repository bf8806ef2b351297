import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { countingFetch, sandboxLaunchpadConfig } from '../testUtils';
import { DefaultLaunchpadClustersService } from './LaunchpadClustersService';

const MINUTE = 60_000;

/** The service authenticating as the sandbox's GitHub App (no token configured). */
function appService(sandbox: Sandbox) {
  const { appId, clientId, privateKey } = sandbox.github.app;
  const data = sandboxLaunchpadConfig(sandbox, {
    githubApp: { appId, clientId, clientSecret: 'unused-here', privateKey },
  });
  expect(JSON.stringify(data.integrations)).not.toContain(sandbox.github.token);
  const counter = countingFetch();
  const service = DefaultLaunchpadClustersService.fromConfig(
    new ConfigReader(data),
    {
      logger: mockServices.logger.mock(),
      github: {
        retryAfterBaseValue: 1,
        writeSpacingMs: 0,
        fetch: counter.fetch,
      },
    },
  );
  return { service, counter };
}

describe('GitHub App credentials (against the sandbox)', () => {
  describe('installed on every repository of the owner', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ speed: 0 });
    }, 60_000);
    afterAll(async () => {
      jest.useRealTimers();
      await sandbox?.stop();
    }, 30_000);

    it('reads the cluster repositories with installation tokens, one client for the installation', async () => {
      const { service, counter } = appService(sandbox);
      const [staging, production] = service.list();
      expect(await staging.repository.octokit()).toBe(
        await production.repository.octokit(),
      );
      const read = await staging.repository.reader.read();
      expect(read.changed && read.instances.length).toBeGreaterThan(0);
      expect(counter.requests.every(r => r.status === 200)).toBe(true);
      const demo = await staging.repository.readInstance('demo');
      expect(demo.slug).toBe('demo');
    }, 30_000);

    it('renews the installation token before it expires, so a long-running backend keeps reading', async () => {
      const { service, counter } = appService(sandbox);
      const staging = service.get('staging');
      const first = await staging.repository.reader.read();
      expect(first.changed).toBe(true);

      // 65 minutes later on both clocks: the sandbox refuses the first
      // installation token (GitHub's expire after an hour), and the
      // credentials provider — which judges expiry by the wall clock — asks
      // for a new one. Only Date is faked; timers stay real.
      sandbox.clock.advance(65 * MINUTE);
      jest.useFakeTimers({
        now: Date.now() + 65 * MINUTE,
        doNotFake: [
          'nextTick',
          'setImmediate',
          'clearImmediate',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'queueMicrotask',
          'hrtime',
          'performance',
        ],
      });
      try {
        counter.take();
        staging.repository.reader.reset();
        const again = await staging.repository.reader.read();
        expect(again.changed).toBe(true);
        expect(counter.take().every(r => r.status === 200)).toBe(true);
      } finally {
        jest.useRealTimers();
      }
    }, 30_000);
  });

  describe('not installed on the owner', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ speed: 0 });
      await sandbox.git.createRepository('other-org', 'cluster-repo', {
        files: { 'README.md': 'x' },
      });
    }, 60_000);
    afterAll(async () => {
      await sandbox?.stop();
    }, 30_000);

    it('says no installation serves the owner, as NotAllowedError', async () => {
      const { appId, clientId, privateKey } = sandbox.github.app;
      const data = sandboxLaunchpadConfig(sandbox, {
        clusters: ['staging'],
        githubApp: { appId, clientId, clientSecret: 'unused-here', privateKey },
      });
      const service = DefaultLaunchpadClustersService.fromConfig(
        new ConfigReader({
          ...data,
          launchpad: {
            clusters: [
              {
                ...data.launchpad.clusters[0],
                repository: 'other-org/cluster-repo',
              },
            ],
          },
        }),
        { logger: mockServices.logger.mock() },
      );
      await expect(
        service.get('staging').repository.octokit(),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining('is installed on "other-org"'),
      });
    }, 30_000);
  });

  describe('installed on selected repositories only', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({
        speed: 0,
        githubApp: {
          installations: [
            {
              account: 'acme-edu',
              repositorySelection: 'selected',
              repositories: ['launchpad-cluster-staging'],
            },
          ],
        },
      });
    }, 60_000);
    afterAll(async () => {
      await sandbox?.stop();
    }, 30_000);

    it('says the installation lacks the repository, as NotAllowedError', async () => {
      const { service } = appService(sandbox);
      await expect(
        service.get('staging').repository.octokit(),
      ).resolves.toBeDefined();
      await expect(
        service.get('production').repository.octokit(),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringMatching(
          /launchpad-cluster-production.*does not have access to a repository with the name launchpad-cluster-production/,
        ),
      });
    }, 30_000);
  });
});
