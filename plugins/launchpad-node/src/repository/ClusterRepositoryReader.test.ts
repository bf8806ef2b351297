import { mockServices } from '@backstage/backend-test-utils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { ClusterRepositoryReader } from './ClusterRepositoryReader';
import {
  createGitHubClient,
  describeGitHubError,
  type GitHubClientOptions,
} from '../github';
import { countingFetch, withFault } from '../testUtils';

const OWNER = 'test-org';
const REPO = 'cluster-repo';

const instanceFiles = (slug: string, version = 1) => ({
  [`instances/${slug}/config.yml`]: `LMS_HOST: ${slug}.example.test\nCMS_HOST: studio.${slug}.example.test\nVERSION: ${version}\n`,
  [`instances/${slug}/application.yml`]: `kind: Application\nmetadata:\n  name: ${slug}-test\n`,
  [`instances/${slug}/env/deployment.yml`]: `kind: Deployment\nmetadata:\n  name: lms\n`,
});

/**
 * A GitHub client for the sandbox with 1 ms retry waits, its requests counted
 * (and optionally tampered with) and its log calls recorded.
 */
function sandboxClient(
  sandbox: Sandbox,
  options: {
    tamper?: (path: string, body: unknown) => unknown;
    rateLimitRetries?: GitHubClientOptions['rateLimitRetries'];
  } = {},
) {
  const counter = countingFetch({ tamper: options.tamper });
  const logger = mockServices.logger.mock();
  const octokit = createGitHubClient({
    baseUrl: sandbox.github.url,
    token: sandbox.github.token,
    logger,
    rateLimitRetries: options.rateLimitRetries,
    retryAfterBaseValue: 1,
    writeSpacingMs: 0,
    fetch: counter.fetch,
  });
  return { counter, logger, octokit };
}

describe('ClusterRepositoryReader (against the sandbox)', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 'none' });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 60_000);

  let repoCounter = 0;
  async function setup(
    options: {
      tamper?: (path: string, body: unknown) => unknown;
      graphqlBatchSize?: number;
      /** The blob path is what most tests here exercise: the tarball is off unless asked for. */
      tarball?: boolean;
      tarballMaxBytes?: number;
    } = {},
  ) {
    const repo = `${REPO}-${++repoCounter}`;
    await sandbox.git.createRepository(OWNER, repo, {
      files: {
        'README.md': '# cluster\n',
        '.github/workflows/build.yml': 'name: build\n',
        ...instanceFiles('alpha'),
        ...instanceFiles('beta'),
        ...instanceFiles('gamma'),
      },
    });
    const { counter, logger, octokit } = sandboxClient(sandbox, options);
    const reader = new ClusterRepositoryReader({
      octokit,
      owner: OWNER,
      repo,
      branch: 'main',
      logger,
      graphqlBatchSize: options.graphqlBatchSize,
      tarball: options.tarball ?? false,
      tarballMaxBytes: options.tarballMaxBytes,
    });
    const commit = (changes: Record<string, string | null>) =>
      sandbox.git.commitFiles(OWNER, repo, { message: 'test change', changes });
    return { repo, counter, reader, commit, logger };
  }

  it('reads every instance folder once, then answers an unchanged branch with one 304', async () => {
    const { repo, counter, reader } = await setup();

    const full = await reader.read();
    expect(full.changed).toBe(true);
    if (!full.changed) return;
    expect(full.instances.map(i => i.slug)).toEqual(['alpha', 'beta', 'gamma']);
    expect(full.reread).toEqual(['alpha', 'beta', 'gamma']);
    expect(full.htmlUrl).toMatch(new RegExp(`/${OWNER}/${repo}$`));
    const beta = full.instances[1];
    expect(beta.path).toBe('instances/beta');
    // Only the wanted files: env/ manifests are not fetched.
    expect(Object.keys(beta.files).sort()).toEqual([
      'application.yml',
      'config.yml',
    ]);
    expect(beta.files['config.yml']).toContain('LMS_HOST: beta.example.test');

    const fullRequests = counter.take();
    expect(
      fullRequests.map(r => r.path.replace(/[0-9a-f]{40}/g, '<sha>')),
    ).toEqual([
      `/repos/${OWNER}/${repo}/git/ref/heads%2Fmain`,
      `/repos/${OWNER}/${repo}`,
      `/repos/${OWNER}/${repo}/git/trees/<sha>?recursive=true`,
      // All six config.yml/application.yml blobs in one GraphQL query.
      '/graphql',
    ]);
    expect(fullRequests[3]).toMatchObject({ method: 'POST', status: 200 });
    expect(full.requests).toBe(fullRequests.length);

    const again = await reader.read();
    expect(again).toEqual({
      changed: false,
      commitSha: full.commitSha,
      requests: 1,
    });
    const unchangedRequests = counter.take();
    expect(unchangedRequests).toHaveLength(1);
    expect(unchangedRequests[0].status).toBe(304);
  });

  it('reads the first read from one tarball (after ref, repository and tree), then stays incremental', async () => {
    const { repo, counter, reader, commit, logger } = await setup({
      tarball: true,
    });
    const full = await reader.read();
    expect(full.changed && full.instances.map(i => i.files)).toEqual(
      ['alpha', 'beta', 'gamma'].map(slug => {
        const files = instanceFiles(slug);
        return {
          'application.yml': files[`instances/${slug}/application.yml`],
          'config.yml': files[`instances/${slug}/config.yml`],
        };
      }),
    );
    const requests = counter.take();
    // The tarball downloads while the repository and tree are asked for:
    // the order of the last three depends on which answers first.
    expect(
      requests
        .map(r => [r.path.replace(/[0-9a-f]{40}/g, '<sha>'), r.status])
        .sort(),
    ).toEqual(
      [
        [`/repos/${OWNER}/${repo}/git/ref/heads%2Fmain`, 200],
        [`/repos/${OWNER}/${repo}`, 200],
        [`/repos/${OWNER}/${repo}/git/trees/<sha>?recursive=true`, 200],
        // One request: fetch followed GitHub's 302 to the download host.
        [`/repos/${OWNER}/${repo}/tarball/<sha>`, 200],
      ].sort(),
    );
    expect(full.requests).toBe(4);
    expect(logger.warn).not.toHaveBeenCalled();

    // Later reads are incremental: the changed blob over GraphQL, no tarball.
    await commit({ ...instanceFiles('beta', 2) });
    const changed = await reader.read();
    expect(changed.changed && changed.reread).toEqual(['beta']);
    expect(
      changed.changed &&
        changed.instances.find(i => i.slug === 'beta')!.files['config.yml'],
    ).toContain('VERSION: 2');
    expect(counter.take().map(r => r.path)).toEqual([
      expect.stringMatching(/\/git\/ref\//),
      expect.stringMatching(/\/git\/trees\//),
      '/graphql',
    ]);
    expect((await reader.read()).changed).toBe(false);
    expect(counter.take().map(r => r.status)).toEqual([304]);
  });

  it('reads blobs instead when the tarball download fails, warning', async () => {
    const { counter, reader, logger } = await setup({ tarball: true });
    // The API answers its 302; the download host fails (and keeps failing
    // through the retry plugin's retries).
    await withFault(
      sandbox,
      {
        kind: 'http-error',
        service: 'github',
        status: 502,
        pathPrefix: '/_codeload/',
      },
      async () => {
        const full = await reader.read();
        expect(full.changed && full.instances[2].files['config.yml']).toContain(
          'LMS_HOST: gamma.example.test',
        );
      },
    );
    const paths = counter.take().map(r => r.path);
    expect(paths.filter(p => p.includes('/tarball/'))).toHaveLength(4);
    expect(paths[paths.length - 1]).toBe('/graphql');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^GitHub tarball read of .* failed, reading blobs instead: .*502/,
      ),
    );
  }, 30_000);

  it('stops the download of a repository larger than tarballMaxBytes and reads blobs', async () => {
    const { counter, reader, logger } = await setup({
      tarball: true,
      tarballMaxBytes: 100,
    });
    const full = await reader.read();
    expect(full.changed && full.instances[0].files['config.yml']).toContain(
      'LMS_HOST: alpha.example.test',
    );
    const paths = counter.take().map(r => r.path);
    expect(paths[paths.length - 1]).toBe('/graphql');
    // ref, repository, tree, the tarball (sent, then stopped), one GraphQL query.
    expect(full.requests).toBe(5);
    // Aborting is no failure: nothing to warn about.
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('takes from the tarball only files whose content is the blob the tree names', async () => {
    // git archive expands `$Format:…$` in export-subst files (GitHub's
    // archives do too): that file's content is not its blob, so it is read
    // as a blob, and the cache keeps the blob's text.
    const { counter, reader, commit } = await setup({ tarball: true });
    const config = 'LMS_HOST: alpha.example.test\n# built from $Format:%H$\n';
    await commit({
      '.gitattributes': 'instances/alpha/config.yml export-subst\n',
      'instances/alpha/config.yml': config,
    });
    const full = await reader.read();
    expect(full.changed && full.instances[0].files['config.yml']).toBe(config);
    const paths = counter.take().map(r => r.path);
    expect(paths.filter(p => p.includes('/tarball/'))).toHaveLength(1);
    // The five other files came from the tarball; the one altered, over GraphQL.
    expect(paths[paths.length - 1]).toBe('/graphql');
  });

  it('re-reads only the changed folder, and only its changed files', async () => {
    const { counter, reader, commit } = await setup();
    await reader.read();
    counter.take();

    await commit({
      'instances/beta/config.yml':
        'LMS_HOST: b.example.test\nCMS_HOST: c.example.test\n',
    });
    const changed = await reader.read();
    expect(changed.changed && changed.reread).toEqual(['beta']);
    if (!changed.changed) return;
    expect(
      changed.instances.find(i => i.slug === 'beta')!.files['config.yml'],
    ).toBe('LMS_HOST: b.example.test\nCMS_HOST: c.example.test\n');
    // The others come from the cache unchanged.
    expect(
      changed.instances.find(i => i.slug === 'alpha')!.files['config.yml'],
    ).toContain('alpha');
    const requests = counter.take();
    expect(requests.map(r => r.path.replace(/[0-9a-f]{40}/g, '<sha>'))).toEqual(
      [
        expect.stringMatching(/\/git\/ref\/heads%2Fmain$/),
        expect.stringMatching(/\/git\/trees\/<sha>\?recursive=true$/),
        '/graphql', // the one changed blob
      ],
    );

    // A build committing only env/ changes the folder's tree but no wanted file.
    await commit({
      'instances/gamma/env/deployment.yml': 'kind: Deployment\n# rebuilt\n',
    });
    const envOnly = await reader.read();
    expect(envOnly.changed && envOnly.reread).toEqual(['gamma']);
    // ref and tree only: no blob to read, so no GraphQL query either.
    expect(counter.take()).toHaveLength(2);
  });

  it('batches blobs: one GraphQL request per graphqlBatchSize changed blobs', async () => {
    const { counter, reader } = await setup({ graphqlBatchSize: 4 });
    const full = await reader.read();
    const requests = counter.take();
    // ref, repository, tree, ⌈6 blobs / 4⌉ = 2 GraphQL queries.
    expect(requests).toHaveLength(5);
    expect(requests.filter(r => r.path === '/graphql')).toHaveLength(2);
    expect(full.changed && full.instances.map(i => i.files)).toEqual(
      ['alpha', 'beta', 'gamma'].map(slug => {
        const files = instanceFiles(slug);
        return {
          'application.yml': files[`instances/${slug}/application.yml`],
          'config.yml': files[`instances/${slug}/config.yml`],
        };
      }),
    );
  });

  it('reads a blob GraphQL gives no text for (truncated) over REST', async () => {
    const { counter, reader, commit } = await setup();
    await reader.read();
    counter.take();
    // Above the GraphQL text limit (512 KiB in the sandbox): text null, isTruncated.
    const big = `LMS_HOST: big.example.test\nCMS_HOST: studio.big.example.test\n# ${'x'.repeat(
      600 * 1024,
    )}\n`;
    await commit({ 'instances/alpha/config.yml': big });
    const read = await reader.read();
    expect(read.changed && read.instances[0].files['config.yml']).toBe(big);
    expect(
      counter.take().map(r => r.path.replace(/[0-9a-f]{40}/g, '<sha>')),
    ).toEqual([
      expect.stringMatching(/\/git\/ref\//),
      expect.stringMatching(/\/git\/trees\//),
      '/graphql',
      expect.stringMatching(/\/git\/blobs\/<sha>$/),
    ]);
  });

  it('falls back to REST blobs when the GraphQL endpoint fails, warning once', async () => {
    const { counter, reader, commit, logger, repo } = await setup({
      graphqlBatchSize: 2,
    });
    const graphqlWarnings = () =>
      logger.warn.mock.calls.filter(c =>
        String(c[0]).startsWith('GitHub GraphQL blob read'),
      );
    await withFault(
      sandbox,
      {
        kind: 'http-error',
        service: 'github',
        status: 502,
        pathPrefix: '/graphql',
      },
      async () => {
        const full = await reader.read();
        expect(full.changed && full.instances[1].files['config.yml']).toContain(
          'LMS_HOST: beta.example.test',
        );
        const requests = counter.take();
        // The first batch's query, retried 3 times by the retry plugin; the
        // other two batches go straight to REST with it: 6 blob requests.
        expect(requests.filter(r => r.path === '/graphql')).toEqual(
          Array(4).fill(expect.objectContaining({ status: 502 })),
        );
        expect(
          requests.filter(r =>
            r.path.startsWith(`/repos/${OWNER}/${repo}/git/blobs/`),
          ),
        ).toHaveLength(6);
        expect(full.requests).toBe(3 + 1 + 6);
        expect(graphqlWarnings()).toEqual([
          [
            expect.stringMatching(
              /failed, reading blobs over REST instead: .*502/,
            ),
          ],
        ]);

        // Still failing on the next read: no second warning.
        await commit({ ...instanceFiles('alpha', 2) });
        expect((await reader.read()).changed).toBe(true);
        expect(graphqlWarnings()).toHaveLength(1);
      },
    );
    counter.take();

    // Once GraphQL answers again, blobs go through it.
    await commit({ ...instanceFiles('alpha', 3) });
    const recovered = await reader.read();
    expect(
      recovered.changed && recovered.instances[0].files['config.yml'],
    ).toContain('VERSION: 3');
    expect(counter.take().map(r => r.path)).toContain('/graphql');
  }, 30_000);

  it('falls back to REST blobs on a GitHub without GraphQL (404, not retried)', async () => {
    const { counter, reader, logger } = await setup();
    await withFault(
      sandbox,
      {
        kind: 'http-error',
        service: 'github',
        status: 404,
        pathPrefix: '/graphql',
      },
      async () => {
        const full = await reader.read();
        expect(full.changed && full.instances).toHaveLength(3);
      },
    );
    const requests = counter.take();
    expect(requests.filter(r => r.path === '/graphql')).toEqual([
      expect.objectContaining({ status: 404 }),
    ]);
    expect(requests.filter(r => r.path.includes('/git/blobs/'))).toHaveLength(
      6,
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^GitHub GraphQL blob read .* failed/),
    );
  });

  it('picks up added folders and drops removed ones', async () => {
    const { reader, commit } = await setup();
    await reader.read();
    await commit({ ...instanceFiles('delta'), 'instances/alpha/': null });
    const read = await reader.read();
    expect(read.changed && read.instances.map(i => i.slug)).toEqual([
      'beta',
      'delta',
      'gamma',
    ]);
    expect(read.changed && read.reread).toEqual(['delta']);
  });

  it('fails a read on a persistent 5xx without losing its state, and catches up after', async () => {
    const { repo, reader, commit, counter } = await setup();
    const first = await reader.read();
    await commit({
      'instances/alpha/config.yml':
        'LMS_HOST: a.example.test\nCMS_HOST: s.example.test\n',
    });
    const fault = sandbox.faults.add({
      kind: 'http-error',
      service: 'github',
      status: 502,
      pathPrefix: `/repos/${OWNER}/${repo}/git/trees/`,
    });
    counter.take();
    await expect(reader.read()).rejects.toMatchObject({ status: 502 });
    // The retry plugin retried the 5xx (3 retries) before giving up.
    expect(counter.take().filter(r => r.status === 502)).toHaveLength(4);
    sandbox.faults.remove(fault.id);

    const recovered = await reader.read();
    expect(recovered.changed).toBe(true);
    if (!recovered.changed || !first.changed) return;
    expect(recovered.commitSha).not.toBe(first.commitSha);
    expect(recovered.reread).toEqual(['alpha']);
    expect(recovered.instances[0].files['config.yml']).toContain(
      'a.example.test',
    );
  });

  it('falls back to folder-by-folder listing when the recursive tree is truncated', async () => {
    const { counter, reader, commit } = await setup({
      // Simulate GitHub's truncation of very large trees (> 100,000 entries).
      tamper: (path, body) =>
        path.includes('recursive=') && body && typeof body === 'object'
          ? { ...body, tree: [], truncated: true }
          : undefined,
    });
    const full = await reader.read();
    expect(
      full.changed &&
        full.instances.map(i => [i.slug, Object.keys(i.files).sort()]),
    ).toEqual([
      ['alpha', ['application.yml', 'config.yml']],
      ['beta', ['application.yml', 'config.yml']],
      ['gamma', ['application.yml', 'config.yml']],
    ]);
    counter.take();

    await commit({
      'instances/gamma/config.yml':
        'LMS_HOST: g.example.test\nCMS_HOST: h.example.test\n',
    });
    const changed = await reader.read();
    expect(changed.changed && changed.reread).toEqual(['gamma']);
    const paths = counter.take().map(r => r.path);
    // ref, recursive tree (truncated), root tree, instances/ tree, gamma's tree, one GraphQL query
    expect(paths).toHaveLength(6);
    expect(paths[5]).toBe('/graphql');
  });
});

describe('ClusterRepositoryReader on a large seeded repository', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      speed: 0,
      scale: { cluster: 'production', instances: 1000 },
    });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('reads 1,000+ instances in four requests, the files as the repository has them', async () => {
    const { counter, logger, octokit } = sandboxClient(sandbox);
    const [owner, repo] = sandbox.clusters[1].repository.split('/');
    const reader = new ClusterRepositoryReader({
      octokit,
      owner,
      repo,
      branch: 'main',
      logger,
    });
    const full = await reader.read();
    if (!full.changed) throw new Error('expected a full read');
    expect(full.instances.length).toBeGreaterThanOrEqual(1004);
    expect(
      counter
        .take()
        .map(r => r.path.replace(/[0-9a-f]{40}/g, '<sha>'))
        .sort(),
    ).toEqual(
      [
        `/repos/${owner}/${repo}`,
        `/repos/${owner}/${repo}/git/ref/heads%2Fmain`,
        `/repos/${owner}/${repo}/git/trees/<sha>?recursive=true`,
        `/repos/${owner}/${repo}/tarball/<sha>`,
      ].sort(),
    );
    expect(logger.warn).not.toHaveBeenCalled();
    // Every instance has both files, byte for byte what git holds.
    for (const instance of full.instances) {
      for (const file of ['config.yml', 'application.yml']) {
        expect(instance.files[file]).toBe(
          await sandbox.git.readFile(owner, repo, `${instance.path}/${file}`),
        );
      }
    }
  }, 60_000);
});

describe('createGitHubClient (against the sandbox)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 'none' });
    await sandbox.git.createRepository(OWNER, 'client-repo', {
      files: { 'a.txt': 'a' },
    });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 60_000);

  it('logs a secondary rate limit and retries after it, never logging the token', async () => {
    const { counter, logger, octokit } = sandboxClient(sandbox);
    sandbox.faults.add({ kind: 'rate-limit', retryAfterSeconds: 1, count: 1 });
    const repo = await octokit.rest.repos.get({
      owner: OWNER,
      repo: 'client-repo',
    });
    expect(repo.data.name).toBe('client-repo');
    expect(counter.requests.map(r => r.status)).toEqual([403, 200]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /secondary rate limit hit on GET \/repos\/\{owner\}\/\{repo\}; retrying/,
      ),
      expect.objectContaining({ retryCount: 0 }),
    );
    const logged = JSON.stringify([
      logger.warn.mock.calls,
      logger.error.mock.calls,
      logger.info.mock.calls,
    ]);
    expect(logged).not.toContain(sandbox.github.token);
  });

  it('gives up after the bounded number of rate-limit retries', async () => {
    const { counter, logger, octokit } = sandboxClient(sandbox, {
      rateLimitRetries: 1,
    });
    await withFault(
      sandbox,
      {
        kind: 'rate-limit',
        retryAfterSeconds: 1,
      },
      async () => {
        await expect(
          octokit.rest.repos.get({ owner: OWNER, repo: 'client-repo' }),
        ).rejects.toMatchObject({
          status: 403,
        });
      },
    );
    expect(counter.requests.map(r => r.status)).toEqual([403, 403]);
    expect(logger.warn).toHaveBeenLastCalledWith(
      expect.stringMatching(/giving up/),
      expect.anything(),
    );
  });

  it('retries a 5xx and succeeds', async () => {
    const { counter, octokit } = sandboxClient(sandbox);
    sandbox.faults.add({
      kind: 'http-error',
      service: 'github',
      status: 503,
      count: 2,
    });
    const repo = await octokit.rest.repos.get({
      owner: OWNER,
      repo: 'client-repo',
    });
    expect(repo.status).toBe(200);
    expect(counter.requests.map(r => r.status)).toEqual([503, 503, 200]);
  });

  it('describes an answered error by its message, an unanswered one by its network cause', async () => {
    const { octokit } = sandboxClient(sandbox);
    const missing = await octokit.rest.repos
      .get({ owner: OWNER, repo: 'no-such-repo' })
      .catch((e: unknown) => e);
    expect(describeGitHubError(missing)).toMatch(/^Not Found/);

    await withFault(sandbox, { kind: 'down', service: 'github' }, async () => {
      const down = await octokit.rest.repos
        .get({ owner: OWNER, repo: 'client-repo' })
        .catch((e: unknown) => e);
      expect(describeGitHubError(down)).toMatch(
        /^GitHub did not answer: fetch failed: .+/,
      );
    });
  });
});
