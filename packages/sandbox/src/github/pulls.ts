import type { SandboxClock } from '../clock';
import type { GitStore, RepositoryInfo, TreeEdit } from './gitStore';
import { GitHubError, validationFailed } from './http';

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
  /** Head sha when merged/closed (the branch may move or vanish afterwards). */
  headShaAtClose: string | null;
  baseShaAtClose: string | null;
}

export interface Mergeability {
  mergeable: boolean;
  state: 'clean' | 'dirty' | 'unknown';
  headSha: string;
  baseSha: string;
  /** Files changed on the head branch since the merge base. */
  changed: number;
}

let nextPullId = 2_000_000_001;

/**
 * Pull requests, kept in memory per repository, merged for real: a three-way
 * merge at file level (a file changed differently on both sides is a conflict),
 * written as a merge commit, a squash commit, or a fast-forward.
 */
export class PullRequests {
  private readonly byRepo = new Map<number, PullRecord[]>();

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
  private async plan(info: RepositoryInfo, pr: PullRecord) {
    const { head, base } = await this.shas(info, pr);
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

  async mergeability(
    info: RepositoryInfo,
    pr: PullRecord,
  ): Promise<Mergeability | undefined> {
    const plan = await this.plan(info, pr);
    if (!plan) return undefined;
    const mergeable = plan.conflicts.length === 0;
    return {
      mergeable,
      state: mergeable ? 'clean' : 'dirty',
      headSha: plan.head,
      baseSha: plan.base,
      changed: plan.headChanges.length,
    };
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
      const baseTree = (await this.git.readCommit(owner, name, plan.base)).tree;
      const edits: TreeEdit[] = plan.headChanges.map(d =>
        d.sha
          ? { path: d.filename, mode: d.mode, type: 'blob', sha: d.sha }
          : { path: d.filename, sha: null },
      );
      const tree = await this.git.writeTree(owner, name, baseTree, edits);
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
