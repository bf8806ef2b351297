import { GitHubError, notFound, paginate, queryString } from '../http';
import type { RouteDef, RouteRequest } from '../http';
import type { RepositoryInfo } from '../gitStore';
import type { PullRecord } from '../pulls';
import { iso, nodeId, simpleUser } from '../representations';
import { requireRepo } from './deps';
import type { ApiDeps } from './deps';
import { repoJson } from './repos';

export function pullRoutes(deps: ApiDeps): RouteDef[] {
  const { pulls } = deps;

  async function pullJson(
    req: RouteRequest,
    info: RepositoryInfo,
    pr: PullRecord,
    detailed: boolean,
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
      merge_commit_sha: pr.mergeCommitSha,
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
    if (!detailed) return simple;
    const m =
      pr.state === 'open' ? await pulls.mergeability(info, pr) : undefined;
    const changed = m?.changed ?? 0;
    return {
      ...simple,
      merged: pr.mergedAt !== null,
      mergeable: pr.state === 'open' ? m?.mergeable ?? null : null,
      rebaseable: pr.state === 'open' ? m?.mergeable ?? null : null,
      mergeable_state: pr.state === 'open' ? m?.state ?? 'unknown' : 'unknown',
      merged_by: pr.mergedBy ? simpleUser(req.urls, pr.mergedBy, 'User') : null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: 0,
      deletions: 0,
      changed_files: changed,
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
            page.items.map(p => pullJson(req, info, p, false)),
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
        return { status: 201, body: await pullJson(req, info, pr, true) };
      },
    },
    {
      operationId: 'pulls/get',
      handler: async req => {
        const info = requireRepo(deps, req);
        return {
          body: await pullJson(req, info, requirePull(info, req.params), true),
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
