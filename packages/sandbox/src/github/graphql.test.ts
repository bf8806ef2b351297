import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { GRAPHQL_BLOB_TEXT_LIMIT } from './graphql';
import { startTestGitHub } from './testing';
import type { TestGitHub } from './testing';

// The plugin's types name the hoisted, older @octokit/core rather than the one
// @octokit/rest uses; the runtime contract is the same.
type OctokitPlugin = Parameters<typeof Octokit.plugin>[0];
const RetryingOctokit = Octokit.plugin(retry as unknown as OctokitPlugin);

/** Octokit logs failed requests; these tests provoke some on purpose. */
const log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

const OWNER = 'acme-edu';
const REPO = 'cluster';
const FILES = {
  'instances/alpha/config.yml':
    'LMS_HOST: alpha.test\nCMS_HOST: studio.alpha.test\n',
  'instances/alpha/application.yml': 'kind: Application\n',
  'instances/beta/config.yml': 'LMS_HOST: beta.test # é, ü, 学\n',
  'instances/beta/application.yml': 'kind: Application\nmetadata: {}\n',
  'README.md': '# cluster\n',
};

/** What octokit.graphql throws for a 200 with `errors` (GraphqlResponseError). */
interface GraphqlFailure {
  name: string;
  errors: Array<{ type?: string; message: string; path?: unknown[] }>;
  data?: Record<string, unknown>;
}

async function graphqlFailure(
  promise: Promise<unknown>,
): Promise<GraphqlFailure> {
  try {
    await promise;
  } catch (error) {
    return error as GraphqlFailure;
  }
  throw new Error('expected the query to fail');
}

describe('GitHub GraphQL (POST /graphql)', () => {
  let gh: TestGitHub;
  let octokit: Octokit;
  let statuses: number[];

  beforeAll(async () => {
    gh = await startTestGitHub();
    await gh.git.createRepository(OWNER, REPO, { files: FILES });
  }, 60_000);
  afterAll(async () => {
    await gh?.stop();
  }, 60_000);
  beforeEach(() => {
    statuses = [];
    octokit = new RetryingOctokit({
      baseUrl: gh.url,
      auth: gh.token,
      log,
      retry: { retryAfterBaseValue: 1 },
      request: {
        fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
          const response = await fetch(input, init);
          statuses.push(response.status);
          return response;
        },
      },
    });
  }, 30_000);

  async function blobShas(): Promise<Array<{ path: string; sha: string }>> {
    const tree = await octokit.rest.git.getTree({
      owner: OWNER,
      repo: REPO,
      tree_sha: 'main',
      recursive: 'true',
    });
    return tree.data.tree
      .filter(e => e.type === 'blob')
      .map(e => ({ path: e.path!, sha: e.sha! }));
  }

  it('reads blobs by oid in one batched query, with the same text as REST git.getBlob', async () => {
    const blobs = await blobShas();
    expect(blobs).toHaveLength(Object.keys(FILES).length);
    const aliases = blobs
      .map(
        (b, i) =>
          `f${i}: object(oid: "${b.sha}") { ... on Blob { oid text isBinary isTruncated byteSize } }`,
      )
      .join('\n');
    statuses.length = 0;
    const result = await octokit.graphql<{
      repository: Record<
        string,
        {
          oid: string;
          text: string | null;
          isBinary: boolean;
          isTruncated: boolean;
          byteSize: number;
        }
      >;
      rateLimit: {
        cost: number;
        limit: number;
        remaining: number;
        resetAt: string;
      };
    }>(
      `query { repository(owner: "${OWNER}", name: "${REPO}") { ${aliases} } rateLimit { cost limit remaining resetAt } }`,
    );
    expect(statuses).toEqual([200]);

    for (const [i, b] of blobs.entries()) {
      const rest = await octokit.rest.git.getBlob({
        owner: OWNER,
        repo: REPO,
        file_sha: b.sha,
      });
      const restText = Buffer.from(rest.data.content, 'base64').toString(
        'utf8',
      );
      expect(restText).toBe(FILES[b.path as keyof typeof FILES]);
      expect(result.repository[`f${i}`]).toEqual({
        oid: b.sha,
        text: restText,
        isBinary: false,
        isTruncated: false,
        byteSize: rest.data.size,
      });
    }
    expect(result.rateLimit).toMatchObject({ cost: 1, limit: 5000 });
    expect(result.rateLimit.remaining).toBeLessThan(5000);
    expect(Date.parse(result.rateLimit.resetAt)).toBeGreaterThan(0);
  });

  it('resolves expressions (rev:path) to blobs, trees and commits', async () => {
    const result = await octokit.graphql<{
      repository: {
        file: { text: string };
        folder: {
          entries: Array<{ name: string; path: string; type: string }>;
        };
        head: { oid: string; message: string; tree: { oid: string } };
        missing: null;
      };
    }>(
      `query($owner: String!, $name: String!) {
        repository(owner: $owner, name: $name) {
          file: object(expression: "main:instances/alpha/config.yml") { ... on Blob { text } }
          folder: object(expression: "main:instances") { ... on Tree { entries { name path type } } }
          head: object(expression: "main") { ... on Commit { oid message tree { oid } } }
          missing: object(expression: "main:instances/nope") { oid }
        }
      }`,
      { owner: OWNER, name: REPO },
    );
    expect(result.repository.file.text).toBe(
      FILES['instances/alpha/config.yml'],
    );
    expect(result.repository.folder.entries).toEqual([
      { name: 'alpha', path: 'instances/alpha', type: 'tree' },
      { name: 'beta', path: 'instances/beta', type: 'tree' },
    ]);
    const ref = await octokit.rest.git.getRef({
      owner: OWNER,
      repo: REPO,
      ref: 'heads/main',
    });
    expect(result.repository.head.oid).toBe(ref.data.object.sha);
    expect(result.repository.missing).toBeNull();
  });

  it('reports rate limits under the graphql resource, apart from REST', async () => {
    const response = await octokit.request('POST /graphql', {
      query: '{ rateLimit { remaining } }',
    });
    expect(response.headers['x-ratelimit-resource']).toBe('graphql');
    const limits = await octokit.rest.rateLimit.get();
    expect(limits.data.resources.graphql?.used).toBeGreaterThan(0);
    expect(limits.data.resources.core.used).not.toBe(
      limits.data.resources.graphql?.used,
    );
  });

  it('rejects a query that GitHub’s schema rejects, with a validation error', async () => {
    const failure = await graphqlFailure(
      octokit.graphql(
        `{ repository(owner: "${OWNER}", name: "${REPO}") { object(oid: "0000000000000000000000000000000000000000") { ... on Blob { text notAField } } } }`,
      ),
    );
    expect(failure.name).toBe('GraphqlResponseError');
    expect(failure.errors).toEqual([
      expect.objectContaining({
        message: 'Cannot query field "notAField" on type "Blob".',
      }),
    ]);
    // A field GitHub has but the sandbox does not serve is refused by name.
    const unsupported = await graphqlFailure(
      octokit.graphql(`{ viewer { login } }`),
    );
    expect(unsupported.errors[0]).toMatchObject({
      type: 'SANDBOX_UNSUPPORTED',
      message: expect.stringContaining('Query.viewer'),
      path: ['viewer'],
    });
  });

  it('answers an unknown repository with NOT_FOUND', async () => {
    const failure = await graphqlFailure(
      octokit.graphql(
        `{ repository(owner: "${OWNER}", name: "no-such-repo") { id } }`,
      ),
    );
    expect(failure.data).toEqual({ repository: null });
    expect(failure.errors).toEqual([
      {
        type: 'NOT_FOUND',
        path: ['repository'],
        locations: [{ line: 1, column: 3 }],
        message: `Could not resolve to a Repository with the name '${OWNER}/no-such-repo'.`,
      },
    ]);
  });

  it('answers 401 without a token, and with a wrong one', async () => {
    for (const auth of [undefined, 'wrong-token']) {
      const anonymous = new Octokit({ baseUrl: gh.url, auth, log });
      await expect(
        anonymous.graphql('{ rateLimit { remaining } }'),
      ).rejects.toMatchObject({
        status: 401,
        response: {
          data: {
            message: auth
              ? 'Bad credentials'
              : 'This endpoint requires you to be authenticated.',
            documentation_url: expect.stringMatching(
              /^https:\/\/docs\.github\.com\/graphql/,
            ),
          },
        },
      });
    }
  });

  it(`serves text of blobs up to ${GRAPHQL_BLOB_TEXT_LIMIT} bytes; above it text is null and isTruncated`, async () => {
    const small = 'x'.repeat(GRAPHQL_BLOB_TEXT_LIMIT);
    const large = `${small}y`;
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]);
    const shas = await Promise.all(
      [Buffer.from(small), Buffer.from(large), binary].map(
        async data =>
          (
            await octokit.rest.git.createBlob({
              owner: OWNER,
              repo: REPO,
              content: data.toString('base64'),
              encoding: 'base64',
            })
          ).data.sha,
      ),
    );
    const result = await octokit.graphql<{
      repository: Record<
        string,
        {
          text: string | null;
          isTruncated: boolean;
          isBinary: boolean;
          byteSize: number;
        }
      >;
    }>(
      `{ repository(owner: "${OWNER}", name: "${REPO}") { ${shas
        .map(
          (sha, i) =>
            `b${i}: object(oid: "${sha}") { ... on Blob { text isTruncated isBinary byteSize } }`,
        )
        .join(' ')} } }`,
    );
    expect(result.repository.b0).toEqual({
      text: small,
      isTruncated: false,
      isBinary: false,
      byteSize: small.length,
    });
    expect(result.repository.b1).toEqual({
      text: null,
      isTruncated: true,
      isBinary: false,
      byteSize: large.length,
    });
    expect(result.repository.b2).toEqual({
      text: null,
      isTruncated: false,
      isBinary: true,
      byteSize: binary.length,
    });
  });

  it('answers an exhausted GraphQL budget with a RATE_LIMITED error, leaving REST alone', async () => {
    const key = `graphql:token:${gh.token}`;
    gh.api.rateLimiter.setRemaining(key, 0);
    try {
      const failure = await graphqlFailure(
        octokit.graphql('{ rateLimit { remaining } }'),
      );
      expect(failure.errors).toEqual([
        expect.objectContaining({ type: 'RATE_LIMITED' }),
      ]);
      const rest = await octokit.rest.repos.get({ owner: OWNER, repo: REPO });
      expect(rest.status).toBe(200);
    } finally {
      gh.api.rateLimiter.setRemaining(key, 5000);
    }
  });

  it('answers a fault on /graphql with a 5xx, which the retry plugin retries', async () => {
    gh.faults.add({
      kind: 'http-error',
      service: 'github',
      status: 502,
      pathPrefix: '/graphql',
      count: 2,
    });
    const result = await octokit.graphql<{ rateLimit: { cost: number } }>(
      '{ rateLimit { cost } }',
    );
    expect(result.rateLimit.cost).toBe(1);
    expect(statuses).toEqual([502, 502, 200]);
  });

  describe('createCommitOnBranch', () => {
    const MUTATION = `mutation($input: CreateCommitOnBranchInput!) {
      createCommitOnBranch(input: $input) {
        clientMutationId
        commit { oid messageHeadline messageBody committedViaWeb author { name email } committer { name email } }
        ref { name prefix target { oid } }
      }
    }`;
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    const head = async () =>
      (
        await octokit.rest.git.getRef({
          owner: OWNER,
          repo: REPO,
          ref: 'heads/main',
        })
      ).data.object.sha;
    const input = (
      expectedHeadOid: string,
      fileChanges: Record<string, unknown>,
    ) => ({
      input: {
        branch: {
          repositoryNameWithOwner: `${OWNER}/${REPO}`,
          branchName: 'main',
        },
        expectedHeadOid,
        message: { headline: 'Add gamma', body: 'Why: a test.' },
        fileChanges,
        clientMutationId: 'm-1',
      },
    });

    it('commits additions and deletions in one request, on top of the expected head, as the token user', async () => {
      const before = await head();
      statuses.length = 0;
      const result = await octokit.graphql<{
        createCommitOnBranch: {
          clientMutationId: string;
          commit: {
            oid: string;
            messageHeadline: string;
            messageBody: string;
            committedViaWeb: boolean;
            author: { name: string; email: string };
            committer: { name: string; email: string };
          };
          ref: { name: string; prefix: string; target: { oid: string } };
        };
      }>(
        MUTATION,
        input(before, {
          additions: [
            {
              path: 'instances/gamma/config.yml',
              contents: b64('LMS_HOST: g.test\n'),
            },
            {
              path: 'instances/alpha/config.yml',
              contents: b64('LMS_HOST: a2.test\n'),
            },
          ],
          deletions: [{ path: 'instances/beta/application.yml' }],
        }),
      );
      expect(statuses).toEqual([200]);
      const { commit, ref, clientMutationId } = result.createCommitOnBranch;
      expect(clientMutationId).toBe('m-1');
      expect(ref).toEqual({
        name: 'main',
        prefix: 'refs/heads/',
        target: { oid: commit.oid },
      });
      expect(commit).toMatchObject({
        messageHeadline: 'Add gamma',
        messageBody: 'Why: a test.',
        committedViaWeb: true,
        author: {
          name: 'launchpad-sandbox',
          email: expect.stringMatching(
            /^\d+\+launchpad-sandbox@users\.noreply\.github\.com$/,
          ),
        },
        committer: { name: 'GitHub', email: 'noreply@github.com' },
      });
      // What REST sees: one commit whose parent is the old head, with the changes.
      const rest = await octokit.rest.git.getCommit({
        owner: OWNER,
        repo: REPO,
        commit_sha: commit.oid,
      });
      expect(rest.data.parents.map(p => p.sha)).toEqual([before]);
      expect(await head()).toBe(commit.oid);
      expect(
        await gh.git.readFile(OWNER, REPO, 'instances/gamma/config.yml'),
      ).toBe('LMS_HOST: g.test\n');
      expect(
        await gh.git.readFile(OWNER, REPO, 'instances/alpha/config.yml'),
      ).toBe('LMS_HOST: a2.test\n');
      expect(
        await gh.git.readFile(OWNER, REPO, 'instances/beta/application.yml'),
      ).toBeUndefined();
      expect(
        await gh.git.readFile(OWNER, REPO, 'instances/beta/config.yml'),
      ).toBe(FILES['instances/beta/config.yml']);
    });

    it('answers a moved head with STALE_DATA and changes nothing', async () => {
      const before = await head();
      await gh.git.commitFiles(OWNER, REPO, {
        message: 'someone else',
        changes: { 'other.txt': 'x\n' },
      });
      const moved = await head();
      const failure = await graphqlFailure(
        octokit.graphql(
          MUTATION,
          input(before, {
            additions: [{ path: 'stale.txt', contents: b64('no\n') }],
          }),
        ),
      );
      expect(failure.data).toEqual({ createCommitOnBranch: null });
      expect(failure.errors).toEqual([
        expect.objectContaining({
          type: 'STALE_DATA',
          path: ['createCommitOnBranch'],
          message: `Expected branch to point to "${before}" but it did not.  Pull and try again.`,
        }),
      ]);
      expect(await head()).toBe(moved);
      expect(await gh.git.readFile(OWNER, REPO, 'stale.txt')).toBeUndefined();
    });

    it('refuses to delete a path that is not a file, and an unknown repository', async () => {
      const current = await head();
      const failure = await graphqlFailure(
        octokit.graphql(
          MUTATION,
          input(current, { deletions: [{ path: 'instances/alpha' }] }),
        ),
      );
      expect(failure.errors[0]).toMatchObject({
        type: 'UNPROCESSABLE',
        message: `A path was requested for deletion which does not exist as of commit oid \`${current}\`.`,
      });
      const unknown = await graphqlFailure(
        octokit.graphql(MUTATION, {
          input: {
            ...input(current, {}).input,
            branch: {
              repositoryNameWithOwner: `${OWNER}/nope`,
              branchName: 'main',
            },
          },
        }),
      );
      expect(unknown.errors[0]).toMatchObject({ type: 'NOT_FOUND' });
      expect(await head()).toBe(current);
    });

    it('validates the input against GitHub’s schema (expectedHeadOid is required)', async () => {
      const failure = await graphqlFailure(
        octokit.graphql(MUTATION, {
          input: {
            branch: {
              repositoryNameWithOwner: `${OWNER}/${REPO}`,
              branchName: 'main',
            },
            message: { headline: 'x' },
          },
        }),
      );
      expect(failure.errors[0].message).toMatch(/expectedHeadOid/);
    });

    it('reads a branch head through ref(qualifiedName) and a file through Commit.file', async () => {
      const result = await octokit.graphql<{
        repository: {
          full: {
            name: string;
            target: {
              oid: string;
              file: { oid: string; path: string } | null;
              gone: null;
            };
          };
          short: { prefix: string; target: { oid: string } };
          none: null;
        };
      }>(
        `query($owner: String!, $name: String!) {
          repository(owner: $owner, name: $name) {
            full: ref(qualifiedName: "refs/heads/main") { name target { oid ... on Commit { file(path: "instances/alpha/config.yml") { oid path } gone: file(path: "nope.txt") { oid } } } }
            short: ref(qualifiedName: "main") { prefix target { oid } }
            none: ref(qualifiedName: "refs/heads/no-such-branch") { name }
          }
        }`,
        { owner: OWNER, name: REPO },
      );
      const sha = await head();
      expect(result.repository.full.name).toBe('main');
      expect(result.repository.full.target.oid).toBe(sha);
      expect(result.repository.short).toEqual({
        prefix: 'refs/heads/',
        target: { oid: sha },
      });
      expect(result.repository.none).toBeNull();
      const entry = await gh.git.readPath(
        OWNER,
        REPO,
        'instances/alpha/config.yml',
      );
      expect(result.repository.full.target.file).toEqual({
        oid: entry!.sha,
        path: 'instances/alpha/config.yml',
      });
      expect(result.repository.full.target.gone).toBeNull();
    });

    it('charges the GraphQL budget one point per mutation, not the REST one', async () => {
      const limits = async () =>
        (await octokit.rest.rateLimit.get()).data.resources;
      const before = await limits();
      await octokit.graphql(
        MUTATION,
        input(await head(), {
          additions: [{ path: 'charged.txt', contents: b64('1\n') }],
        }),
      );
      const after = await limits();
      expect(after.graphql!.used - before.graphql!.used).toBe(1);
      // getRef for the head is the one REST request in between.
      expect(after.core.used - before.core.used).toBe(1);
    });
  });
});
