import { createHash } from 'node:crypto';
import type { CommitInfo, GitPerson, RepositoryInfo } from './gitStore';

/**
 * GitHub's JSON shapes for the sandbox's objects: the same fields, URL
 * templates and nullability as api.github.com, so schema validation and
 * clients that read any field see what they would on GitHub.
 */
export interface Urls {
  /** The API's base URL as the client reached it, without a trailing slash. */
  api: string;
  /** Base for `html_url`s (GitHub's web UI). */
  html: string;
}

/** A stable positive id derived from a name (GitHub ids are integers). */
export function stableId(value: string): number {
  return (
    (createHash('sha1').update(value).digest().readUInt32BE(0) % 90_000_000) +
    1_000_000
  );
}

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');
}

export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function simpleUser(
  urls: Urls,
  login: string,
  type: 'User' | 'Organization' | 'Bot',
) {
  const id = stableId(`user:${login}`);
  const u = `${urls.api}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId(type === 'Organization' ? 'O_' : 'U_', id),
    avatar_url: `${urls.html}/${login}.png`,
    gravatar_id: '',
    url: u,
    html_url: `${urls.html}/${login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function minimalRepository(
  urls: Urls,
  info: RepositoryInfo,
  ownerType: 'User' | 'Organization',
) {
  const full = `${info.owner}/${info.name}`;
  const u = `${urls.api}/repos/${full}`;
  return {
    id: info.id,
    node_id: nodeId('R_', info.id),
    name: info.name,
    full_name: full,
    private: info.private,
    owner: simpleUser(urls, info.owner, ownerType),
    html_url: `${urls.html}/${full}`,
    description: info.description,
    fork: false,
    url: u,
    archive_url: `${u}/{archive_format}{/ref}`,
    assignees_url: `${u}/assignees{/user}`,
    blobs_url: `${u}/git/blobs{/sha}`,
    branches_url: `${u}/branches{/branch}`,
    collaborators_url: `${u}/collaborators{/collaborator}`,
    comments_url: `${u}/comments{/number}`,
    commits_url: `${u}/commits{/sha}`,
    compare_url: `${u}/compare/{base}...{head}`,
    contents_url: `${u}/contents/{+path}`,
    contributors_url: `${u}/contributors`,
    deployments_url: `${u}/deployments`,
    downloads_url: `${u}/downloads`,
    events_url: `${u}/events`,
    forks_url: `${u}/forks`,
    git_commits_url: `${u}/git/commits{/sha}`,
    git_refs_url: `${u}/git/refs{/sha}`,
    git_tags_url: `${u}/git/tags{/sha}`,
    hooks_url: `${u}/hooks`,
    issue_comment_url: `${u}/issues/comments{/number}`,
    issue_events_url: `${u}/issues/events{/number}`,
    issues_url: `${u}/issues{/number}`,
    keys_url: `${u}/keys{/key_id}`,
    labels_url: `${u}/labels{/name}`,
    languages_url: `${u}/languages`,
    merges_url: `${u}/merges`,
    milestones_url: `${u}/milestones{/number}`,
    notifications_url: `${u}/notifications{?since,all,participating}`,
    pulls_url: `${u}/pulls{/number}`,
    releases_url: `${u}/releases{/id}`,
    stargazers_url: `${u}/stargazers`,
    statuses_url: `${u}/statuses/{sha}`,
    subscribers_url: `${u}/subscribers`,
    subscription_url: `${u}/subscription`,
    tags_url: `${u}/tags`,
    teams_url: `${u}/teams`,
    trees_url: `${u}/git/trees{/sha}`,
  };
}

/** The `repository` shape: a minimal repository plus counts, settings and dates. */
export function repository(
  urls: Urls,
  info: RepositoryInfo,
  ownerType: 'User' | 'Organization',
  openPulls = 0,
) {
  const full = `${info.owner}/${info.name}`;
  const host = new URL(urls.html).host;
  return {
    ...minimalRepository(urls, info, ownerType),
    git_url: `git://${host}/${full}.git`,
    ssh_url: `git@${host}:${full}.git`,
    clone_url: `${urls.html}/${full}.git`,
    svn_url: `${urls.html}/${full}`,
    mirror_url: null,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: info.defaultBranch,
    open_issues_count: openPulls,
    open_issues: openPulls,
    is_template: info.isTemplate,
    topics: [] as string[],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: info.private ? 'private' : 'public',
    pushed_at: iso(info.pushedAt),
    created_at: iso(info.createdAt),
    updated_at: iso(info.updatedAt),
    permissions: {
      admin: true,
      maintain: true,
      push: true,
      triage: true,
      pull: true,
    },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
  };
}

/** The `full-repository` shape (repos/get, create): adds organization and template. */
export function fullRepository(
  urls: Urls,
  info: RepositoryInfo,
  ownerType: 'User' | 'Organization',
  extra: {
    openPulls: number;
    templateOwnerType?: 'User' | 'Organization';
    template?: RepositoryInfo;
  },
) {
  return {
    ...repository(urls, info, ownerType, extra.openPulls),
    network_count: 0,
    subscribers_count: 0,
    ...(ownerType === 'Organization'
      ? { organization: simpleUser(urls, info.owner, 'Organization') }
      : {}),
    ...(extra.template && extra.templateOwnerType
      ? {
          template_repository: repository(
            urls,
            extra.template,
            extra.templateOwnerType,
          ),
        }
      : {}),
  };
}

export function gitPerson(p: Required<GitPerson>) {
  return { name: p.name, email: p.email, date: iso(p.date) };
}

export function verification() {
  return {
    verified: false,
    reason: 'unsigned',
    signature: null,
    payload: null,
    verified_at: null,
  };
}

export function gitCommit(urls: Urls, full: string, c: CommitInfo) {
  return {
    sha: c.sha,
    node_id: nodeId('C_', c.sha),
    url: `${urls.api}/repos/${full}/git/commits/${c.sha}`,
    html_url: `${urls.html}/${full}/commit/${c.sha}`,
    author: gitPerson(c.author),
    committer: gitPerson(c.committer),
    tree: { sha: c.tree, url: `${urls.api}/repos/${full}/git/trees/${c.tree}` },
    message: c.message.replace(/\n$/, ''),
    parents: c.parents.map(p => ({
      sha: p,
      url: `${urls.api}/repos/${full}/git/commits/${p}`,
      html_url: `${urls.html}/${full}/commit/${p}`,
    })),
    verification: verification(),
  };
}

/** The `commit` shape (repos/get-commit, branches): a commit plus GitHub users. */
export function commit(
  urls: Urls,
  full: string,
  c: CommitInfo,
  files?: unknown[],
) {
  const u = `${urls.api}/repos/${full}/commits/${c.sha}`;
  return {
    url: u,
    sha: c.sha,
    node_id: nodeId('C_', c.sha),
    html_url: `${urls.html}/${full}/commit/${c.sha}`,
    comments_url: `${u}/comments`,
    commit: {
      url: `${urls.api}/repos/${full}/git/commits/${c.sha}`,
      author: gitPerson(c.author),
      committer: gitPerson(c.committer),
      message: c.message.replace(/\n$/, ''),
      comment_count: 0,
      tree: {
        sha: c.tree,
        url: `${urls.api}/repos/${full}/git/trees/${c.tree}`,
      },
      verification: verification(),
    },
    author: null,
    committer: null,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${urls.api}/repos/${full}/commits/${p}`,
      html_url: `${urls.html}/${full}/commit/${p}`,
    })),
    ...(files ? { files } : {}),
  };
}

export function contentLinks(
  urls: Urls,
  full: string,
  path: string,
  sha: string,
  type: 'file' | 'dir',
  ref: string,
) {
  const self = `${urls.api}/repos/${full}/contents/${encodePath(
    path,
  )}?ref=${encodeURIComponent(ref)}`;
  const git = `${urls.api}/repos/${full}/git/${
    type === 'dir' ? 'trees' : 'blobs'
  }/${sha}`;
  const html = `${urls.html}/${full}/${
    type === 'dir' ? 'tree' : 'blob'
  }/${ref}/${encodePath(path)}`;
  return {
    url: self,
    git_url: git,
    html_url: html,
    download_url:
      type === 'file'
        ? `${urls.api}/repos/${full}/contents/${encodePath(
            path,
          )}?ref=${encodeURIComponent(ref)}&raw=1`
        : null,
    _links: { self, git, html },
  };
}

export function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}
