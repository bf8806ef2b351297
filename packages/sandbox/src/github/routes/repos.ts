import { GitHubError, paginate, validationFailed } from '../http';
import type { RouteDef, RouteRequest } from '../http';
import type { RepositoryInfo } from '../gitStore';
import { commit, fullRepository, iso, simpleUser } from '../representations';
import type { Urls } from '../representations';
import { isBinary, lineDiffCounts } from '../lineDiff';
import { requireRepo } from './deps';
import type { ApiDeps } from './deps';

interface CreateRepoBody {
  name: string;
  description?: string;
  private?: boolean;
  visibility?: 'public' | 'private' | 'internal';
  auto_init?: boolean;
  is_template?: boolean;
}

interface GenerateBody {
  owner?: string;
  name: string;
  description?: string;
  private?: boolean;
}

const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function repoJson(deps: ApiDeps, urls: Urls, info: RepositoryInfo) {
  const template = info.templateRepository
    ? deps.git.getRepository(
        info.templateRepository.owner,
        info.templateRepository.name,
      )
    : undefined;
  return fullRepository(urls, info, deps.ownerType(info.owner), {
    openPulls: deps.pulls.openCount(info),
    template,
    templateOwnerType: template ? deps.ownerType(template.owner) : undefined,
  });
}

export function repoRoutes(deps: ApiDeps): RouteDef[] {
  const { git } = deps;

  /** GitHub's 422s for a repository name that is invalid or already taken. */
  function assertNewRepositoryName(owner: string, name: string) {
    const problem = !REPO_NAME.test(name)
      ? 'name is invalid'
      : git.hasRepository(owner, name) && 'name already exists on this account';
    if (problem) {
      throw validationFailed([
        {
          resource: 'Repository',
          code: 'custom',
          field: 'name',
          message: problem,
        },
      ]);
    }
  }

  async function create(req: RouteRequest, owner: string) {
    const body = req.body as CreateRepoBody;
    assertNewRepositoryName(owner, body.name);
    await git.createRepository(owner, body.name, {
      description: body.description,
      private:
        body.private ??
        (body.visibility ? body.visibility !== 'public' : false),
      isTemplate: body.is_template ?? false,
      files: body.auto_init
        ? {
            'README.md': `# ${body.name}\n${
              body.description ? `\n${body.description}\n` : ''
            }`,
          }
        : {},
    });
    return {
      status: 201,
      body: repoJson(deps, req.urls, git.getRepository(owner, body.name)!),
    };
  }

  return [
    {
      operationId: 'users/get-authenticated',
      handler: async req => {
        const created = iso(new Date(Date.UTC(2020, 0, 1)));
        return {
          body: {
            ...simpleUser(req.urls, req.login, 'User'),
            name: 'Launchpad Sandbox',
            company: null,
            blog: '',
            location: null,
            email: null,
            hireable: null,
            bio: null,
            twitter_username: null,
            public_repos: git
              .listRepositories()
              .filter(r => r.owner === req.login && !r.private).length,
            public_gists: 0,
            followers: 0,
            following: 0,
            created_at: created,
            updated_at: created,
            private_gists: 0,
            total_private_repos: git
              .listRepositories()
              .filter(r => r.owner === req.login && r.private).length,
            owned_private_repos: 0,
            disk_usage: 0,
            collaborators: 0,
            two_factor_authentication: true,
          },
        };
      },
    },
    {
      operationId: 'repos/get',
      handler: async req => {
        const info = requireRepo(deps, req);
        // GitHub's Last-Modified for a repository is its updated_at
        // (octokit/fixtures, scenarios/api.github.com/get-repository).
        return {
          body: repoJson(deps, req.urls, info),
          lastModified: info.updatedAt,
        };
      },
    },
    {
      operationId: 'repos/create-in-org',
      handler: req => create(req, req.params.org),
    },
    {
      operationId: 'repos/create-for-authenticated-user',
      handler: req => create(req, req.login),
    },
    {
      operationId: 'repos/create-using-template',
      handler: async req => {
        const template = requireRepo(
          deps,
          req,
          req.params.template_owner,
          req.params.template_repo,
        );
        const body = req.body as GenerateBody;
        const owner = body.owner ?? req.login;
        if (!template.isTemplate) {
          throw validationFailed([
            {
              resource: 'Repository',
              code: 'custom',
              field: 'template',
              message: `${template.owner}/${template.name} is not a template repository`,
            },
          ]);
        }
        assertNewRepositoryName(owner, body.name);
        // A generated repository starts with one commit holding the template's
        // files (no shared history), as GitHub does.
        const files: Record<string, string> = {};
        for (const file of await git.listFiles(template.owner, template.name)) {
          files[file] = (await git.readFile(
            template.owner,
            template.name,
            file,
          ))!;
        }
        await git.createRepository(owner, body.name, {
          description: body.description ?? undefined,
          private: body.private ?? false,
          files,
          message: 'Initial commit',
          defaultBranch: template.defaultBranch,
          templateRepository: { owner: template.owner, name: template.name },
        });
        return {
          status: 201,
          body: repoJson(deps, req.urls, git.getRepository(owner, body.name)!),
        };
      },
    },
    {
      operationId: 'repos/list-branches',
      handler: async req => {
        const info = requireRepo(deps, req);
        const refs = await git.listRefs(info.owner, info.name, 'refs/heads/');
        const full = `${info.owner}/${info.name}`;
        const { items, pagination } = paginate(refs, req.query);
        return {
          pagination,
          body: items.map(r => {
            const name = r.ref.slice('refs/heads/'.length);
            return {
              name,
              commit: {
                sha: r.sha,
                url: `${req.urls.api}/repos/${full}/commits/${r.sha}`,
              },
              protected: false,
            };
          }),
        };
      },
    },
    {
      operationId: 'repos/get-branch',
      greedy: 'branch',
      handler: async req => {
        const info = requireRepo(deps, req);
        const sha = await git.resolveRef(
          info.owner,
          info.name,
          `refs/heads/${req.params.branch}`,
        );
        if (!sha) throw new GitHubError(404, 'Branch not found');
        const full = `${info.owner}/${info.name}`;
        const c = await git.readCommit(info.owner, info.name, sha);
        const self = `${req.urls.api}/repos/${full}/branches/${req.params.branch}`;
        return {
          lastModified: c.committer.date,
          body: {
            name: req.params.branch,
            commit: commit(req.urls, full, c),
            _links: {
              html: `${req.urls.html}/${full}/tree/${req.params.branch}`,
              self,
            },
            protected: false,
            protection: {
              enabled: false,
              required_status_checks: {
                enforcement_level: 'off',
                contexts: [],
                checks: [],
              },
            },
            protection_url: `${self}/protection`,
          },
        };
      },
    },
    {
      operationId: 'repos/get-commit',
      greedy: 'ref',
      handler: async req => {
        const info = requireRepo(deps, req);
        const sha = await git.resolveCommitish(
          info.owner,
          info.name,
          req.params.ref,
        );
        if (!sha) {
          throw new GitHubError(
            422,
            `No commit found for SHA: ${req.params.ref}`,
          );
        }
        const full = `${info.owner}/${info.name}`;
        const c = await git.readCommit(info.owner, info.name, sha);
        const diff = (
          await git.diffCommits(
            info.owner,
            info.name,
            c.parents[0] ?? null,
            sha,
          )
        ).slice(0, 300);
        const read = async (blob: string | null) =>
          blob ? git.readBlob(info.owner, info.name, blob) : Buffer.alloc(0);
        const lineCounts = async (
          before: string | null,
          after: string | null,
        ) => {
          const [a, b] = await Promise.all([read(before), read(after)]);
          // git (and GitHub) count no lines for binary files.
          return isBinary(a) || isBinary(b)
            ? { additions: 0, deletions: 0 }
            : lineDiffCounts(a.toString('utf8'), b.toString('utf8'));
        };
        const files = await Promise.all(
          diff.map(async d => {
            const { additions, deletions } = await lineCounts(
              d.previousSha,
              d.sha,
            );
            const blob = d.sha ?? d.previousSha!;
            const at = d.status === 'removed' ? c.parents[0] : sha;
            return {
              sha: blob,
              filename: d.filename,
              status: d.status,
              additions,
              deletions,
              changes: additions + deletions,
              blob_url: `${req.urls.html}/${full}/blob/${at}/${d.filename}`,
              raw_url: `${req.urls.html}/${full}/raw/${at}/${d.filename}`,
              contents_url: `${req.urls.api}/repos/${full}/contents/${d.filename}?ref=${at}`,
            };
          }),
        );
        const additions = files.reduce((n, f) => n + f.additions, 0);
        const deletions = files.reduce((n, f) => n + f.deletions, 0);
        return {
          lastModified: c.committer.date,
          body: {
            ...commit(req.urls, full, c, files),
            stats: { total: additions + deletions, additions, deletions },
          },
        };
      },
    },
  ];
}
