import { GitHubError, notFound, queryString } from '../http';
import type { RouteDef, RouteRequest } from '../http';
import { GitStoreError } from '../gitStore';
import type { RepositoryInfo, TreeItem } from '../gitStore';
import { contentLinks, gitCommit } from '../representations';
import { requireRepo } from './deps';
import type { ApiDeps } from './deps';

interface PutBody {
  message: string;
  content: string;
  sha?: string;
  branch?: string;
  author?: { name: string; email: string };
  committer?: { name: string; email: string };
}

interface DeleteBody {
  message: string;
  sha: string;
  branch?: string;
  author?: { name: string; email: string };
  committer?: { name: string; email: string };
}

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*$/;

/** GitHub wraps base64 content at 60 characters. */
function wrapBase64(data: Buffer): string {
  const b64 = data.toString('base64');
  return `${b64.match(/.{1,60}/g)?.join('\n') ?? ''}\n`;
}

function itemType(item: TreeItem): 'file' | 'dir' | 'submodule' | 'symlink' {
  if (item.type === 'tree') return 'dir';
  if (item.type === 'commit') return 'submodule';
  return item.mode === '120000' ? 'symlink' : 'file';
}

export function contentRoutes(deps: ApiDeps): RouteDef[] {
  const { git } = deps;

  async function fileJson(
    req: RouteRequest,
    info: RepositoryInfo,
    item: TreeItem,
    ref: string,
    withContent: boolean,
  ) {
    const full = `${info.owner}/${info.name}`;
    const type = itemType(item);
    const size =
      item.type === 'blob'
        ? await git.blobSize(info.owner, info.name, item.sha)
        : 0;
    const base = {
      type,
      size,
      name: item.path.split('/').pop() ?? item.path,
      path: item.path,
      sha: item.sha,
      ...contentLinks(
        req.urls,
        full,
        item.path,
        item.sha,
        type === 'dir' ? 'dir' : 'file',
        ref,
      ),
    };
    if (!withContent) return base;
    const data = await git.readBlob(info.owner, info.name, item.sha);
    return { ...base, content: wrapBase64(data), encoding: 'base64' };
  }

  async function fileCommitJson(
    req: RouteRequest,
    info: RepositoryInfo,
    path: string,
    commitSha: string,
    branch: string,
    deleted: boolean,
  ) {
    const full = `${info.owner}/${info.name}`;
    const c = await git.readCommit(info.owner, info.name, commitSha);
    const item = deleted
      ? undefined
      : await git.readPath(info.owner, info.name, path, commitSha);
    return {
      content: item ? await fileJson(req, info, item, branch, false) : null,
      commit: gitCommit(req.urls, full, c),
    };
  }

  /** What `path` holds at the tip of `branch` (undefined if nothing); 404 when the branch does not exist. */
  async function readOnBranch(
    info: RepositoryInfo,
    path: string,
    branch: string,
  ) {
    const head = await git.resolveRef(
      info.owner,
      info.name,
      `refs/heads/${branch}`,
    );
    if (!head) throw new GitHubError(404, `Branch ${branch} not found`);
    return git.readPath(info.owner, info.name, path, head);
  }

  return [
    {
      operationId: 'repos/get-content',
      greedy: 'path',
      handler: async req => {
        const info = requireRepo(deps, req);
        const ref = queryString(req.query, 'ref') ?? info.defaultBranch;
        const commitSha = await git.resolveCommitish(
          info.owner,
          info.name,
          ref,
        );
        if (!commitSha)
          throw new GitHubError(404, `No commit found for the ref ${ref}`);
        const path = req.params.path.replace(/\/+$/, '');
        const item = await git.readPath(info.owner, info.name, path, commitSha);
        if (!item) throw notFound();
        // Last-Modified: the date of the commit the ref names. (GitHub's may
        // be the last commit that touched the path, which is never later, so
        // this answers 200 at least as often as GitHub: never a stale 304.)
        const lastModified = (
          await git.readCommit(info.owner, info.name, commitSha)
        ).committer.date;
        const accept = String(req.headers.accept ?? '');
        if (item.type === 'tree') {
          const entries = await git.readTree(info.owner, info.name, item.sha);
          return {
            lastModified,
            body: await Promise.all(
              entries.map(e =>
                fileJson(
                  req,
                  info,
                  { ...e, path: path ? `${path}/${e.path}` : e.path },
                  ref,
                  false,
                ),
              ),
            ),
          };
        }
        if (
          /\.raw\b|vnd\.github\.raw/.test(accept) ||
          queryString(req.query, 'raw')
        ) {
          return {
            lastModified,
            raw: await git.readBlob(info.owner, info.name, item.sha),
            headers: {
              'content-type': 'application/vnd.github.raw; charset=utf-8',
            },
          };
        }
        return {
          body: await fileJson(req, info, item, ref, true),
          lastModified,
        };
      },
    },
    {
      operationId: 'repos/create-or-update-file-contents',
      greedy: 'path',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as PutBody;
        const path = req.params.path.replace(/\/+$/, '');
        const branch = body.branch ?? info.defaultBranch;
        if (!BASE64.test(body.content)) {
          throw new GitHubError(422, 'content is not valid Base64');
        }
        const existing = await readOnBranch(info, path, branch);
        if (existing?.type === 'tree') {
          throw new GitHubError(422, `path cannot be a directory: ${path}`);
        }
        if (existing && !body.sha) {
          throw new GitHubError(
            422,
            `Invalid request.\n\n"sha" wasn't supplied.`,
          );
        }
        if (existing && body.sha !== existing.sha) {
          throw new GitHubError(409, `${path} does not match ${body.sha}`);
        }
        try {
          const { sha } = await git.commitFiles(info.owner, info.name, {
            branch,
            message: body.message,
            changes: { [path]: Buffer.from(body.content, 'base64') },
            author: body.author ?? body.committer,
            allowEmpty: true,
            requireBranch: true,
            expect: { [path]: existing?.sha ?? null },
          });
          return {
            status: existing ? 200 : 201,
            body: await fileCommitJson(req, info, path, sha, branch, false),
          };
        } catch (error) {
          if (error instanceof GitStoreError && error.code === 'conflict') {
            throw new GitHubError(
              409,
              `${path} does not match ${body.sha ?? 'the current file'}`,
            );
          }
          throw error;
        }
      },
    },
    {
      operationId: 'repos/delete-file',
      greedy: 'path',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as DeleteBody;
        const path = req.params.path.replace(/\/+$/, '');
        const branch = body.branch ?? info.defaultBranch;
        const existing = await readOnBranch(info, path, branch);
        if (!existing || existing.type !== 'blob') throw notFound();
        if (body.sha !== existing.sha) {
          throw new GitHubError(409, `${path} does not match ${body.sha}`);
        }
        try {
          const { sha } = await git.commitFiles(info.owner, info.name, {
            branch,
            message: body.message,
            changes: { [path]: null },
            author: body.author ?? body.committer,
            requireBranch: true,
            expect: { [path]: existing.sha },
          });
          return {
            body: await fileCommitJson(req, info, path, sha, branch, true),
          };
        } catch (error) {
          if (error instanceof GitStoreError && error.code === 'conflict') {
            throw new GitHubError(409, `${path} does not match ${body.sha}`);
          }
          throw error;
        }
      },
    },
  ];
}
