import { mockServices } from '@backstage/backend-test-utils';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { createGitHubClient } from '../github';
import { countingFetch } from '../testUtils/countingFetch';
import { ClusterRepositoryWriter, gitBlobSha } from './ClusterRepositoryWriter';

const OWNER = 'acme-edu';

const WORKFLOW = `name: Deploy
run-name: Deploy \${{ inputs.INSTANCE_NAME }}
on:
  workflow_dispatch:
    inputs:
      INSTANCE_NAME:
        description: Instance to deploy
        required: true
        type: string
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy
`;

const FILES = {
  'README.md': '# cluster\n',
  'instances/alpha/config.yml':
    'LMS_HOST: alpha.test\nCMS_HOST: studio.alpha.test\n',
  'instances/alpha/application.yml': 'kind: Application\n',
  'instances/alpha/env/kustomization.yml': 'kind: Kustomization\n',
  'instances/alpha/env/k8s/deployments.yml': 'kind: Deployment\n',
  'instances/beta/config.yml':
    'LMS_HOST: beta.test\nCMS_HOST: studio.beta.test\n',
  'instances/beta/application.yml': 'kind: Application\n',
  '.github/workflows/deploy.yml': WORKFLOW,
};

/**
 * Rewrites a request before it is sent (and counted): tests use it to make
 * the sandbox behave like servers it otherwise does not imitate.
 */
type RequestRewrite = (
  path: string,
  body: string | undefined,
) => string | undefined;

// The plugin's types name the hoisted, older @octokit/core; the runtime contract is the same.
type OctokitPlugin = Parameters<typeof Octokit.plugin>[0];
const RetryingOctokit = Octokit.plugin(retry as unknown as OctokitPlugin);
const silent = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

describe('ClusterRepositoryWriter (against the sandbox)', () => {
  let sandbox: Sandbox;
  let repoCounter = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 'none' });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);
  afterEach(() => sandbox.faults.clear(), 30_000);

  /**
   * A writer on a fresh repository. `throttled` uses the portal's own client
   * (createGitHubClient), whose throttling plugin spaces writes and GraphQL
   * requests a second apart; the others use Octokit with only the retry
   * plugin, so tests with many writes stay quick.
   */
  async function setup(
    options: {
      rewrite?: RequestRewrite;
      throttled?: boolean;
      loseFirstCommitAnswer?: boolean;
      /** Answers a request without sending it (a server the sandbox does not imitate). */
      intercept?: (
        path: string,
        body: string | undefined,
      ) => Response | undefined;
    } = {},
  ) {
    const repo = `cluster-${++repoCounter}`;
    await sandbox.git.createRepository(OWNER, repo, { files: FILES });
    const counter = countingFetch();
    let answersLost = 0;
    const fetchWithRewrite: typeof fetch = async (input, init) => {
      if (options.loseFirstCommitAnswer && answersLost === 0) {
        const request = new Request(input, init);
        const body = request.method === 'POST' ? await request.text() : '';
        const response = await counter.fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.method === 'GET' ? undefined : body,
        });
        if (!body.includes('createCommitOnBranch')) return response;
        answersLost++;
        await response.text();
        return new Response(JSON.stringify({ message: 'Bad gateway' }), {
          status: 502,
          headers: { 'content-type': 'application/json' },
        });
      }
      if (options.intercept) {
        const request = new Request(input, init);
        const body =
          request.method === 'GET' ? undefined : await request.text();
        const answer = options.intercept(new URL(request.url).pathname, body);
        if (answer) return answer;
        return counter.fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body,
        });
      }
      if (!options.rewrite) return counter.fetch(input, init);
      const request = new Request(input, init);
      const body = request.method === 'GET' ? undefined : await request.text();
      const rewritten = options.rewrite(new URL(request.url).pathname, body);
      return counter.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: rewritten,
      });
    };
    const logger = mockServices.logger.mock();
    const octokit: Octokit = options.throttled
      ? createGitHubClient({
          baseUrl: sandbox.github.url,
          token: sandbox.github.token,
          logger,
          retryAfterBaseValue: 1,
          writeSpacingMs: 0,
          fetch: fetchWithRewrite,
        })
      : new RetryingOctokit({
          baseUrl: sandbox.github.url,
          auth: sandbox.github.token,
          log: silent,
          retry: { retryAfterBaseValue: 1, writeSpacingMs: 0 },
          request: { fetch: fetchWithRewrite },
        });
    const writer = new ClusterRepositoryWriter({
      octokit: async () => octokit,
      owner: OWNER,
      repo,
      branch: 'main',
      logger,
      cluster: 'staging',
      runLookup: { attempts: 5, intervalMs: 50 },
    });
    const head = () => sandbox.git.headSha(OWNER, repo, 'main');
    const read = (path: string, ref?: string) =>
      sandbox.git.readFile(OWNER, repo, path, ref);
    return { repo, counter, octokit, writer, head, read, logger };
  }

  describe('commitFiles', () => {
    it('commits several files and deletions in exactly one GitHub request', async () => {
      const { writer, counter, head, read, repo } = await setup({
        throttled: true,
      });
      const before = await head();
      counter.take();
      // The sandbox counts what it receives too (retries included).
      await fetch(`${sandbox.adminUrl}/requests`, { method: 'DELETE' });
      const result = await writer.commitFiles({
        message:
          'Add gamma, update alpha, drop beta\n\nRequested from the portal.',
        files: [
          {
            path: 'instances/gamma/config.yml',
            content: 'LMS_HOST: gamma.test\n',
          },
          {
            path: 'instances/gamma/application.yml',
            content: 'kind: Application\n',
          },
          {
            path: 'instances/alpha/config.yml',
            content: 'LMS_HOST: alpha2.test\n',
          },
        ],
        deletions: [
          'instances/beta/config.yml',
          'instances/beta/application.yml',
        ],
        expectedHeadOid: before,
      });
      expect(
        counter.take().map(r => `${r.method} ${r.path} ${r.status}`),
      ).toEqual(['POST /graphql 200']);
      const served = (await (
        await fetch(`${sandbox.adminUrl}/requests`)
      ).json()) as {
        services: { github: { total: number; routes: Record<string, number> } };
      };
      expect(served.services.github).toEqual({
        total: 1,
        routes: { 'POST /graphql': 1 },
      });
      expect(result).toMatchObject({
        parentSha: before,
        via: 'graphql',
        attempts: 1,
        branch: 'main',
      });
      expect(await head()).toBe(result.sha);
      const commit = await sandbox.git.readCommit(OWNER, repo, result.sha);
      expect(commit.parents).toEqual([before]);
      expect(commit.message).toMatch(
        /^Add gamma, update alpha, drop beta\n\nRequested from the portal\./,
      );
      expect(await read('instances/gamma/config.yml')).toBe(
        'LMS_HOST: gamma.test\n',
      );
      expect(await read('instances/alpha/config.yml')).toBe(
        'LMS_HOST: alpha2.test\n',
      );
      expect(await read('instances/beta/config.yml')).toBeUndefined();
      expect(await read('README.md')).toBe(FILES['README.md']);

      // The next commit starts from the head the last one produced: one request again.
      const next = await writer.commitFiles({
        message: 'Touch README',
        files: [{ path: 'README.md', content: '# cluster (2)\n' }],
      });
      expect(counter.take()).toHaveLength(1);
      expect(next.parentSha).toBe(result.sha);
    });

    it('reads the head first when it knows none (two requests)', async () => {
      const { writer, counter, head } = await setup({ throttled: true });
      const before = await head();
      counter.take();
      const result = await writer.commitFiles({
        message: 'x',
        files: [{ path: 'x.txt', content: 'x\n' }],
      });
      expect(
        counter.take().map(r => `${r.method} ${r.path.split('?')[0]}`),
      ).toEqual([
        `GET /repos/${OWNER}/${writer.repo}/git/ref/heads%2Fmain`,
        'POST /graphql',
      ]);
      expect(result.parentSha).toBe(before);
    });

    it('retries on a moved head and lands on top of the other commit', async () => {
      const { writer, head, read, repo } = await setup();
      const base = await head();
      const other = await sandbox.git.commitFiles(OWNER, repo, {
        message: 'Someone else: beta change',
        changes: {
          'instances/beta/config.yml':
            'LMS_HOST: beta2.test\nCMS_HOST: s.beta2.test\n',
        },
      });
      const result = await writer.commitFiles({
        message: 'Portal: alpha change',
        files: [
          {
            path: 'instances/alpha/config.yml',
            content: 'LMS_HOST: alpha3.test\n',
          },
        ],
        expectedHeadOid: base,
      });
      expect(result.attempts).toBe(2);
      expect(result.parentSha).toBe(other.sha);
      expect(await head()).toBe(result.sha);
      expect(await read('instances/beta/config.yml')).toContain('beta2.test');
      expect(await read('instances/alpha/config.yml')).toBe(
        'LMS_HOST: alpha3.test\n',
      );
    });

    it('refuses, naming the path, when the moved head changed a file the commit writes', async () => {
      const { writer, head, read, repo } = await setup();
      const base = await head();
      await sandbox.git.commitFiles(OWNER, repo, {
        message: 'Someone else: alpha change',
        changes: { 'instances/alpha/config.yml': 'LMS_HOST: theirs.test\n' },
      });
      const moved = await head();
      const failure = writer.commitFiles({
        message: 'Portal: alpha change',
        files: [
          {
            path: 'instances/alpha/config.yml',
            content: 'LMS_HOST: mine.test\n',
          },
        ],
        expectedHeadOid: base,
      });
      await expect(failure).rejects.toThrow(ConflictError);
      await expect(failure).rejects.toThrow(
        /instances\/alpha\/config\.yml changed since/,
      );
      expect(await head()).toBe(moved);
      expect(await read('instances/alpha/config.yml')).toBe(
        'LMS_HOST: theirs.test\n',
      );
    });

    it('recognises its own commit when the answer to the mutation was lost and the retry finds the head moved', async () => {
      const { writer, head, repo, read } = await setup({
        // The first mutation reaches GitHub and commits, but its answer is
        // replaced by a 502 (a proxy timing out): the retry plugin sends it again.
        loseFirstCommitAnswer: true,
      });
      const before = await head();
      const result = await writer.commitFiles({
        message: 'Once only',
        files: [
          {
            path: 'instances/alpha/config.yml',
            content: 'LMS_HOST: once.test\n',
          },
        ],
        deletions: ['instances/beta/application.yml'],
        expectedHeadOid: before,
      });
      expect(result).toMatchObject({
        parentSha: before,
        attempts: 1,
        via: 'graphql',
      });
      expect(await head()).toBe(result.sha);
      // Exactly one commit on top of the old head.
      expect(
        (await sandbox.git.readCommit(OWNER, repo, result.sha)).parents,
      ).toEqual([before]);
      expect(await read('instances/alpha/config.yml')).toBe(
        'LMS_HOST: once.test\n',
      );
    });

    it('falls back to the git data API when GraphQL fails, and the commit is the same', async () => {
      const { writer, counter, head, read, repo } = await setup();
      const before = await head();
      sandbox.faults.add({
        kind: 'http-error',
        service: 'github',
        status: 502,
        pathPrefix: '/graphql',
      });
      counter.take();
      const result = await writer.commitFiles({
        message: 'Fallback commit',
        files: [
          {
            path: 'instances/alpha/config.yml',
            content: 'LMS_HOST: fb.test\n',
          },
        ],
        deletions: ['instances/beta/application.yml'],
        expectedHeadOid: before,
      });
      expect(result).toMatchObject({ via: 'git-data', parentSha: before });
      const requests = counter
        .take()
        .map(r => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
      // GraphQL tried (and retried by the retry plugin), then blob → tree → commit → ref.
      expect(
        requests.filter(r => r.startsWith('POST /graphql')),
      ).not.toHaveLength(0);
      expect(requests.filter(r => !r.startsWith('POST /graphql'))).toEqual([
        `GET /repos/${OWNER}/${repo}/git/commits/${before} 200`,
        `POST /repos/${OWNER}/${repo}/git/blobs 201`,
        `POST /repos/${OWNER}/${repo}/git/trees 201`,
        `POST /repos/${OWNER}/${repo}/git/commits 201`,
        `PATCH /repos/${OWNER}/${repo}/git/refs/heads%2Fmain 200`,
      ]);
      expect(await head()).toBe(result.sha);
      expect(
        (await sandbox.git.readCommit(OWNER, repo, result.sha)).parents,
      ).toEqual([before]);
      expect(await read('instances/alpha/config.yml')).toBe(
        'LMS_HOST: fb.test\n',
      );
      expect(await read('instances/beta/application.yml')).toBeUndefined();
    });

    it('uses the git data API from then on when the server’s schema has no createCommitOnBranch (older GHE)', async () => {
      // The sandbox validates against GitHub's schema: a renamed field is
      // answered as GHE answers a mutation it does not have.
      const { writer, counter, read } = await setup({
        rewrite: (path, body) =>
          path === '/graphql' && body
            ? body.replace('createCommitOnBranch(', 'createCommitOnBranchV0(')
            : body,
      });
      const first = await writer.commitFiles({
        message: 'one',
        files: [{ path: 'one.txt', content: '1\n' }],
      });
      expect(first.via).toBe('git-data');
      counter.take();
      const second = await writer.commitFiles({
        message: 'two',
        files: [{ path: 'two.txt', content: '2\n' }],
      });
      expect(second).toMatchObject({ via: 'git-data', parentSha: first.sha });
      expect(counter.take().some(r => r.path === '/graphql')).toBe(false);
      expect(await read('one.txt')).toBe('1\n');
      expect(await read('two.txt')).toBe('2\n');
    });

    it('answers a missing branch with NotFoundError naming the repository, never the token', async () => {
      const { writer, repo } = await setup();
      const failure = writer.commitFiles({
        message: 'x',
        files: [{ path: 'x', content: 'x' }],
        branch: 'no-such-branch',
      });
      await expect(failure).rejects.toThrow(NotFoundError);
      await expect(failure).rejects.toThrow(`repository ${OWNER}/${repo}`);
      await expect(failure).rejects.not.toThrow(sandbox.github.token);
    });
  });

  describe('openPullRequest', () => {
    it('creates the branch, one commit and the pull request; a re-run finds them and duplicates nothing', async () => {
      const { writer, octokit, head, read, repo } = await setup();
      const base = await head();
      const input = {
        branch: 'launchpad/upgrade-alpha',
        title: 'Upgrade alpha to teak.3',
        body: 'Opened by the portal.',
        files: [
          {
            path: 'instances/alpha/config.yml',
            content: 'LMS_HOST: up.test\n',
          },
        ],
        deletions: ['instances/alpha/env/kustomization.yml'],
      };
      const first = await writer.openPullRequest(input);
      expect(first.created).toBe(true);
      expect(first.commit).toMatchObject({ parentSha: base, attempts: 1 });
      expect(await head()).toBe(base); // main untouched
      expect(await read('instances/alpha/config.yml', input.branch)).toBe(
        'LMS_HOST: up.test\n',
      );

      const again = await writer.openPullRequest(input);
      expect(again).toMatchObject({
        number: first.number,
        created: false,
        headSha: first.headSha,
      });
      expect(again.commit).toBeUndefined();
      const pulls = await octokit.rest.pulls.list({
        owner: OWNER,
        repo,
        state: 'all',
      });
      expect(pulls.data.map(p => p.number)).toEqual([first.number]);
      expect(await sandbox.git.headSha(OWNER, repo, input.branch)).toBe(
        first.headSha,
      );
    });
  });

  describe('removeFolder', () => {
    it('deletes every file under the folder in one commit and leaves the rest', async () => {
      const { writer, head, read, repo } = await setup();
      const before = await head();
      const result = await writer.removeFolder(
        'instances/alpha',
        'Remove alpha',
      );
      expect(result.deleted).toEqual([
        'instances/alpha/application.yml',
        'instances/alpha/config.yml',
        'instances/alpha/env/k8s/deployments.yml',
        'instances/alpha/env/kustomization.yml',
      ]);
      expect(
        (await sandbox.git.readCommit(OWNER, repo, result.sha)).parents,
      ).toEqual([before]);
      expect(
        await sandbox.git.listFiles(OWNER, repo, 'instances/alpha'),
      ).toEqual([]);
      expect(await read('instances/beta/config.yml')).toBe(
        FILES['instances/beta/config.yml'],
      );
      await expect(writer.removeFolder('instances/nope', 'x')).rejects.toThrow(
        NotFoundError,
      );
    });
  });

  describe('workflows', () => {
    it('dispatches with run details and reads the run and its jobs with steps', async () => {
      const { writer, counter, repo } = await setup();
      counter.take();
      const run = await writer.dispatchWorkflow({
        workflow: 'deploy.yml',
        inputs: { INSTANCE_NAME: 'alpha' },
      });
      expect(counter.take()).toHaveLength(1);
      expect(run).toMatchObject({
        foundBy: 'run-details',
        runUrl: `${sandbox.github.url}/repos/${OWNER}/${repo}/actions/runs/${run.runId}`,
        htmlUrl: expect.stringContaining(
          `/${OWNER}/${repo}/actions/runs/${run.runId}`,
        ),
      });
      const info = await writer.getRun(run.runId);
      expect(info).toMatchObject({
        id: run.runId,
        displayTitle: 'Deploy alpha',
        event: 'workflow_dispatch',
        headBranch: 'main',
        actor: 'launchpad-sandbox',
      });
      const jobs = await writer.listJobs(run.runId);
      expect(jobs).toHaveLength(1);
      expect(jobs[0].steps.length).toBeGreaterThan(0);
      expect(jobs[0].steps[0]).toMatchObject({
        number: 1,
        name: expect.any(String),
      });
    });

    it('finds the run by listing when the server answers 204 (a server that ignores return_run_details), one run per dispatch', async () => {
      // A server without return_run_details that ignores the key: the sandbox gets the dispatch without it.
      const { writer, counter, octokit, repo } = await setup({
        rewrite: (path, body) =>
          path.endsWith('/dispatches') && body
            ? JSON.stringify({
                ...JSON.parse(body),
                return_run_details: undefined,
              })
            : body,
      });
      const first = await writer.dispatchWorkflow({
        workflow: 'deploy.yml',
        inputs: { INSTANCE_NAME: 'alpha' },
      });
      const second = await writer.dispatchWorkflow({
        workflow: 'deploy.yml',
        inputs: { INSTANCE_NAME: 'beta' },
      });
      const requests = counter.take();
      expect(
        requests.filter(r => r.path.endsWith('/dispatches')).map(r => r.status),
      ).toEqual([204, 204]);
      const listing = requests.find(r =>
        r.path.includes('/actions/workflows/deploy.yml/runs?'),
      )!;
      const query = new URL(listing.path, 'http://x').searchParams;
      expect(query.get('event')).toBe('workflow_dispatch');
      expect(query.get('branch')).toBe('main');
      expect(query.get('actor')).toBe('launchpad-sandbox');
      expect(query.get('created')).toMatch(
        /^>=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );

      expect(first.foundBy).toBe('listing');
      expect(second.foundBy).toBe('listing');
      expect(second.runId).not.toBe(first.runId);
      expect((await writer.getRun(first.runId)).displayTitle).toBe(
        'Deploy alpha',
      );
      expect((await writer.getRun(second.runId)).displayTitle).toBe(
        'Deploy beta',
      );
      const runs = await octokit.rest.actions.listWorkflowRuns({
        owner: OWNER,
        repo,
        workflow_id: 'deploy.yml',
      });
      expect(runs.data.workflow_runs.map(r => r.id).sort()).toEqual(
        [first.runId, second.runId].sort(),
      );
      expect(first.htmlUrl).toContain(`/actions/runs/${first.runId}`);
    });
    it('dispatches again without return_run_details when the server refuses the key (GHE Server 3.19), then lists', async () => {
      let refused = 0;
      const { writer, counter } = await setup({
        // What GHE Server 3.19 answers (github.com/benc-uk/workflow-dispatch/issues/86),
        // answered here before the request reaches the sandbox.
        intercept: (path, body) => {
          if (
            !path.endsWith('/dispatches') ||
            !body?.includes('return_run_details')
          ) {
            return undefined;
          }
          refused++;
          return new Response(
            JSON.stringify({
              message:
                'Invalid request.\n\n"return_run_details" is not a permitted key.',
              documentation_url:
                'https://docs.github.com/enterprise-server@3.19/rest/actions/workflows#create-a-workflow-dispatch-event',
              status: '422',
            }),
            { status: 422, headers: { 'content-type': 'application/json' } },
          );
        },
      });
      const first = await writer.dispatchWorkflow({
        workflow: 'deploy.yml',
        inputs: { INSTANCE_NAME: 'alpha' },
      });
      const second = await writer.dispatchWorkflow({
        workflow: 'deploy.yml',
        inputs: { INSTANCE_NAME: 'beta' },
      });
      expect(refused).toBe(1); // remembered: the second dispatch goes without the key
      expect(
        counter
          .take()
          .filter(r => r.path.endsWith('/dispatches'))
          .map(r => r.status),
      ).toEqual([204, 204]);
      expect(first.foundBy).toBe('listing');
      expect((await writer.getRun(first.runId)).displayTitle).toBe(
        'Deploy alpha',
      );
      expect((await writer.getRun(second.runId)).displayTitle).toBe(
        'Deploy beta',
      );
    });
  });

  it('computes git blob ids as git does', () => {
    // `printf 'hello\n' | git hash-object --stdin`
    expect(gitBlobSha('hello\n')).toBe(
      'ce013625030ba8dba906f756967f9e9ca394464a',
    );
  });
});
