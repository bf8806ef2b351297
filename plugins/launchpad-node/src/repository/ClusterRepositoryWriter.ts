import { createHash } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { Octokit } from '@octokit/rest';
import { githubError } from '../errors';
import { describeGitHubError, requestErrorStatus } from '../github';

/** A file to write: its path in the repository and its full text. */
export interface CommitFile {
  path: string;
  content: string;
}

export interface CommitFilesInput {
  /** The commit message: its first line is the headline, the rest the body. */
  message: string;
  files?: CommitFile[];
  /** Paths of files to delete (each must exist). */
  deletions?: string[];
  /**
   * The head the caller based its change on (e.g. the commit it read
   * config.yml at). When the branch has moved since, the commit is retried on
   * the new head only if none of its paths changed in between; otherwise
   * ConflictError names them. Without it the writer reads the head itself
   * and retries on any move.
   */
  expectedHeadOid?: string;
  /** Default: the writer's branch. */
  branch?: string;
}

export interface CommitResult {
  sha: string;
  /** The commit's parent (the head it landed on). */
  parentSha: string;
  branch: string;
  /** How it was written: one GraphQL request, or the git data API fallback. */
  via: 'graphql' | 'git-data';
  /** Commit attempts (more than one when the head moved). */
  attempts: number;
}

export interface PullRequestInput {
  /** The head branch; created from the writer's branch when missing. */
  branch: string;
  title: string;
  body?: string;
  files?: CommitFile[];
  deletions?: string[];
  /** Default: the title. */
  message?: string;
}

export interface PullRequestResult {
  number: number;
  htmlUrl: string;
  branch: string;
  headSha: string;
  /** False when the pull request already existed (a re-run). */
  created: boolean;
  /** The commit made on the branch, or undefined when it already had the files. */
  commit?: CommitResult;
}

export interface DispatchInput {
  /** The workflow file name (`build.yml`) or id. */
  workflow: string | number;
  /** Branch or tag to run on; default the writer's branch. */
  ref?: string;
  inputs?: Record<string, string | number | boolean>;
}

export interface DispatchResult {
  runId: number;
  /** The run's API URL. */
  runUrl: string;
  /** The run's page. */
  htmlUrl: string;
  /** How the run was found: GitHub's run details, or the listing fallback (204 servers). */
  foundBy: 'run-details' | 'listing';
}

export interface WorkflowRunInfo {
  id: number;
  name: string | null;
  displayTitle: string;
  runNumber: number;
  event: string;
  status: string | null;
  conclusion: string | null;
  headBranch: string | null;
  headSha: string;
  actor: string | null;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowJobInfo {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  htmlUrl: string | null;
  steps: Array<{
    number: number;
    name: string;
    status: string;
    conclusion: string | null;
    startedAt: string | null;
    completedAt: string | null;
  }>;
}

export interface ClusterRepositoryWriterOptions {
  /** The Octokit of the repository's credential, asked for per use (App tokens refresh). */
  octokit: () => Promise<Octokit>;
  owner: string;
  repo: string;
  /** The branch commits go to by default (the one ArgoCD tracks). */
  branch: string;
  logger: LoggerService;
  /** For error messages. */
  cluster?: string;
  /** Commit attempts when the head moves; default 4. */
  maxAttempts?: number;
  /** Finding a dispatched run on servers that answer 204 (see dispatchWorkflow). */
  runLookup?: {
    /** Listing polls; default 10. */
    attempts?: number;
    /** Wait between polls, ms; default 2000. */
    intervalMs?: number;
    /** How far before the dispatch a run may be created (clock skew), ms; default 60000. */
    skewMs?: number;
  };
}

/** GraphQL `errors[]` as Octokit's GraphqlResponseError carries them. */
interface GraphqlErrorEntry {
  type?: string;
  message: string;
}

type Attempt =
  | { ok: true; sha: string; parentSha: string; via: CommitResult['via'] }
  | { ok: false; stale: true };

const COMMIT_MUTATION = `mutation LaunchpadCommit($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid } }
}`;

/** git's blob id of a text: sha1 over `blob <bytes>\0<content>`. */
export function gitBlobSha(content: string): string {
  const data = Buffer.from(content, 'utf8');
  return createHash('sha1')
    .update(`blob ${data.length}\0`)
    .update(data)
    .digest('hex');
}

function graphqlErrors(error: unknown): GraphqlErrorEntry[] | undefined {
  if (
    error instanceof Error &&
    error.name === 'GraphqlResponseError' &&
    Array.isArray((error as { errors?: unknown }).errors)
  ) {
    return (error as unknown as { errors: GraphqlErrorEntry[] }).errors;
  }
  return undefined;
}

/** GitHub's answer to a moved head: `STALE_DATA`, "Expected branch to point to ...". */
function isStaleHead(error: unknown): boolean {
  return (
    graphqlErrors(error)?.some(
      e =>
        e.type === 'STALE_DATA' ||
        /Expected branch to point to/.test(e.message),
    ) ?? false
  );
}

/**
 * The mutation field missing from the server's schema (a GitHub Enterprise
 * Server that predates it): graphql-ruby says "Field 'x' doesn't exist on
 * type 'Mutation'", graphql-js `Cannot query field "x" on type "Mutation"`.
 */
function isMissingMutation(error: unknown): boolean {
  return (
    graphqlErrors(error)?.some(e =>
      /(doesn't exist on type|Cannot query field).*Mutation/.test(e.message),
    ) ?? false
  );
}

/**
 * GraphQL cannot serve the request, but REST may: no answer, a 5xx or 404
 * (no GraphQL endpoint), the mutation unknown, or the GraphQL budget spent
 * (REST has its own).
 */
function isGraphqlUnavailable(error: unknown): boolean {
  if (isMissingMutation(error)) return true;
  const errors = graphqlErrors(error);
  if (errors) return errors.some(e => e.type === 'RATE_LIMITED');
  const status = requestErrorStatus(error);
  return status === undefined || status === 404 || status >= 500;
}

/**
 * Writes to one cluster repository: several files and deletions in one
 * commit, a pull request, a folder removal, workflow dispatches and their
 * runs. A commit is ONE GitHub request — GraphQL `createCommitOnBranch`
 * (docs.github.com/graphql/reference/mutations#createcommitonbranch), whose
 * `expectedHeadOid` makes it a fast-forward of the head it was based on —
 * with the git data API (blobs, tree on `base_tree`, commit, fast-forward ref
 * update) as the fallback when GraphQL cannot serve it. The GraphQL endpoint
 * is Octokit's own: `<baseUrl>/graphql`, or `/api/graphql` for a GitHub
 * Enterprise Server `/api/v3` base URL (@octokit/graphql's with-defaults).
 */
export class ClusterRepositoryWriter {
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  private readonly octokit: () => Promise<Octokit>;
  private readonly logger: LoggerService;
  private readonly cluster?: string;
  private readonly maxAttempts: number;
  private readonly runLookup: Required<
    NonNullable<ClusterRepositoryWriterOptions['runLookup']>
  >;
  /** The last head seen per branch (a commit's result or a read): saves a read on the next commit. */
  private readonly knownHeads = new Map<string, string>();
  /** Set once the server's schema turned out to lack the mutation: later commits go to REST directly. */
  private mutationMissing = false;
  /** Runs already returned by the listing fallback, so two dispatches never get the same run. */
  private readonly claimedRuns = new Set<number>();
  private login?: Promise<string>;
  /** Set once the server refused `return_run_details` (older GHE Server). */
  private runDetailsUnsupported = false;

  constructor(options: ClusterRepositoryWriterOptions) {
    this.octokit = options.octokit;
    this.owner = options.owner;
    this.repo = options.repo;
    this.branch = options.branch;
    this.logger = options.logger;
    this.cluster = options.cluster;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.runLookup = {
      attempts: options.runLookup?.attempts ?? 10,
      intervalMs: options.runLookup?.intervalMs ?? 2000,
      skewMs: options.runLookup?.skewMs ?? 60_000,
    };
  }

  private get repository() {
    return `${this.owner}/${this.repo}`;
  }

  private fail(action: string, error: unknown): Error {
    const context = {
      action,
      cluster: this.cluster,
      repository: this.repository,
    };
    const errors = graphqlErrors(error);
    if (!errors) return githubError(error, context);
    // A GraphQL error is an HTTP 200: its `type` says what went wrong.
    const where = [
      this.cluster && `cluster ${this.cluster}`,
      `repository ${this.repository}`,
    ]
      .filter(Boolean)
      .join(', ');
    const first = errors[0];
    const message = `Could not ${action} (${where}): GitHub GraphQL answered ${
      first?.type ?? 'an error'
    }: ${first?.message ?? ''}`;
    const cause = new Error(errors.map(e => e.message).join('; '));
    cause.name = 'GitHubGraphqlError';
    switch (first?.type) {
      case 'NOT_FOUND':
        return new NotFoundError(message, cause);
      case 'FORBIDDEN':
        return new NotAllowedError(message, cause);
      case 'STALE_DATA':
        return new ConflictError(message, cause);
      case 'UNPROCESSABLE':
        return new InputError(message, cause);
      default:
        return new ServiceUnavailableError(message, cause);
    }
  }

  // ---- commits ----

  /**
   * Commits `files` and `deletions` to the branch in one commit. Costs one
   * GitHub request when the head is known (the caller's expectedHeadOid, or
   * the writer's last commit); one more to read it otherwise. A retry after
   * the head moved reads the new head and its commit (was it this commit,
   * landed already?), with expectedHeadOid the two trees compared, then
   * commits again.
   */
  async commitFiles(input: CommitFilesInput): Promise<CommitResult> {
    const branch = input.branch ?? this.branch;
    const files = input.files ?? [];
    const deletions = input.deletions ?? [];
    checkChanges(files, deletions);
    const basedOn = input.expectedHeadOid;
    let expected =
      basedOn ?? this.knownHeads.get(branch) ?? (await this.readHead(branch));
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const result = await this.attempt(
        branch,
        input.message,
        files,
        deletions,
        expected,
      );
      if (result.ok) return this.committed(branch, result, attempt);
      const current = await this.readHead(branch);
      if (await this.landed(current, expected, files, deletions)) {
        // A retried request whose first try landed (its answer was lost, a
        // 502 say): the head is this very commit.
        return this.committed(
          branch,
          {
            sha: current,
            parentSha: expected,
            via: this.mutationMissing ? 'git-data' : 'graphql',
          },
          attempt,
        );
      }
      this.logger.info(
        `Branch ${branch} of ${this.repository} moved (expected ${expected}, now ${current}); retrying the commit`,
        { repository: this.repository, attempt },
      );
      if (basedOn !== undefined) {
        await this.checkUnchanged(
          basedOn,
          current,
          [...files.map(f => f.path), ...deletions],
          branch,
        );
      }
      expected = current;
    }
    throw new ConflictError(
      `Could not commit to ${this.repository} (${branch}): the branch moved on each of ${this.maxAttempts} attempts`,
    );
  }

  /** One commit on `expected`: GraphQL first, the git data API when GraphQL cannot serve it. */
  /** A commit that landed on `branch`: now its known head, as a result. */
  private committed(
    branch: string,
    commit: Pick<CommitResult, 'sha' | 'parentSha' | 'via'>,
    attempts: number,
  ): CommitResult {
    this.knownHeads.set(branch, commit.sha);
    return {
      sha: commit.sha,
      parentSha: commit.parentSha,
      branch,
      via: commit.via,
      attempts,
    };
  }

  private async attempt(
    branch: string,
    message: string,
    files: CommitFile[],
    deletions: string[],
    expected: string,
  ): Promise<Attempt> {
    if (!this.mutationMissing) {
      const octokit = await this.octokit();
      const [headline, ...rest] = message.split('\n');
      const body = rest.join('\n').replace(/^\n+/, '');
      try {
        const data = await octokit.graphql<{
          createCommitOnBranch: { commit: { oid: string } };
        }>(COMMIT_MUTATION, {
          input: {
            branch: {
              repositoryNameWithOwner: this.repository,
              branchName: branch,
            },
            message: body ? { headline, body } : { headline },
            expectedHeadOid: expected,
            fileChanges: {
              additions: files.map(f => ({
                path: f.path,
                contents: Buffer.from(f.content, 'utf8').toString('base64'),
              })),
              deletions: deletions.map(path => ({ path })),
            },
          },
        });
        return {
          ok: true,
          sha: data.createCommitOnBranch.commit.oid,
          parentSha: expected,
          via: 'graphql',
        };
      } catch (error) {
        if (isStaleHead(error)) return { ok: false, stale: true };
        if (!isGraphqlUnavailable(error)) {
          throw this.fail(`commit to ${branch}`, error);
        }
        if (isMissingMutation(error)) this.mutationMissing = true;
        this.logger.warn(
          `GitHub GraphQL could not commit to ${this.repository} (${
            error instanceof Error ? error.message : String(error)
          }); using the git data API`,
          { repository: this.repository },
        );
      }
    }
    return this.attemptGitData(branch, message, files, deletions, expected);
  }

  /**
   * The same commit through the git data API: blobs, a tree on the head's
   * tree, a commit whose parent is `expected`, and a ref update that is not
   * forced, so GitHub refuses it (422) unless it is a fast-forward. A
   * GraphQL attempt that failed after all may have landed: a head whose tree
   * is the one this commit would have is that commit.
   */
  private async attemptGitData(
    branch: string,
    message: string,
    files: CommitFile[],
    deletions: string[],
    expected: string,
  ): Promise<Attempt> {
    const octokit = await this.octokit();
    const repo = { owner: this.owner, repo: this.repo };
    const action = `commit to ${branch}`;
    try {
      const parent = await octokit.rest.git.getCommit({
        ...repo,
        commit_sha: expected,
      });
      const blobs: string[] = [];
      for (const file of files) {
        const blob = await octokit.rest.git.createBlob({
          ...repo,
          content: Buffer.from(file.content, 'utf8').toString('base64'),
          encoding: 'base64',
        });
        blobs.push(blob.data.sha);
      }
      const tree = await octokit.rest.git.createTree({
        ...repo,
        base_tree: parent.data.tree.sha,
        tree: [
          ...files.map((f, i) => ({
            path: f.path,
            mode: '100644' as const,
            type: 'blob' as const,
            sha: blobs[i],
          })),
          ...deletions.map(path => ({
            path,
            mode: '100644' as const,
            type: 'blob' as const,
            sha: null,
          })),
        ],
      });
      const commit = await octokit.rest.git.createCommit({
        ...repo,
        message,
        tree: tree.data.sha,
        parents: [expected],
      });
      try {
        await octokit.rest.git.updateRef({
          ...repo,
          ref: `heads/${branch}`,
          sha: commit.data.sha,
          force: false,
        });
      } catch (error) {
        if (requestErrorStatus(error) !== 422) throw error;
        const head = await this.readHead(branch);
        const headCommit = await octokit.rest.git.getCommit({
          ...repo,
          commit_sha: head,
        });
        if (
          headCommit.data.tree.sha === tree.data.sha &&
          headCommit.data.parents.some(p => p.sha === expected)
        ) {
          return { ok: true, sha: head, parentSha: expected, via: 'graphql' };
        }
        return { ok: false, stale: true };
      }
      return {
        ok: true,
        sha: commit.data.sha,
        parentSha: expected,
        via: 'git-data',
      };
    } catch (error) {
      throw this.fail(action, error);
    }
  }

  /**
   * The branch's head commit, read through REST `git/refs`: Octokit's
   * throttling plugin spaces GraphQL requests like writes (one a second), a
   * REST read goes at once.
   */
  async readHead(branch: string = this.branch): Promise<string> {
    const octokit = await this.octokit();
    try {
      const ref = await octokit.rest.git.getRef({
        owner: this.owner,
        repo: this.repo,
        ref: `heads/${branch}`,
      });
      this.knownHeads.set(branch, ref.data.object.sha);
      return ref.data.object.sha;
    } catch (error) {
      throw this.fail(`read the head of ${branch}`, error);
    }
  }

  /**
   * Whether `head` is this commit already: a child of `expected` whose files
   * are the ones being written and whose deletions are gone.
   */
  private async landed(
    head: string,
    expected: string,
    files: CommitFile[],
    deletions: string[],
  ): Promise<boolean> {
    const octokit = await this.octokit();
    let parents: string[];
    try {
      const commit = await octokit.rest.git.getCommit({
        owner: this.owner,
        repo: this.repo,
        commit_sha: head,
      });
      parents = commit.data.parents.map(p => p.sha);
    } catch (error) {
      throw this.fail(`read commit ${head}`, error);
    }
    if (!parents.includes(expected)) return false;
    const oids = await this.pathOids(head, [
      ...files.map(f => f.path),
      ...deletions,
    ]);
    return (
      files.every(f => oids.get(f.path) === gitBlobSha(f.content)) &&
      deletions.every(p => !oids.has(p))
    );
  }

  /**
   * ConflictError naming the paths that differ between the caller's base and
   * the current head: retrying on top would overwrite someone's change.
   */
  private async checkUnchanged(
    base: string,
    head: string,
    paths: string[],
    branch: string,
  ): Promise<void> {
    const [before, after] = await Promise.all([
      this.pathOids(base, paths),
      this.pathOids(head, paths),
    ]);
    const changed = paths.filter(p => before.get(p) !== after.get(p));
    if (changed.length) {
      throw new ConflictError(
        `Could not commit to ${this.repository} (${branch}): ${changed.join(
          ', ',
        )} changed since ${base.slice(0, 7)}; re-read and try again`,
      );
    }
  }

  /** Blob ids of `paths` in a commit (absent paths are missing from the map). */
  private async pathOids(
    commit: string,
    paths: string[],
  ): Promise<Map<string, string>> {
    const octokit = await this.octokit();
    const out = new Map<string, string>();
    try {
      const tree = await octokit.rest.git.getTree({
        owner: this.owner,
        repo: this.repo,
        tree_sha: commit,
        recursive: 'true',
      });
      const wanted = new Set(paths);
      for (const entry of tree.data.tree) {
        if (entry.path && entry.sha && wanted.has(entry.path)) {
          out.set(entry.path, entry.sha);
        }
      }
      if (!tree.data.truncated) return out;
    } catch (error) {
      throw this.fail(`read the tree of ${commit}`, error);
    }
    // A truncated listing (a very large repository): ask per path.
    for (const path of paths) {
      try {
        const content = await octokit.rest.repos.getContent({
          owner: this.owner,
          repo: this.repo,
          path,
          ref: commit,
        });
        if (!Array.isArray(content.data)) out.set(path, content.data.sha);
      } catch (error) {
        if (requestErrorStatus(error) !== 404) {
          throw this.fail(`read ${path} at ${commit}`, error);
        }
      }
    }
    return out;
  }

  // ---- pull requests and folders ----

  /**
   * Opens a pull request from `branch` (created from the writer's branch when
   * missing) with the files in one commit. Re-running with the same branch
   * finds the branch and its open pull request: no second commit when the
   * branch already has the files, no second pull request.
   */
  async openPullRequest(input: PullRequestInput): Promise<PullRequestResult> {
    const files = input.files ?? [];
    const deletions = input.deletions ?? [];
    checkChanges(files, deletions);
    if (input.branch === this.branch) {
      throw new InputError(
        `branch: a pull request needs a branch other than ${this.branch}`,
      );
    }
    const octokit = await this.octokit();
    const repo = { owner: this.owner, repo: this.repo };
    const action = `open a pull request from ${input.branch}`;
    let head: string;
    try {
      const ref = await octokit.rest.git.getRef({
        ...repo,
        ref: `heads/${input.branch}`,
      });
      head = ref.data.object.sha;
    } catch (error) {
      if (requestErrorStatus(error) !== 404) throw this.fail(action, error);
      head = await this.readHead(this.branch);
      try {
        await octokit.rest.git.createRef({
          ...repo,
          ref: `refs/heads/${input.branch}`,
          sha: head,
        });
      } catch (createError) {
        throw this.fail(action, createError);
      }
    }
    let commit: CommitResult | undefined;
    const oids = await this.pathOids(head, [
      ...files.map(f => f.path),
      ...deletions,
    ]);
    const done =
      files.every(f => oids.get(f.path) === gitBlobSha(f.content)) &&
      deletions.every(p => !oids.has(p));
    if (!done) {
      commit = await this.commitFiles({
        message: input.message ?? input.title,
        files,
        deletions,
        branch: input.branch,
        expectedHeadOid: head,
      });
      head = commit.sha;
    }
    try {
      const open = await octokit.rest.pulls.list({
        ...repo,
        state: 'open',
        head: `${this.owner}:${input.branch}`,
        base: this.branch,
        per_page: 1,
      });
      if (open.data.length) {
        const pr = open.data[0];
        return {
          number: pr.number,
          htmlUrl: pr.html_url,
          branch: input.branch,
          headSha: head,
          created: false,
          commit,
        };
      }
      const pr = await octokit.rest.pulls.create({
        ...repo,
        head: input.branch,
        base: this.branch,
        title: input.title,
        body: input.body,
      });
      return {
        number: pr.data.number,
        htmlUrl: pr.data.html_url,
        branch: input.branch,
        headSha: head,
        created: true,
        commit,
      };
    } catch (error) {
      throw this.fail(action, error);
    }
  }

  /**
   * Deletes every file under `folder` in one commit. The files are listed
   * from the head's tree; if the head moves before the commit lands, they
   * are listed again, so files added meanwhile go too. NotFoundError when
   * the folder does not exist.
   */
  async removeFolder(
    folder: string,
    message: string,
    options: { branch?: string } = {},
  ): Promise<CommitResult & { deleted: string[] }> {
    const branch = options.branch ?? this.branch;
    const path = folder.replace(/^\/+|\/+$/g, '');
    if (!path) throw new InputError('folder: must not be the repository root');
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const head = await this.readHead(branch);
      const deleted = await this.listFolder(head, path);
      if (!deleted.length) {
        throw new NotFoundError(
          `Folder ${path} not found in ${this.repository} (${branch})`,
        );
      }
      const result = await this.attempt(branch, message, [], deleted, head);
      if (result.ok) {
        return { ...this.committed(branch, result, attempt), deleted };
      }
    }
    throw new ConflictError(
      `Could not remove ${path} from ${this.repository} (${branch}): the branch moved on each of ${this.maxAttempts} attempts`,
    );
  }

  /** Paths of the files under `folder` at `commit` (empty when it is not a folder). */
  private async listFolder(commit: string, folder: string): Promise<string[]> {
    const octokit = await this.octokit();
    const repo = { owner: this.owner, repo: this.repo };
    try {
      // The folder's own tree, reached part by part (each listing is one level).
      let treeSha = commit;
      for (const part of folder.split('/')) {
        const level = await octokit.rest.git.getTree({
          ...repo,
          tree_sha: treeSha,
        });
        const entry = level.data.tree.find(
          e => e.path === part && e.type === 'tree',
        );
        if (!entry?.sha) return [];
        treeSha = entry.sha;
      }
      const files: string[] = [];
      const walk = async (sha: string, prefix: string) => {
        const tree = await octokit.rest.git.getTree({
          ...repo,
          tree_sha: sha,
          recursive: 'true',
        });
        if (!tree.data.truncated) {
          for (const e of tree.data.tree) {
            if (e.type === 'blob' && e.path) files.push(`${prefix}/${e.path}`);
          }
          return;
        }
        // Too large for one listing: one level at a time.
        const level = await octokit.rest.git.getTree({
          ...repo,
          tree_sha: sha,
        });
        for (const e of level.data.tree) {
          if (!e.path || !e.sha) continue;
          if (e.type === 'blob') files.push(`${prefix}/${e.path}`);
          else if (e.type === 'tree') await walk(e.sha, `${prefix}/${e.path}`);
        }
      };
      await walk(treeSha, folder);
      return files.sort();
    } catch (error) {
      throw this.fail(`list ${folder}`, error);
    }
  }

  // ---- workflows ----

  /**
   * Dispatches a workflow and returns its run. GitHub answers 200 with
   * `workflow_run_id`, `run_url` and `html_url` when asked with
   * `return_run_details: true` (docs.github.com/rest/actions/workflows
   * #create-a-workflow-dispatch-event). Servers without that parameter (GitHub
   * Enterprise Server: a 422 "not a permitted key", then the dispatch is sent
   * without it) answer 204 with no id, so the
   * run is looked up: runs of that workflow listed with `event=
   * workflow_dispatch`, `branch=<ref>`, `actor=<the token's login>` and
   * `created>=<dispatch time − skew>`, polled a bounded number of times (a
   * run appears a moment after the dispatch).
   *
   * The race: two dispatches of the same workflow on the same branch by the
   * same actor (another backend process, a person in the GitHub UI) within
   * the window cannot be told apart by the listing. The writer takes the
   * newest run it has not already returned, preferring runs whose display
   * title (the workflow's `run-name`) shows every input value; with two
   * concurrent dispatches from different processes, each may still get the
   * other's run. With `return_run_details` there is no race.
   */
  async dispatchWorkflow(input: DispatchInput): Promise<DispatchResult> {
    const octokit = await this.octokit();
    const ref = input.ref ?? this.branch;
    const inputs = input.inputs ?? {};
    const action = `dispatch workflow ${input.workflow} on ${ref}`;
    const since = Date.now() - this.runLookup.skewMs;
    const dispatch = (withRunDetails: boolean) =>
      octokit.request(
        'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        {
          owner: this.owner,
          repo: this.repo,
          workflow_id: input.workflow,
          ref,
          inputs,
          ...(withRunDetails ? { return_run_details: true } : {}),
        },
      );
    let response;
    try {
      response = await dispatch(!this.runDetailsUnsupported);
    } catch (error) {
      // GitHub Enterprise Server before the parameter refuses it: 422
      // `"return_run_details" is not a permitted key.` (seen on GHES 3.19,
      // github.com/benc-uk/workflow-dispatch/issues/86). Nothing was
      // dispatched; dispatch again without it, and from now on.
      if (
        requestErrorStatus(error) !== 422 ||
        !/return_run_details/.test(describeGitHubError(error))
      ) {
        throw this.fail(action, error);
      }
      this.runDetailsUnsupported = true;
      this.logger.info(
        `GitHub at ${this.repository} does not return run details; finding dispatched runs by listing`,
        { repository: this.repository },
      );
      try {
        response = await dispatch(false);
      } catch (retryError) {
        throw this.fail(action, retryError);
      }
    }
    const details = response.data as
      | { workflow_run_id?: number; run_url?: string; html_url?: string }
      | undefined;
    if (
      response.status === 200 &&
      details?.workflow_run_id !== undefined &&
      details.run_url &&
      details.html_url
    ) {
      return {
        runId: details.workflow_run_id,
        runUrl: details.run_url,
        htmlUrl: details.html_url,
        foundBy: 'run-details',
      };
    }
    const run = await this.findDispatchedRun(
      input.workflow,
      ref,
      inputs,
      since,
    );
    return { ...run, foundBy: 'listing' };
  }

  private async findDispatchedRun(
    workflow: string | number,
    ref: string,
    inputs: Record<string, string | number | boolean>,
    since: number,
  ): Promise<Omit<DispatchResult, 'foundBy'>> {
    const octokit = await this.octokit();
    const action = `find the run of workflow ${workflow} on ${ref}`;
    const actor = await this.authenticatedLogin();
    const values = Object.values(inputs).map(String).filter(Boolean);
    for (let poll = 1; poll <= this.runLookup.attempts; poll++) {
      let runs;
      try {
        runs = await octokit.rest.actions.listWorkflowRuns({
          owner: this.owner,
          repo: this.repo,
          workflow_id: workflow,
          event: 'workflow_dispatch',
          branch: ref,
          actor,
          created: `>=${new Date(since).toISOString().replace(/\.\d+Z$/, 'Z')}`,
          per_page: 20,
        });
      } catch (error) {
        throw this.fail(action, error);
      }
      const candidates = runs.data.workflow_runs
        .filter(r => !this.claimedRuns.has(r.id))
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      const showsInputs = candidates.filter(r =>
        values.every(v => (r.display_title ?? '').includes(v)),
      );
      const pick = showsInputs[0] ?? candidates[0];
      if (pick) {
        this.claimedRuns.add(pick.id);
        return { runId: pick.id, runUrl: pick.url, htmlUrl: pick.html_url };
      }
      if (poll < this.runLookup.attempts) {
        await new Promise(resolve =>
          setTimeout(resolve, this.runLookup.intervalMs),
        );
      }
    }
    throw new NotFoundError(
      `Dispatched workflow ${workflow} on ${ref} in ${this.repository}, but its run did not appear after ${this.runLookup.attempts} listings`,
    );
  }

  private authenticatedLogin(): Promise<string> {
    this.login ??= (async () => {
      const octokit = await this.octokit();
      try {
        return (await octokit.rest.users.getAuthenticated()).data.login;
      } catch (error) {
        this.login = undefined;
        throw this.fail('read the authenticated user', error);
      }
    })();
    return this.login;
  }

  async getRun(runId: number): Promise<WorkflowRunInfo> {
    const octokit = await this.octokit();
    try {
      const { data: r } = await octokit.rest.actions.getWorkflowRun({
        owner: this.owner,
        repo: this.repo,
        run_id: runId,
      });
      return {
        id: r.id,
        name: r.name ?? null,
        displayTitle: r.display_title,
        runNumber: r.run_number,
        event: r.event,
        status: r.status,
        conclusion: r.conclusion,
        headBranch: r.head_branch,
        headSha: r.head_sha,
        actor: r.actor?.login ?? null,
        htmlUrl: r.html_url,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      };
    } catch (error) {
      throw this.fail(`read workflow run ${runId}`, error);
    }
  }

  /** The run's jobs (latest attempt) with their steps, every page. */
  async listJobs(runId: number): Promise<WorkflowJobInfo[]> {
    const octokit = await this.octokit();
    try {
      const jobs = await octokit.paginate(
        octokit.rest.actions.listJobsForWorkflowRun,
        { owner: this.owner, repo: this.repo, run_id: runId, per_page: 100 },
      );
      return jobs.map(j => ({
        id: j.id,
        name: j.name,
        status: j.status,
        conclusion: j.conclusion,
        startedAt: j.started_at ?? null,
        completedAt: j.completed_at ?? null,
        htmlUrl: j.html_url,
        steps: (j.steps ?? []).map(s => ({
          number: s.number,
          name: s.name,
          status: s.status,
          conclusion: s.conclusion,
          startedAt: s.started_at ?? null,
          completedAt: s.completed_at ?? null,
        })),
      }));
    } catch (error) {
      throw this.fail(`list the jobs of workflow run ${runId}`, error);
    }
  }
}

/** Paths are repository-relative, unique across files and deletions, and there is something to commit. */
function checkChanges(files: CommitFile[], deletions: string[]) {
  const paths = [...files.map(f => f.path), ...deletions];
  if (!paths.length) {
    throw new InputError('Nothing to commit: no files and no deletions');
  }
  const seen = new Set<string>();
  for (const path of paths) {
    if (!path || path.startsWith('/') || path.split('/').includes('..')) {
      throw new InputError(
        `path "${path}": must be relative to the repository root`,
      );
    }
    if (seen.has(path)) {
      throw new InputError(`path "${path}": appears more than once`);
    }
    seen.add(path);
  }
}
