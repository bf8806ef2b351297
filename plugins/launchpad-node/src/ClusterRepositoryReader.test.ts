import { mockServices } from '@backstage/backend-test-utils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { ClusterRepositoryReader } from './ClusterRepositoryReader';
import {
  createGitHubClient,
  describeGitHubError,
  type GitHubClientOptions,
} from './github';
import { countingFetch } from './testUtils';

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
    fetch: counter.fetch,
  });
  return { counter, logger, octokit };
}

describe('ClusterRepositoryReader (against the sandbox)', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 'none' });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  let repoCounter = 0;
  async function setup(
    options: { tamper?: (path: string, body: unknown) => unknown } = {},
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
      ...Array(6).fill(`/repos/${OWNER}/${repo}/git/blobs/<sha>`),
    ]);
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
    expect(requests.filter(r => r.path.includes('/git/blobs/'))).toHaveLength(
      1,
    );
    expect(requests).toHaveLength(3); // ref, tree, one blob

    // A build committing only env/ changes the folder's tree but no wanted file.
    await commit({
      'instances/gamma/env/deployment.yml': 'kind: Deployment\n# rebuilt\n',
    });
    const envOnly = await reader.read();
    expect(envOnly.changed && envOnly.reread).toEqual(['gamma']);
    expect(
      counter.take().filter(r => r.path.includes('/git/blobs/')),
    ).toHaveLength(0);
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
      pathPrefix: `/repos/${OWNER}/${repo}/git/blobs/`,
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
    // ref, recursive tree (truncated), root tree, instances/ tree, gamma's tree, one blob
    expect(paths).toHaveLength(6);
    expect(paths.filter(p => p.includes('/git/blobs/'))).toHaveLength(1);
  });
});

describe('createGitHubClient (against the sandbox)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 'none' });
    await sandbox.git.createRepository(OWNER, 'client-repo', {
      files: { 'a.txt': 'a' },
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

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
    const fault = sandbox.faults.add({
      kind: 'rate-limit',
      retryAfterSeconds: 1,
    });
    try {
      await expect(
        octokit.rest.repos.get({ owner: OWNER, repo: 'client-repo' }),
      ).rejects.toMatchObject({
        status: 403,
      });
    } finally {
      sandbox.faults.remove(fault.id);
    }
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

    const fault = sandbox.faults.add({ kind: 'down', service: 'github' });
    try {
      const down = await octokit.rest.repos
        .get({ owner: OWNER, repo: 'client-repo' })
        .catch((e: unknown) => e);
      expect(describeGitHubError(down)).toMatch(
        /^GitHub did not answer: fetch failed: .+/,
      );
    } finally {
      sandbox.faults.remove(fault.id);
    }
  });
});
