import { execFileSync } from 'node:child_process';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { parseDocument } from 'yaml';
import type { PushEvent } from './gitStore';
import { PICASSO_BUILD_WORKFLOW } from './picasso';
import { RUN_TIMINGS } from './actions';
import { startTestGitHub, validateGitHubResponse } from './testing';
import type { TestGitHub } from './testing';

// The plugins' types name the hoisted, older @octokit/core rather than the one
// @octokit/rest uses; the runtime contract is the same.
type OctokitPlugin = Parameters<typeof Octokit.plugin>[0];

/** Octokit logs failed requests; these tests provoke many on purpose. */
const log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const gitCli = (
  gh: TestGitHub,
  owner: string,
  repo: string,
  ...args: string[]
) =>
  execFileSync('git', ['--git-dir', gh.git.gitdir(owner, repo), ...args], {
    encoding: 'utf8',
  }).trim();

/** What a RequestError from octokit carries (status, response headers and GitHub's body). */
async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const e = error as {
      status: number;
      response?: {
        headers: Record<string, string>;
        data: { message?: string; errors?: unknown[] };
      };
    };
    return {
      status: e.status,
      headers: e.response?.headers ?? {},
      data: e.response?.data ?? {},
    };
  }
  throw new Error('expected the request to fail');
}

const CONFIG = `# Tutor config for demo (managed by Launchpad)
K8S_NAMESPACE: demo
LMS_HOST: demo.staging.learn.acme.test
CMS_HOST: studio.demo.staging.learn.acme.test
EDX_PLATFORM_VERSION: release/teak.3  # the Open edX release
TUTOR_VERSION: v20.0.5
DOCKER_IMAGE_OPENEDX: acme/openedx-demo:teak.3-20260101-1
MFE_DOCKER_IMAGE: acme/mfe-demo:teak.3-20260101-1
MYSQL_PASSWORD: s3cret
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms
  namespace: demo
spec:
  template:
    spec:
      containers:
        - name: lms
          image: acme/openedx-demo:teak.3-20260101-1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: mfe
  namespace: demo
spec:
  template:
    spec:
      containers:
        - name: mfe
          image: acme/mfe-demo:teak.3-20260101-1
`;

async function seedCluster(gh: TestGitHub, name = 'launchpad-cluster-staging') {
  return gh.git.createRepository('acme-edu', name, {
    files: {
      '.github/workflows/build.yml': PICASSO_BUILD_WORKFLOW,
      'instances/demo/config.yml': CONFIG,
      'instances/demo/application.yml': 'kind: Application\n',
      'instances/demo/env/deployments.yml': DEPLOYMENT,
      'instances/demo/env/kustomization.yml':
        'resources:\n  - deployments.yml\n',
    },
  });
}

describe('sandbox GitHub API', () => {
  let gh: TestGitHub;
  let octokit: Octokit;

  beforeEach(async () => {
    gh = await startTestGitHub({
      extraTokens: [{ token: 'outsider-token', login: 'outsider' }],
    });
    octokit = new Octokit({ baseUrl: gh.url, auth: gh.token, log });
  }, 30_000);
  afterEach(async () => {
    await gh.stop();
  }, 30_000);

  describe('authentication and errors', () => {
    it('answers 401 in GitHub shape without or with a wrong token', async () => {
      await seedCluster(gh);
      const anonymous = await failure(
        new Octokit({ baseUrl: gh.url, log }).repos.get({
          owner: 'acme-edu',
          repo: 'launchpad-cluster-staging',
        }),
      );
      expect(anonymous.status).toBe(401);
      expect(anonymous.data).toMatchObject({
        message: 'Requires authentication',
        status: '401',
      });
      const wrong = await failure(
        new Octokit({ baseUrl: gh.url, auth: 'nope', log }).repos.get({
          owner: 'acme-edu',
          repo: 'launchpad-cluster-staging',
        }),
      );
      expect(wrong.status).toBe(401);
      expect(wrong.data.message).toBe('Bad credentials');
      expect(wrong.headers['x-ratelimit-limit']).toBe('60');
    });

    it('hides private repositories from a token that may not see them, with 404 as GitHub does', async () => {
      await gh.git.createRepository('acme-edu', 'secret', { private: true });
      await gh.git.createRepository('acme-edu', 'open');
      const outsider = new Octokit({
        baseUrl: gh.url,
        auth: 'outsider-token',
        log,
      });
      const hidden = await failure(
        outsider.repos.get({ owner: 'acme-edu', repo: 'secret' }),
      );
      expect(hidden.status).toBe(404);
      expect(
        (
          await failure(
            outsider.git.getTree({
              owner: 'acme-edu',
              repo: 'secret',
              tree_sha: 'main',
            }),
          )
        ).status,
      ).toBe(404);
      expect(
        (await outsider.repos.get({ owner: 'acme-edu', repo: 'open' })).data
          .private,
      ).toBe(false);
      expect(
        (await octokit.repos.get({ owner: 'acme-edu', repo: 'secret' })).data
          .private,
      ).toBe(true);
    });

    it('answers 404 for an unknown repository', async () => {
      const missing = await failure(
        octokit.repos.get({ owner: 'acme-edu', repo: 'nope' }),
      );
      expect(missing.status).toBe(404);
      expect(missing.data).toMatchObject({
        message: 'Not Found',
        status: '404',
      });
      expect(
        (missing.data as { documentation_url?: string }).documentation_url,
      ).toMatch(/^https:\/\/docs\.github\.com\//);
    });

    it('answers 404 naming a GitHub route the sandbox does not serve', async () => {
      const unserved = await failure(
        octokit.repos.compareCommitsWithBasehead({
          owner: 'acme-edu',
          repo: 'nope',
          basehead: 'main...feature',
        }),
      );
      expect(unserved.status).toBe(404);
      expect(unserved.data.message).toBe(
        'Not Found: the Launchpad sandbox does not serve GET /repos/acme-edu/nope/compare/main...feature (see packages/sandbox/src/github/README.md for the operations it serves)',
      );
    });

    it('rejects requests GitHub would reject, from its OpenAPI description, with 422', async () => {
      await seedCluster(gh);
      const noContent = await failure(
        octokit.request('PUT /repos/{owner}/{repo}/contents/{path}', {
          owner: 'acme-edu',
          repo: 'launchpad-cluster-staging',
          path: 'x.txt',
          message: 'no content',
        } as never),
      );
      expect(noContent.status).toBe(422);
      expect(noContent.data.message).toMatch(/^Invalid request\./);
      expect(noContent.data.message).toContain("'content'");
      const badMode = await failure(
        octokit.git.createTree({
          owner: 'acme-edu',
          repo: 'launchpad-cluster-staging',
          tree: [
            {
              path: 'a',
              mode: '100645' as '100644',
              type: 'blob',
              content: 'x',
            },
          ],
        }),
      );
      expect(badMode.status).toBe(422);
      expect(badMode.data.message).toContain('mode');
      const wrongType = await failure(
        octokit.request('POST /orgs/{org}/repos', {
          org: 'acme-edu',
          name: 42,
        } as never),
      );
      expect(wrongType.status).toBe(422);
      expect(gh.git.hasRepository('acme-edu', '42')).toBe(false);
    });

    it('offers a response validator that flags bodies drifting from GitHub schemas', async () => {
      expect(
        await validateGitHubResponse('repos/get', 200, { name: 'x' }),
      ).not.toHaveLength(0);
      const { data } = await octokit.repos.createInOrg({
        org: 'acme-edu',
        name: 'valid',
      });
      expect(await validateGitHubResponse('repos/get', 200, data)).toEqual([]);
    });
  });

  it('serves the other read operations in the shape GitHub documents', async () => {
    const { headSha } = await seedCluster(gh);
    const repo = { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };
    // Response validation is on: a drifting body would fail these with a 500.
    const { data: me } = await octokit.users.getAuthenticated();
    expect(me.login).toBe('launchpad-sandbox');
    const { data: limits } = await octokit.rateLimit.get();
    expect(limits.resources.core.limit).toBe(5000);
    expect((await octokit.repos.listBranches(repo)).data).toEqual([
      expect.objectContaining({
        name: 'main',
        commit: expect.objectContaining({ sha: headSha }),
      }),
    ]);
    const { data: workflow } = await octokit.actions.getWorkflow({
      ...repo,
      workflow_id: 'build.yml',
    });
    expect(
      (await octokit.actions.getWorkflow({ ...repo, workflow_id: workflow.id }))
        .data.path,
    ).toBe('.github/workflows/build.yml');
    expect(
      (await octokit.actions.listWorkflowRunsForRepo(repo)).data.total_count,
    ).toBe(0);
    await octokit.git.createRef({
      ...repo,
      ref: 'refs/heads/tmp',
      sha: headSha,
    });
    expect(
      (await octokit.git.deleteRef({ ...repo, ref: 'heads/tmp' })).status,
    ).toBe(204);
    expect(
      (await failure(octokit.git.getRef({ ...repo, ref: 'heads/tmp' }))).status,
    ).toBe(404);
    expect(
      (await failure(octokit.git.deleteRef({ ...repo, ref: 'heads/main' })))
        .status,
    ).toBe(422);
    const raw = await octokit.repos.getContent({
      ...repo,
      path: 'instances/demo/config.yml',
      mediaType: { format: 'raw' },
    });
    expect(raw.data).toBe(CONFIG);
  });

  describe('repositories', () => {
    it('creates repositories in an org and for the user, and refuses duplicates', async () => {
      const { data: org } = await octokit.repos.createInOrg({
        org: 'acme-edu',
        name: 'infra',
        description: 'Infra',
        private: true,
        auto_init: true,
      });
      expect(org).toMatchObject({
        full_name: 'acme-edu/infra',
        private: true,
        default_branch: 'main',
        owner: { login: 'acme-edu', type: 'Organization' },
      });
      const { data: readme } = await octokit.repos.getContent({
        owner: 'acme-edu',
        repo: 'infra',
        path: 'README.md',
      });
      expect(unb64((readme as { content: string }).content)).toContain(
        '# infra',
      );
      const { data: mine } = await octokit.repos.createForAuthenticatedUser({
        name: 'scratch',
      });
      expect(mine.owner.type).toBe('User');
      expect(
        (await octokit.repos.get({ owner: mine.owner.login, repo: 'scratch' }))
          .data.id,
      ).toBe(mine.id);
      const dup = await failure(
        octokit.repos.createInOrg({ org: 'acme-edu', name: 'infra' }),
      );
      expect(dup.status).toBe(422);
      expect(dup.data).toMatchObject({
        message: 'Validation Failed',
        errors: [
          {
            resource: 'Repository',
            field: 'name',
            message: 'name already exists on this account',
          },
        ],
      });
    });

    it('generates a repository from a template as one fresh commit holding its files', async () => {
      await gh.git.createRepository('acme-edu', 'launchpad-instance-template', {
        isTemplate: true,
        files: {
          'README.md': 'template\n',
          'instances/{{slug}}/config.yml': 'PLATFORM_NAME: x\n',
        },
      });
      await gh.git.commitFiles('acme-edu', 'launchpad-instance-template', {
        message: 'second',
        changes: { 'extra.txt': 'more\n' },
      });
      const { data } = await octokit.repos.createUsingTemplate({
        template_owner: 'acme-edu',
        template_repo: 'launchpad-instance-template',
        owner: 'acme-edu',
        name: 'launchpad-cluster-new',
        private: true,
      });
      expect(data.template_repository?.full_name).toBe(
        'acme-edu/launchpad-instance-template',
      );
      expect(
        await gh.git.listFiles('acme-edu', 'launchpad-cluster-new'),
      ).toEqual(['README.md', 'extra.txt', 'instances/{{slug}}/config.yml']);
      expect(
        gitCli(
          gh,
          'acme-edu',
          'launchpad-cluster-new',
          'rev-list',
          '--count',
          'main',
        ),
      ).toBe('1');
      const notTemplate = await failure(
        octokit.repos.createUsingTemplate({
          template_owner: 'acme-edu',
          template_repo: 'launchpad-cluster-new',
          name: 'again',
        }),
      );
      expect(notTemplate.status).toBe(422);
    });
  });

  describe('contents', () => {
    it('creates, reads, updates and deletes files, refusing a stale sha with 409', async () => {
      await seedCluster(gh);
      const repo = { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };
      const created = await octokit.repos.createOrUpdateFileContents({
        ...repo,
        path: 'instances/new/config.yml',
        message: 'add',
        content: b64('A: 1\n'),
      });
      expect(created.status).toBe(201);
      const sha1 = created.data.content!.sha!;
      const { data: file } = await octokit.repos.getContent({
        ...repo,
        path: 'instances/new/config.yml',
      });
      expect(file).toMatchObject({
        type: 'file',
        sha: sha1,
        encoding: 'base64',
      });
      expect(unb64((file as { content: string }).content)).toBe('A: 1\n');
      // The sha is git's blob id, and the commit is on the branch on disk.
      expect(
        gitCli(
          gh,
          repo.owner,
          repo.repo,
          'rev-parse',
          'main:instances/new/config.yml',
        ),
      ).toBe(sha1);
      expect(gitCli(gh, repo.owner, repo.repo, 'rev-parse', 'main')).toBe(
        created.data.commit.sha,
      );

      const noSha = await failure(
        octokit.repos.createOrUpdateFileContents({
          ...repo,
          path: 'instances/new/config.yml',
          message: 'x',
          content: b64('A: 2\n'),
        }),
      );
      expect(noSha.status).toBe(422);
      const updated = await octokit.repos.createOrUpdateFileContents({
        ...repo,
        path: 'instances/new/config.yml',
        message: 'update',
        content: b64('A: 2\n'),
        sha: sha1,
      });
      expect(updated.status).toBe(200);
      const stale = await failure(
        octokit.repos.createOrUpdateFileContents({
          ...repo,
          path: 'instances/new/config.yml',
          message: 'stale',
          content: b64('A: 3\n'),
          sha: sha1,
        }),
      );
      expect(stale.status).toBe(409);
      expect(
        await gh.git.readFile(
          repo.owner,
          repo.repo,
          'instances/new/config.yml',
        ),
      ).toBe('A: 2\n');

      const { data: dir } = await octokit.repos.getContent({
        ...repo,
        path: 'instances/demo',
      });
      expect(
        (dir as Array<{ name: string; type: string }>).map(
          e => `${e.type}:${e.name}`,
        ),
      ).toEqual(['file:application.yml', 'file:config.yml', 'dir:env']);

      const staleDelete = await failure(
        octokit.repos.deleteFile({
          ...repo,
          path: 'instances/new/config.yml',
          message: 'rm',
          sha: sha1,
        }),
      );
      expect(staleDelete.status).toBe(409);
      await octokit.repos.deleteFile({
        ...repo,
        path: 'instances/new/config.yml',
        message: 'rm',
        sha: updated.data.content!.sha!,
      });
      expect(
        (
          await failure(
            octokit.repos.getContent({
              ...repo,
              path: 'instances/new/config.yml',
            }),
          )
        ).status,
      ).toBe(404);
    });

    it('answers 304 to a matching If-None-Match without spending rate limit', async () => {
      await seedCluster(gh);
      const params = {
        owner: 'acme-edu',
        repo: 'launchpad-cluster-staging',
        path: 'instances/demo/config.yml',
      };
      const first = await octokit.repos.getContent(params);
      const etag = first.headers.etag!;
      const remaining = Number(first.headers['x-ratelimit-remaining']);
      expect(remaining).toBe(4999);
      const notModified = await failure(
        octokit.repos.getContent({
          ...params,
          headers: { 'if-none-match': etag },
        }),
      );
      expect(notModified.status).toBe(304);
      expect(Number(notModified.headers['x-ratelimit-remaining'])).toBe(
        remaining,
      );
      const again = await octokit.repos.getContent(params);
      expect(again.headers.etag).toBe(etag); // unchanged resource, same ETag
      expect(Number(again.headers['x-ratelimit-remaining'])).toBe(
        remaining - 1,
      );
      await gh.git.commitFiles('acme-edu', 'launchpad-cluster-staging', {
        message: 'edit',
        changes: { 'instances/demo/config.yml': 'X: 1\n' },
      });
      const changed = await octokit.repos.getContent({
        ...params,
        headers: { 'if-none-match': etag },
      });
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
    });
  });

  describe('git data', () => {
    it('commits several files at once (blobs, tree on base_tree, commit, ref) and reads the tree back', async () => {
      const { headSha } = await seedCluster(gh);
      const repo = { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };
      const pushes: PushEvent[] = [];
      gh.git.onPush(e => pushes.push(e));

      const { data: ref } = await octokit.git.getRef({
        ...repo,
        ref: 'heads/main',
      });
      expect(ref.object.sha).toBe(headSha);
      const { data: base } = await octokit.git.getCommit({
        ...repo,
        commit_sha: ref.object.sha,
      });
      const { data: blob } = await octokit.git.createBlob({
        ...repo,
        content: b64('kind: Application\nname: two\n'),
        encoding: 'base64',
      });
      const { data: tree } = await octokit.git.createTree({
        ...repo,
        base_tree: base.tree.sha,
        tree: [
          {
            path: 'instances/two/config.yml',
            mode: '100644',
            type: 'blob',
            content: 'K8S_NAMESPACE: two\n',
          },
          {
            path: 'instances/two/application.yml',
            mode: '100644',
            type: 'blob',
            sha: blob.sha,
          },
          {
            path: 'instances/demo/application.yml',
            mode: '100644',
            type: 'blob',
            sha: null,
          },
        ],
      });
      const { data: commit } = await octokit.git.createCommit({
        ...repo,
        message: 'Add two',
        tree: tree.sha,
        parents: [ref.object.sha],
      });
      expect(commit.parents.map(p => p.sha)).toEqual([headSha]);
      await octokit.git.updateRef({
        ...repo,
        ref: 'heads/main',
        sha: commit.sha,
      });

      expect(pushes).toEqual([
        {
          owner: 'acme-edu',
          repo: 'launchpad-cluster-staging',
          branch: 'main',
          before: headSha,
          after: commit.sha,
          changedPaths: [
            'instances/demo/application.yml',
            'instances/two/application.yml',
            'instances/two/config.yml',
          ],
        },
      ]);
      // Real git on disk: the CLI sees the same commit, tree and content.
      expect(gitCli(gh, repo.owner, repo.repo, 'rev-parse', 'main')).toBe(
        commit.sha,
      );
      expect(
        gitCli(
          gh,
          repo.owner,
          repo.repo,
          'cat-file',
          '-p',
          'main:instances/two/application.yml',
        ),
      ).toBe('kind: Application\nname: two');
      expect(gitCli(gh, repo.owner, repo.repo, 'fsck', '--strict')).toBe('');

      // Reading a whole repository: ref, then the tree recursively.
      const { data: full } = await octokit.git.getTree({
        ...repo,
        tree_sha: commit.sha,
        recursive: 'true',
      });
      const files = full.tree.filter(e => e.type === 'blob').map(e => e.path);
      expect(files).toEqual(
        gitCli(
          gh,
          repo.owner,
          repo.repo,
          'ls-tree',
          '-r',
          '--name-only',
          'main',
        ).split('\n'),
      );
      expect(
        full.tree.find(e => e.path === 'instances/two/config.yml')?.size,
      ).toBe('K8S_NAMESPACE: two\n'.length);
      const { data: gotBlob } = await octokit.git.getBlob({
        ...repo,
        file_sha: blob.sha,
      });
      expect(unb64(gotBlob.content)).toBe('kind: Application\nname: two\n');

      const { data: changed } = await octokit.repos.getCommit({
        ...repo,
        ref: commit.sha,
      });
      expect(changed.files?.map(f => `${f.status}:${f.filename}`)).toEqual([
        'removed:instances/demo/application.yml',
        'added:instances/two/application.yml',
        'added:instances/two/config.yml',
      ]);
      expect(
        changed.files?.find(f => f.filename === 'instances/two/application.yml')
          ?.additions,
      ).toBe(2);
    });

    it('refuses a non-fast-forward ref update unless forced, and lists matching refs', async () => {
      const { headSha } = await seedCluster(gh);
      const repo = { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };
      const { data: orphanTree } = await octokit.git.createTree({
        ...repo,
        tree: [{ path: 'x', mode: '100644', type: 'blob', content: 'x' }],
      });
      const { data: orphan } = await octokit.git.createCommit({
        ...repo,
        message: 'orphan',
        tree: orphanTree.sha,
        parents: [],
      });
      const refused = await failure(
        octokit.git.updateRef({ ...repo, ref: 'heads/main', sha: orphan.sha }),
      );
      expect(refused.status).toBe(422);
      expect(refused.data.message).toBe('Update is not a fast forward');
      expect(await gh.git.headSha(repo.owner, repo.repo)).toBe(headSha);
      await octokit.git.createRef({
        ...repo,
        ref: 'refs/heads/feature/a',
        sha: headSha,
      });
      await octokit.git.updateRef({
        ...repo,
        ref: 'heads/feature/a',
        sha: orphan.sha,
        force: true,
      });
      const { data: refs } = await octokit.git.listMatchingRefs({
        ...repo,
        ref: 'heads/feature',
      });
      expect(refs.map(r => `${r.ref}=${r.object.sha}`)).toEqual([
        `refs/heads/feature/a=${orphan.sha}`,
      ]);
      expect(
        (
          await failure(
            octokit.git.createRef({
              ...repo,
              ref: 'refs/heads/feature/a',
              sha: headSha,
            }),
          )
        ).status,
      ).toBe(422);
    });
  });

  describe('branches and pull requests', () => {
    it('opens a pull request from a branch and merges it with a real merge commit', async () => {
      const { headSha } = await seedCluster(gh);
      const repo = { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };
      await octokit.git.createRef({
        ...repo,
        ref: 'refs/heads/add-two',
        sha: headSha,
      });
      await octokit.repos.createOrUpdateFileContents({
        ...repo,
        path: 'instances/two/config.yml',
        message: 'two',
        content: b64('A: 1\n'),
        branch: 'add-two',
      });
      // main moves on in another file: still mergeable.
      await gh.git.commitFiles(repo.owner, repo.repo, {
        message: 'other',
        changes: { 'README.md': 'hi\n' },
      });
      const { data: branch } = await octokit.repos.getBranch({
        ...repo,
        branch: 'add-two',
      });
      expect(branch.commit.commit.message).toBe('two');

      const { data: pr } = await octokit.pulls.create({
        ...repo,
        title: 'Add two',
        head: 'add-two',
        base: 'main',
      });
      expect(pr).toMatchObject({
        number: 1,
        state: 'open',
        head: { ref: 'add-two', sha: branch.commit.sha },
      });
      // GitHub computes mergeability in the background: null until then.
      const { data: first } = await octokit.pulls.get({
        ...repo,
        pull_number: 1,
      });
      expect(first.mergeable).toBeNull();
      const { data: got } = await octokit.pulls.get({
        ...repo,
        pull_number: 1,
      });
      expect(got.mergeable).toBe(true);
      expect(
        (await octokit.pulls.list({ ...repo })).data.map(p => p.number),
      ).toEqual([1]);

      const { data: merged } = await octokit.pulls.merge({
        ...repo,
        pull_number: 1,
      });
      expect(merged.merged).toBe(true);
      expect(gitCli(gh, repo.owner, repo.repo, 'rev-parse', 'main')).toBe(
        merged.sha,
      );
      expect(
        gitCli(
          gh,
          repo.owner,
          repo.repo,
          'log',
          '-1',
          '--format=%P',
          'main',
        ).split(' '),
      ).toHaveLength(2);
      expect(
        await gh.git.readFile(
          repo.owner,
          repo.repo,
          'instances/two/config.yml',
        ),
      ).toBe('A: 1\n');
      expect(await gh.git.readFile(repo.owner, repo.repo, 'README.md')).toBe(
        'hi\n',
      );
      expect(
        (await octokit.pulls.get({ ...repo, pull_number: 1 })).data,
      ).toMatchObject({
        state: 'closed',
        merged: true,
        merge_commit_sha: merged.sha,
      });
      expect(
        (await failure(octokit.pulls.merge({ ...repo, pull_number: 1 })))
          .status,
      ).toBe(405);
    });

    it('answers 405 for a pull request that conflicts with its base', async () => {
      const { headSha } = await seedCluster(gh);
      const repo = { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };
      await octokit.git.createRef({
        ...repo,
        ref: 'refs/heads/edit',
        sha: headSha,
      });
      await gh.git.commitFiles(repo.owner, repo.repo, {
        branch: 'edit',
        message: 'edit',
        changes: { 'instances/demo/config.yml': 'A: branch\n' },
      });
      await gh.git.commitFiles(repo.owner, repo.repo, {
        message: 'main edit',
        changes: { 'instances/demo/config.yml': 'A: main\n' },
      });
      await octokit.pulls.create({
        ...repo,
        title: 'Edit',
        head: 'edit',
        base: 'main',
      });
      expect(
        (await octokit.pulls.get({ ...repo, pull_number: 1 })).data.mergeable,
      ).toBeNull();
      expect(
        (await octokit.pulls.get({ ...repo, pull_number: 1 })).data.mergeable,
      ).toBe(false);
      const refused = await failure(
        octokit.pulls.merge({ ...repo, pull_number: 1 }),
      );
      expect(refused.status).toBe(405);
      expect(refused.data.message).toBe('Pull Request is not mergeable');
    });
  });

  describe('Actions and Picasso builds', () => {
    const repo = { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };

    async function advanceRun() {
      gh.clock.advance(RUN_TIMINGS.queuedMs);
      await gh.api.actions.whenIdle();
      gh.clock.advance(RUN_TIMINGS.runningMs);
      await gh.api.actions.whenIdle();
    }

    it('runs a dispatched build queued → in_progress → completed and commits the new image tag', async () => {
      const { headSha } = await seedCluster(gh);
      const pushes: PushEvent[] = [];
      gh.git.onPush(e => pushes.push(e));
      const { data: workflows } = await octokit.actions.listRepoWorkflows(repo);
      expect(workflows.workflows.map(w => `${w.name}:${w.path}`)).toEqual([
        'Build instance image:.github/workflows/build.yml',
      ]);

      const dispatched = await octokit.actions.createWorkflowDispatch({
        ...repo,
        workflow_id: 'build.yml',
        ref: 'main',
        inputs: { INSTANCE_NAME: 'demo', SERVICE: 'openedx' },
        return_run_details: true,
      });
      expect(dispatched.status).toBe(200);
      const runId = (dispatched.data as { workflow_run_id: number })
        .workflow_run_id;
      const run = async () =>
        (await octokit.actions.getWorkflowRun({ ...repo, run_id: runId })).data;
      expect(await run()).toMatchObject({
        status: 'queued',
        conclusion: null,
        event: 'workflow_dispatch',
        head_branch: 'main',
        head_sha: headSha,
        run_number: 1,
        display_title: 'Build openedx image for demo',
      });
      expect((dispatched.data as { run_url: string }).run_url).toBe(
        `${gh.url}/repos/${repo.owner}/${repo.repo}/actions/runs/${runId}`,
      );

      gh.clock.advance(RUN_TIMINGS.queuedMs);
      await gh.api.actions.whenIdle();
      expect((await run()).status).toBe('in_progress');
      expect(pushes).toHaveLength(0);
      gh.clock.advance(RUN_TIMINGS.runningMs);
      await gh.api.actions.whenIdle();
      const done = await run();
      expect(done).toMatchObject({
        status: 'completed',
        conclusion: 'success',
      });

      const config = (await gh.git.readFile(
        repo.owner,
        repo.repo,
        'instances/demo/config.yml',
      ))!;
      const doc = parseDocument(config);
      const image = doc.get('DOCKER_IMAGE_OPENEDX') as string;
      expect(image).toMatch(/^acme\/openedx-demo:teak\.3-\d{8}-1$/);
      expect(image).not.toBe('acme/openedx-demo:teak.3-20260101-1');
      // Only the image line changed: comments, order and the other keys survive.
      expect(config).toBe(
        CONFIG.replace('acme/openedx-demo:teak.3-20260101-1', image),
      );
      const deployments = (await gh.git.readFile(
        repo.owner,
        repo.repo,
        'instances/demo/env/deployments.yml',
      ))!;
      expect(deployments).toContain(`image: ${image}`);
      expect(deployments).toContain('image: acme/mfe-demo:teak.3-20260101-1');

      expect(pushes).toEqual([
        expect.objectContaining({
          branch: 'main',
          before: headSha,
          changedPaths: [
            'instances/demo/config.yml',
            'instances/demo/env/deployments.yml',
          ],
        }),
      ]);
      const { data: jobs } = await octokit.actions.listJobsForWorkflowRun({
        ...repo,
        run_id: runId,
      });
      expect(jobs.jobs[0]).toMatchObject({
        status: 'completed',
        conclusion: 'success',
        name: 'Build openedx image',
      });
      const { data: runs } = await octokit.actions.listWorkflowRuns({
        ...repo,
        workflow_id: 'build.yml',
        status: 'success',
        branch: 'main',
        event: 'workflow_dispatch',
      });
      expect(runs.workflow_runs.map(r => r.id)).toEqual([runId]);
      const { data: none } = await octokit.actions.listWorkflowRuns({
        ...repo,
        workflow_id: 'build.yml',
        status: 'in_progress',
      });
      expect(none.total_count).toBe(0);

      // Lists page with GitHub's Link header, which octokit.paginate follows.
      for (let i = 0; i < 2; i++) {
        await octokit.actions.createWorkflowDispatch({
          ...repo,
          workflow_id: 'build.yml',
          ref: 'main',
          inputs: { INSTANCE_NAME: 'demo', SERVICE: 'mfe' },
        });
      }
      const firstPage = await octokit.actions.listWorkflowRuns({
        ...repo,
        workflow_id: 'build.yml',
        per_page: 2,
      });
      expect(firstPage.headers.link).toContain('rel="next"');
      const all = await octokit.paginate(octokit.actions.listWorkflowRuns, {
        ...repo,
        workflow_id: 'build.yml',
        per_page: 2,
      });
      expect(all.map(r => r.run_number)).toEqual([3, 2, 1]);
    });

    it('builds the MFE image into MFE_DOCKER_IMAGE and answers 204 without run details', async () => {
      await seedCluster(gh);
      const dispatched = await octokit.actions.createWorkflowDispatch({
        ...repo,
        workflow_id: 'build.yml',
        ref: 'main',
        inputs: { INSTANCE_NAME: 'demo', SERVICE: 'mfe' },
      });
      expect(dispatched.status).toBe(204);
      await advanceRun();
      const config = parseDocument(
        (await gh.git.readFile(
          repo.owner,
          repo.repo,
          'instances/demo/config.yml',
        ))!,
      );
      expect(config.get('MFE_DOCKER_IMAGE')).toMatch(
        /^acme\/mfe-demo:teak\.3-\d{8}-1$/,
      );
      expect(config.get('DOCKER_IMAGE_OPENEDX')).toBe(
        'acme/openedx-demo:teak.3-20260101-1',
      );
    });

    it('validates dispatch inputs against the workflow file as GitHub does', async () => {
      await seedCluster(gh);
      const dispatch = (inputs: Record<string, string>, ref = 'main') =>
        failure(
          octokit.actions.createWorkflowDispatch({
            ...repo,
            workflow_id: 'build.yml',
            ref,
            inputs,
          }),
        );
      const unknown = await dispatch({
        INSTANCE_NAME: 'demo',
        SERVICE: 'openedx',
        COLOR: 'red',
      });
      expect(unknown.status).toBe(422);
      expect(unknown.data.message).toBe(
        'Unexpected inputs provided: ["COLOR"]',
      );
      const missing = await dispatch({ SERVICE: 'openedx' });
      expect(missing.status).toBe(422);
      expect(missing.data.message).toBe(
        "Required input 'INSTANCE_NAME' not provided",
      );
      const badChoice = await dispatch({
        INSTANCE_NAME: 'demo',
        SERVICE: 'forum',
      });
      expect(badChoice.status).toBe(422);
      expect(
        (await dispatch({ INSTANCE_NAME: 'demo', SERVICE: 'openedx' }, 'nope'))
          .data.message,
      ).toBe('No ref found for: nope');
      expect(
        (
          await failure(
            octokit.actions.createWorkflowDispatch({
              ...repo,
              workflow_id: 'deploy.yml',
              ref: 'main',
            }),
          )
        ).status,
      ).toBe(404);
      expect(
        gh.api.actions.listRuns(gh.git.getRepository(repo.owner, repo.repo)!),
      ).toHaveLength(0);
    });

    it('fails the build of an unknown instance and under the build-fails fault, committing nothing', async () => {
      const { headSha } = await seedCluster(gh);
      await octokit.actions.createWorkflowDispatch({
        ...repo,
        workflow_id: 'build.yml',
        ref: 'main',
        inputs: { INSTANCE_NAME: 'ghost', SERVICE: 'openedx' },
      });
      await advanceRun();
      gh.faults.add({ kind: 'build-fails', instance: 'demo', count: 1 });
      await octokit.actions.createWorkflowDispatch({
        ...repo,
        workflow_id: 'build.yml',
        ref: 'main',
        inputs: { INSTANCE_NAME: 'demo', SERVICE: 'openedx' },
      });
      await advanceRun();
      const { data } = await octokit.actions.listWorkflowRuns({
        ...repo,
        workflow_id: 'build.yml',
      });
      expect(
        data.workflow_runs.map(r => `${r.run_number}:${r.conclusion}`),
      ).toEqual(['2:failure', '1:failure']);
      expect(await gh.git.headSha(repo.owner, repo.repo)).toBe(headSha);
      expect(gh.faults.list()).toHaveLength(0); // the count-limited fault is used up
      // The next build of the same instance succeeds.
      await octokit.actions.createWorkflowDispatch({
        ...repo,
        workflow_id: 'build.yml',
        ref: 'main',
        inputs: { INSTANCE_NAME: 'demo', SERVICE: 'openedx' },
      });
      await advanceRun();
      const { data: after } = await octokit.actions.listWorkflowRuns({
        ...repo,
        workflow_id: 'build.yml',
        per_page: 1,
      });
      expect(after.workflow_runs[0].conclusion).toBe('success');
      expect(await gh.git.headSha(repo.owner, repo.repo)).not.toBe(headSha);
    });
  });

  describe('rate limits and faults', () => {
    it('counts requests per token and answers 403 when the primary limit is spent, resetting hourly', async () => {
      await seedCluster(gh);
      const a = await octokit.repos.get(repo());
      const b = await octokit.repos.get(repo());
      expect(Number(b.headers['x-ratelimit-remaining'])).toBe(
        Number(a.headers['x-ratelimit-remaining']) - 1,
      );
      expect(b.headers['x-ratelimit-used']).toBe('2');
      expect(b.headers['x-ratelimit-resource']).toBe('core');
      gh.api.rateLimiter.setRemaining(`token:${gh.token}`, 0);
      const limited = await failure(octokit.repos.get(repo()));
      expect(limited.status).toBe(403);
      expect(limited.data.message).toMatch(/^API rate limit exceeded/);
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      const reset = Number(limited.headers['x-ratelimit-reset']);
      expect(reset * 1000).toBeGreaterThan(gh.clock.nowMs());
      gh.clock.advance(reset * 1000 - gh.clock.nowMs() + 1);
      const fresh = await octokit.repos.get(repo());
      expect(fresh.headers['x-ratelimit-remaining']).toBe('4999');
    });

    it('lets the throttling plugin see the primary limit', async () => {
      await seedCluster(gh);
      gh.api.rateLimiter.setRemaining(`token:${gh.token}`, 0);
      const onRateLimit = jest.fn(() => false);
      const Throttled = Octokit.plugin(throttling as unknown as OctokitPlugin);
      const client = new Throttled({
        baseUrl: gh.url,
        auth: gh.token,
        log,
        throttle: { onRateLimit, onSecondaryRateLimit: () => false },
      });
      expect((await failure(client.repos.get(repo()))).status).toBe(403);
      expect(onRateLimit).toHaveBeenCalledTimes(1);
    });

    it('answers the secondary rate limit fault with 403 + retry-after, which the throttling plugin retries', async () => {
      await seedCluster(gh);
      gh.faults.add({
        kind: 'rate-limit',
        retryAfterSeconds: 2,
        count: 1,
        pathPrefix: '/repos/acme-edu',
      });
      const onSecondaryRateLimit = jest.fn(
        (
          _retryAfter: number,
          _options: unknown,
          _octokit: unknown,
          retryCount: number,
        ) => retryCount < 1,
      );
      const Throttled = Octokit.plugin(throttling as unknown as OctokitPlugin);
      const client = new Throttled({
        baseUrl: gh.url,
        auth: gh.token,
        log,
        throttle: {
          onRateLimit: () => false,
          onSecondaryRateLimit,
          retryAfterBaseValue: 1,
        },
      });
      const { data } = await client.repos.get(repo());
      expect(data.full_name).toBe('acme-edu/launchpad-cluster-staging');
      expect(onSecondaryRateLimit).toHaveBeenCalledTimes(1);
      expect(onSecondaryRateLimit.mock.calls[0][0]).toBe(2);

      gh.faults.add({ kind: 'rate-limit', count: 1 });
      const raw = await failure(octokit.repos.get(repo()));
      expect(raw.status).toBe(403);
      expect(raw.headers['retry-after']).toBe('60');
      expect(raw.data.message).toMatch(/secondary rate limit/);
    });

    it('answers 5xx faults, which the retry plugin recovers from when they stop', async () => {
      await seedCluster(gh);
      gh.faults.add({
        kind: 'http-error',
        service: 'github',
        status: 502,
        count: 2,
        pathPrefix: '/repos/',
      });
      const Retrying = Octokit.plugin(retry as unknown as OctokitPlugin);
      const client = new Retrying({
        baseUrl: gh.url,
        auth: gh.token,
        log,
        retry: { retryAfterBaseValue: 1 },
      });
      const { data } = await client.repos.get(repo());
      expect(data.name).toBe('launchpad-cluster-staging');
      expect(gh.faults.list()).toHaveLength(0);

      gh.faults.add({
        kind: 'http-error',
        service: 'github',
        status: 503,
        count: 1,
      });
      const plain = await failure(octokit.repos.get(repo()));
      expect(plain.status).toBe(503);
      expect(plain.data.message).toContain('503');
    });

    it('delays responses under the slow fault', async () => {
      await seedCluster(gh);
      const fault = gh.faults.add({
        kind: 'slow',
        service: 'github',
        delayMs: 1_500,
        count: 1,
      });
      const timedOut = octokit.repos.get({
        ...repo(),
        request: { signal: AbortSignal.timeout(200) },
      });
      await expect(timedOut).rejects.toThrow();
      expect(fault.hits).toBe(1);
      const { data } = await octokit.repos.get(repo());
      expect(data.name).toBe('launchpad-cluster-staging');
    });

    function repo() {
      return { owner: 'acme-edu', repo: 'launchpad-cluster-staging' };
    }
  });
});
