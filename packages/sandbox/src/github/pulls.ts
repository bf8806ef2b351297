import type { SandboxClock } from '../clock';
import type { GitStore, RepositoryInfo, TreeEdit } from './gitStore';
import { GitHubError, validationFailed } from './http';
import { isBinary, lineDiffCounts } from './lineDiff';

export interface PullRecord {
  number: number;
  id: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  user: string;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  mergedAt: Date | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  /** The last clean test merge (`refs/pull/<n>/merge`), null before one ran or while conflicting. */
  testMergeSha: string | null;
  /** Head sha when merged/closed (the branch may move or vanish afterwards). */
  headShaAtClose: string | null;
  baseShaAtClose: string | null;
}

export interface Mergeability {
  mergeable: boolean;
  state: 'clean' | 'dirty';
  headSha: string;
  baseSha: string;
  /** The test merge commit (`refs/pull/<n>/merge`); null when the PR conflicts. */
  testMergeSha: string | null;
}

/** What the pull request changes, from the merge base to the head (GitHub's three-dot diff). */
export interface DiffStats {
  additions: number;
  deletions: number;
  changedFiles: number;
  /** Commits on the head that the base does not have. */
  commits: number;
}

/** GitHub lists at most 250 commits of a pull request. */
const MAX_COMMITS = 250;

let nextPullId = 2_000_000_001;

/**
 * Pull requests, kept in memory per repository, merged for real: a three-way
 * merge at file level (a file changed differently on both sides is a conflict),
 * written as a merge commit, a squash commit, or a fast-forward.
 */
export class PullRequests {
  private readonly byRepo = new Map<number, PullRecord[]>();
  /** Mergeability jobs by pull request id, for the head and base they ran on. */
  private readonly mergeJobs = new Map<
    number,
    { key: string; result: Promise<Mergeability | undefined> }
  >();
  private readonly stats = new Map<number, { key: string; value: DiffStats }>();

  constructor(
    private readonly git: GitStore,
    private readonly clock: SandboxClock,
  ) {}

  list(info: RepositoryInfo): PullRecord[] {
    return this.byRepo.get(info.id) ?? [];
  }

  get(info: RepositoryInfo, number: number): PullRecord | undefined {
    return this.list(info).find(p => p.number === number);
  }

  openCount(info: RepositoryInfo): number {
    return this.list(info).filter(p => p.state === 'open').length;
  }

  async create(
    info: RepositoryInfo,
    input: {
      title: string;
      head: string;
      base: string;
      body?: string;
      draft?: boolean;
    },
    user: string,
  ): Promise<PullRecord> {
    const head = input.head.includes(':')
      ? input.head.split(':').slice(1).join(':')
      : input.head;
    const headSha = await this.git.resolveRef(
      info.owner,
      info.name,
      `refs/heads/${head}`,
    );
    const baseSha = await this.git.resolveRef(
      info.owner,
      info.name,
      `refs/heads/${input.base}`,
    );
    const invalid = (field: string) =>
      validationFailed([{ resource: 'PullRequest', field, code: 'invalid' }]);
    if (!headSha) throw invalid('head');
    if (!baseSha) throw invalid('base');
    if (await this.git.isAncestor(info.owner, info.name, headSha, baseSha)) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `No commits between ${input.base} and ${head}`,
        },
      ]);
    }
    if (
      this.list(info).some(
        p => p.state === 'open' && p.head === head && p.base === input.base,
      )
    ) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${info.owner}:${head}.`,
        },
      ]);
    }
    const now = this.clock.now();
    const pulls = this.list(info);
    const record: PullRecord = {
      number: pulls.reduce((n, p) => Math.max(n, p.number), 0) + 1,
      id: nextPullId++,
      title: input.title,
      body: input.body ?? null,
      head,
      base: input.base,
      draft: input.draft ?? false,
      state: 'open',
      user,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      testMergeSha: null,
      headShaAtClose: null,
      baseShaAtClose: null,
    };
    this.byRepo.set(info.id, [...pulls, record]);
    return record;
  }

  async shas(
    info: RepositoryInfo,
    pr: PullRecord,
  ): Promise<{ head: string | null; base: string | null }> {
    if (pr.state === 'closed')
      return { head: pr.headShaAtClose, base: pr.baseShaAtClose };
    const head =
      (await this.git.resolveRef(
        info.owner,
        info.name,
        `refs/heads/${pr.head}`,
      )) ?? null;
    const base =
      (await this.git.resolveRef(
        info.owner,
        info.name,
        `refs/heads/${pr.base}`,
      )) ?? null;
    return { head, base };
  }

  /** Computes the merge (without writing a commit): the merged tree or a conflict. */
  private async plan(
    info: RepositoryInfo,
    pr: PullRecord,
    at?: { head: string; base: string },
  ) {
    const { head, base } = at ?? (await this.shas(info, pr));
    if (!head || !base) return undefined;
    const { owner, name } = info;
    const mergeBase =
      (await this.git.mergeBase(owner, name, base, head)) ?? null;
    const headChanges = await this.git.diffCommits(
      owner,
      name,
      mergeBase,
      head,
    );
    const baseChanges = new Map(
      (await this.git.diffCommits(owner, name, mergeBase, base)).map(d => [
        d.filename,
        d,
      ]),
    );
    const conflicts = headChanges.filter(d => {
      const other = baseChanges.get(d.filename);
      return other && other.sha !== d.sha;
    });
    return { head, base, mergeBase, headChanges, conflicts };
  }

  /**
   * Mergeability as a read of the pull request sees it. GitHub computes it in
   * a background job that the first read after a change (of head or base)
   * starts; until it is done `mergeable` is null ("If the value is null, then
   * GitHub has started a background job to compute the mergeability. After
   * giving the job time to complete, resubmit the request.":
   * https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request). So the
   * first read answers undefined and a later read gets the result; the job
   * also writes the test merge commit (`refs/pull/<n>/merge`).
   */
  async observedMergeability(
    info: RepositoryInfo,
    pr: PullRecord,
  ): Promise<Mergeability | undefined> {
    if (pr.state !== 'open') return undefined;
    const { head, base } = await this.shas(info, pr);
    if (!head || !base) return undefined;
    const key = `${head}:${base}`;
    const job = this.mergeJobs.get(pr.id);
    if (job?.key === key) return job.result;
    const result = this.testMerge(info, pr, { head, base });
    result.catch(() => undefined); // read by the next request
    this.mergeJobs.set(pr.id, { key, result });
    return undefined;
  }

  /** The test merge of head into base: a merge commit when it is clean. */
  private async testMerge(
    info: RepositoryInfo,
    pr: PullRecord,
    at: { head: string; base: string },
  ): Promise<Mergeability | undefined> {
    const plan = await this.plan(info, pr, at);
    if (!plan) return undefined;
    const { owner, name } = info;
    const mergeable = plan.conflicts.length === 0;
    let testMergeSha: string | null = null;
    if (mergeable) {
      const tree = await this.mergedTree(info, plan);
      testMergeSha = await this.git.writeCommit(owner, name, {
        message: `Merge ${plan.head} into ${plan.base}`,
        tree,
        parents: [plan.base, plan.head],
      });
    }
    // GitHub keeps refs/pull/<n>/head, and refs/pull/<n>/merge while the
    // test merge is clean.
    await this.setRef(info, `refs/pull/${pr.number}/head`, plan.head);
    if (testMergeSha)
      await this.setRef(info, `refs/pull/${pr.number}/merge`, testMergeSha);
    if (pr.state === 'open') pr.testMergeSha = testMergeSha;
    return {
      mergeable,
      state: mergeable ? 'clean' : 'dirty',
      headSha: plan.head,
      baseSha: plan.base,
      testMergeSha,
    };
  }

  private async setRef(info: RepositoryInfo, ref: string, sha: string) {
    const { owner, name } = info;
    const exists = await this.git.resolveRef(owner, name, ref);
    if (exists === sha) return;
    await this.git.updateRef(owner, name, ref, sha, {
      mode: exists ? 'update' : 'create',
      force: true,
    });
  }

  private async mergedTree(
    info: RepositoryInfo,
    plan: NonNullable<Awaited<ReturnType<PullRequests['plan']>>>,
  ): Promise<string> {
    const { owner, name } = info;
    const baseTree = (await this.git.readCommit(owner, name, plan.base)).tree;
    const edits: TreeEdit[] = plan.headChanges.map(d =>
      d.sha
        ? { path: d.filename, mode: d.mode, type: 'blob', sha: d.sha }
        : { path: d.filename, sha: null },
    );
    return this.git.writeTree(owner, name, baseTree, edits);
  }

  /**
   * Additions, deletions and changed files from the merge base to the head,
   * counted as `git diff --numstat` does (binary files change no lines), and
   * the head's commits the base lacks. Cached per head and base.
   */
  async diffStats(info: RepositoryInfo, pr: PullRecord): Promise<DiffStats> {
    const { head, base } = await this.shas(info, pr);
    const empty = { additions: 0, deletions: 0, changedFiles: 0, commits: 0 };
    if (!head || !base) return empty;
    const key = `${head}:${base}`;
    const cached = this.stats.get(pr.id);
    if (cached?.key === key) return cached.value;
    const { owner, name } = info;
    const mergeBase =
      (await this.git.mergeBase(owner, name, base, head)) ?? null;
    const changes = await this.git.diffCommits(owner, name, mergeBase, head);
    const value = { ...empty, changedFiles: changes.length };
    for (const change of changes) {
      const read = async (sha: string | null) =>
        sha ? this.git.readBlob(owner, name, sha) : Buffer.alloc(0);
      const [before, after] = await Promise.all([
        read(change.previousSha),
        read(change.sha),
      ]);
      if (isBinary(before) || isBinary(after)) continue;
      const counts = lineDiffCounts(
        before.toString('utf8'),
        after.toString('utf8'),
      );
      value.additions += counts.additions;
      value.deletions += counts.deletions;
    }
    value.commits = await this.countCommits(info, head, base);
    this.stats.set(pr.id, { key, value });
    return value;
  }

  /** Commits reachable from head but not from base (up to GitHub's 250). */
  private async countCommits(
    info: RepositoryInfo,
    head: string,
    base: string,
  ): Promise<number> {
    const { owner, name } = info;
    const seen = new Set<string>();
    const queue = [head];
    while (queue.length && seen.size < MAX_COMMITS) {
      const sha = queue.shift()!;
      if (seen.has(sha)) continue;
      if (await this.git.isAncestor(owner, name, sha, base)) continue;
      seen.add(sha);
      queue.push(...(await this.git.readCommit(owner, name, sha)).parents);
    }
    return seen.size;
  }

  async merge(
    info: RepositoryInfo,
    pr: PullRecord,
    options: {
      method: 'merge' | 'squash' | 'rebase';
      title?: string;
      message?: string;
      sha?: string;
    },
    user: string,
  ): Promise<string> {
    if (pr.state !== 'open')
      throw new GitHubError(405, 'Pull Request is not mergeable');
    const plan = await this.plan(info, pr);
    if (!plan) throw new GitHubError(405, 'Pull Request is not mergeable');
    if (options.sha && options.sha !== plan.head) {
      throw new GitHubError(
        409,
        'Head branch was modified. Review and try the merge again.',
      );
    }
    if (plan.conflicts.length)
      throw new GitHubError(405, 'Pull Request is not mergeable');
    const { owner, name } = info;
    let result: string;
    if (options.method === 'rebase' && plan.mergeBase === plan.base) {
      result = plan.head; // fast-forward: the head's commits land as they are
    } else {
      const tree = await this.mergedTree(info, plan);
      const title =
        options.title ??
        (options.method === 'merge'
          ? `Merge pull request #${pr.number} from ${owner}/${pr.head}`
          : `${pr.title} (#${pr.number})`);
      const message =
        options.message ?? (options.method === 'merge' ? pr.title : '');
      result = await this.git.writeCommit(owner, name, {
        message: message ? `${title}\n\n${message}` : title,
        tree,
        parents:
          options.method === 'merge' ? [plan.base, plan.head] : [plan.base],
      });
    }
    await this.git.updateRef(owner, name, `refs/heads/${pr.base}`, result, {
      mode: 'update',
    });
    const now = this.clock.now();
    Object.assign(pr, {
      state: 'closed',
      mergedAt: now,
      closedAt: now,
      updatedAt: now,
      mergedBy: user,
      mergeCommitSha: result,
      headShaAtClose: plan.head,
      baseShaAtClose: plan.base,
    });
    return result;
  }
}
