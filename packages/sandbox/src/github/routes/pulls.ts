import { GitHubError, notFound, paginate, queryString } from '../http';
import type { RouteDef, RouteRequest } from '../http';
import type { RepositoryInfo } from '../gitStore';
import type { Mergeability, PullRecord } from '../pulls';
import { iso, nodeId, simpleUser } from '../representations';
import { requireRepo } from './deps';
import type { ApiDeps } from './deps';
import { repoJson } from './repos';

/**
 * GitHub's `mergeable_state`: `dirty` for conflicts, `draft` for a mergeable
 * draft, `clean` otherwise once computed; `unknown` before, and for closed
 * pull requests. (`blocked`, `behind`, `unstable` need branch protection and
 * status checks, which the sandbox does not have.)
 */
function mergeableState(pr: PullRecord, m: Mergeability | undefined) {
  if (!m) return 'unknown';
  if (m.state === 'dirty') return 'dirty';
  return pr.draft ? 'draft' : 'clean';
}

export function pullRoutes(deps: ApiDeps): RouteDef[] {
  const { pulls } = deps;

  async function pullJson(
    req: RouteRequest,
    info: RepositoryInfo,
    pr: PullRecord,
    /**
     * `simple` for lists; the full pull request either as a read sees it
     * (`observe`: starts or collects the mergeability job) or with
     * mergeability not computed yet (`unknown`, the create response).
     */
    view: 'simple' | 'observe' | 'unknown',
  ) {
    const full = `${info.owner}/${info.name}`;
    const u = `${req.urls.api}/repos/${full}/pulls/${pr.number}`;
    const issue = `${req.urls.api}/repos/${full}/issues/${pr.number}`;
    const html = `${req.urls.html}/${full}/pull/${pr.number}`;
    const shas = await pulls.shas(info, pr);
    const owner = simpleUser(req.urls, info.owner, deps.ownerType(info.owner));
    const repo = repoJson(deps, req.urls, info);
    const side = (ref: string, sha: string | null) => ({
      label: `${info.owner}:${ref}`,
      ref,
      sha: sha ?? '',
      user: owner,
      repo,
    });
    const simple = {
      url: u,
      id: pr.id,
      node_id: nodeId('PR_', pr.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issue,
      commits_url: `${u}/commits`,
      review_comments_url: `${u}/comments`,
      review_comment_url: `${req.urls.api}/repos/${full}/pulls/comments{/number}`,
      comments_url: `${issue}/comments`,
      statuses_url: `${req.urls.api}/repos/${full}/statuses/${shas.head ?? ''}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: simpleUser(req.urls, pr.user, 'User'),
      body: pr.body,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: iso(pr.createdAt),
      updated_at: iso(pr.updatedAt),
      closed_at: pr.closedAt ? iso(pr.closedAt) : null,
      merged_at: pr.mergedAt ? iso(pr.mergedAt) : null,
      // The merge once merged; while open, the last test merge commit (as
      // GitHub's description of the field says).
      merge_commit_sha: pr.mergeCommitSha ?? pr.testMergeSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: side(pr.head, shas.head),
      base: side(pr.base, shas.base),
      _links: {
        self: { href: u },
        html: { href: html },
        issue: { href: issue },
        comments: { href: `${issue}/comments` },
        review_comments: { href: `${u}/comments` },
        review_comment: {
          href: `${req.urls.api}/repos/${full}/pulls/comments{/number}`,
        },
        commits: { href: `${u}/commits` },
        statuses: {
          href: `${req.urls.api}/repos/${full}/statuses/${shas.head ?? ''}`,
        },
      },
      author_association: 'OWNER',
      auto_merge: null,
      draft: pr.draft,
    };
    if (view === 'simple') return simple;
    // Null/unknown until GitHub's background job has computed it (pulls.ts).
    const m =
      view === 'observe'
        ? await pulls.observedMergeability(info, pr)
        : undefined;
    const stats = await pulls.diffStats(info, pr);
    return {
      ...simple,
      // The job that just finished may have written the test merge.
      merge_commit_sha: pr.mergeCommitSha ?? pr.testMergeSha,
      merged: pr.mergedAt !== null,
      mergeable: m?.mergeable ?? null,
      rebaseable: m?.mergeable ?? null,
      mergeable_state: mergeableState(pr, m),
      merged_by: pr.mergedBy ? simpleUser(req.urls, pr.mergedBy, 'User') : null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: stats.commits,
      additions: stats.additions,
      deletions: stats.deletions,
      changed_files: stats.changedFiles,
    };
  }

  function requirePull(
    info: RepositoryInfo,
    params: Record<string, string>,
  ): PullRecord {
    const pr = pulls.get(info, Number(params.pull_number));
    if (!pr) throw notFound();
    return pr;
  }

  return [
    {
      operationId: 'pulls/list',
      handler: async req => {
        const info = requireRepo(deps, req);
        const state = queryString(req.query, 'state') ?? 'open';
        const head = queryString(req.query, 'head');
        const base = queryString(req.query, 'base');
        const direction = queryString(req.query, 'direction') ?? 'desc';
        const items = pulls
          .list(info)
          .filter(p => state === 'all' || p.state === state)
          .filter(
            p => !head || `${info.owner}:${p.head}` === head || p.head === head,
          )
          .filter(p => !base || p.base === base)
          .sort((a, b) =>
            direction === 'asc' ? a.number - b.number : b.number - a.number,
          );
        const page = paginate(items, req.query);
        return {
          pagination: page.pagination,
          body: await Promise.all(
            page.items.map(p => pullJson(req, info, p, 'simple')),
          ),
        };
      },
    },
    {
      operationId: 'pulls/create',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as {
          title?: string;
          head: string;
          base: string;
          body?: string;
          draft?: boolean;
        };
        if (!body.title) {
          throw new GitHubError(422, 'Validation Failed', {
            errors: [
              {
                resource: 'PullRequest',
                field: 'title',
                code: 'missing_field',
              },
            ],
          });
        }
        const pr = await pulls.create(
          info,
          { ...body, title: body.title },
          req.login,
        );
        // Created, mergeability not computed yet: the first GET starts the job.
        return {
          status: 201,
          body: await pullJson(req, info, pr, 'unknown'),
        };
      },
    },
    {
      operationId: 'pulls/get',
      handler: async req => {
        const info = requireRepo(deps, req);
        return {
          body: await pullJson(
            req,
            info,
            requirePull(info, req.params),
            'observe',
          ),
        };
      },
    },
    {
      operationId: 'pulls/merge',
      handler: async req => {
        const info = requireRepo(deps, req);
        const pr = requirePull(info, req.params);
        const body = (req.body ?? {}) as {
          commit_title?: string;
          commit_message?: string;
          sha?: string;
          merge_method?: 'merge' | 'squash' | 'rebase';
        };
        const sha = await pulls.merge(
          info,
          pr,
          {
            method: body.merge_method ?? 'merge',
            title: body.commit_title,
            message: body.commit_message,
            sha: body.sha,
          },
          req.login,
        );
        return {
          body: {
            sha,
            merged: true,
            message: 'Pull Request successfully merged',
          },
        };
      },
    },
  ];
}
