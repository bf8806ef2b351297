import { GitHubError, notFound, queryString } from '../http';
import type { RouteDef, RouteRequest } from '../http';
import type { RepositoryInfo, TreeEdit, TreeItem } from '../gitStore';
import { gitCommit, nodeId } from '../representations';
import { requireRepo } from './deps';
import type { ApiDeps } from './deps';

interface TreeEntryBody {
  path: string;
  mode: '100644' | '100755' | '040000' | '160000' | '120000';
  type: 'blob' | 'tree' | 'commit';
  sha?: string | null;
  content?: string;
}

const OBJECT_PATHS = {
  tree: 'trees',
  blob: 'blobs',
  commit: 'commits',
} as const;

/** GitHub's tree representation, as both reading and creating a tree answer it. */
function treeBody(
  req: RouteRequest,
  full: string,
  tree: string,
  items: TreeItem[],
) {
  return {
    sha: tree,
    url: `${req.urls.api}/repos/${full}/git/trees/${tree}`,
    tree: items.map(i => ({
      path: i.path,
      mode: i.mode,
      type: i.type,
      sha: i.sha,
      ...(i.type === 'blob' ? { size: i.size } : {}),
      url: `${req.urls.api}/repos/${full}/git/${OBJECT_PATHS[i.type]}/${i.sha}`,
    })),
    truncated: false,
  };
}

interface PersonBody {
  name: string;
  email: string;
  date?: string;
}

export function gitRoutes(deps: ApiDeps): RouteDef[] {
  const { git } = deps;

  function refJson(
    req: RouteRequest,
    info: RepositoryInfo,
    ref: string,
    sha: string,
    type: string,
  ) {
    const full = `${info.owner}/${info.name}`;
    return {
      ref,
      node_id: nodeId('REF_', `${info.id}:${ref}`),
      url: `${req.urls.api}/repos/${full}/git/${ref}`,
      object: {
        type,
        sha,
        url: `${req.urls.api}/repos/${full}/git/${type}s/${sha}`,
      },
    };
  }

  async function typedRefJson(
    req: RouteRequest,
    info: RepositoryInfo,
    ref: string,
    sha: string,
  ) {
    const type = (await git.objectType(info.owner, info.name, sha)) ?? 'commit';
    return refJson(req, info, ref, sha, type);
  }

  const fullRef = (ref: string) => `refs/${ref.replace(/^refs\//, '')}`;

  async function requireObject(
    info: RepositoryInfo,
    sha: string,
    type: string,
    what: string,
  ) {
    const actual = /^[0-9a-f]{40}$/i.test(sha)
      ? await git.objectType(info.owner, info.name, sha.toLowerCase())
      : undefined;
    if (actual !== type)
      throw new GitHubError(422, `${what} ${sha} is not a valid ${type}`);
  }

  const person = (p?: PersonBody) =>
    p
      ? {
          name: p.name,
          email: p.email,
          date: p.date ? new Date(p.date) : undefined,
        }
      : undefined;

  return [
    {
      operationId: 'git/get-ref',
      greedy: 'ref',
      handler: async req => {
        const info = requireRepo(deps, req);
        const ref = fullRef(req.params.ref);
        const sha = await git.resolveRef(info.owner, info.name, ref);
        if (!sha) throw notFound();
        return { body: await typedRefJson(req, info, ref, sha) };
      },
    },
    {
      operationId: 'git/list-matching-refs',
      greedy: 'ref',
      handler: async req => {
        const info = requireRepo(deps, req);
        const prefix = fullRef(req.params.ref);
        const refs = await git.listRefs(info.owner, info.name, prefix);
        return {
          body: await Promise.all(
            refs.map(r => typedRefJson(req, info, r.ref, r.sha)),
          ),
        };
      },
    },
    {
      operationId: 'git/create-ref',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as { ref: string; sha: string };
        if (!/^refs\/[^/]+\/.+/.test(body.ref)) {
          throw new GitHubError(
            422,
            "Reference name must start with 'refs/' and have at least two slashes.",
          );
        }
        await git.updateRef(info.owner, info.name, body.ref, body.sha, {
          mode: 'create',
        });
        return {
          status: 201,
          body: await typedRefJson(req, info, body.ref, body.sha),
        };
      },
    },
    {
      operationId: 'git/update-ref',
      greedy: 'ref',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as { sha: string; force?: boolean };
        const ref = fullRef(req.params.ref);
        await git.updateRef(info.owner, info.name, ref, body.sha, {
          mode: 'update',
          force: body.force ?? false,
        });
        return { body: await typedRefJson(req, info, ref, body.sha) };
      },
    },
    {
      operationId: 'git/delete-ref',
      greedy: 'ref',
      handler: async req => {
        const info = requireRepo(deps, req);
        const ref = fullRef(req.params.ref);
        if (ref === `refs/heads/${info.defaultBranch}`) {
          throw new GitHubError(422, 'Cannot delete the default branch');
        }
        if (!(await git.deleteRef(info.owner, info.name, ref))) {
          throw new GitHubError(422, 'Reference does not exist');
        }
        return { status: 204 };
      },
    },
    {
      operationId: 'git/get-tree',
      handler: async req => {
        const info = requireRepo(deps, req);
        const wanted = req.params.tree_sha;
        // GitHub also accepts a commit sha or a branch/tag name here.
        let tree: string | undefined;
        const type = /^[0-9a-f]{40}$/i.test(wanted)
          ? await git.objectType(info.owner, info.name, wanted.toLowerCase())
          : undefined;
        if (type === 'tree') tree = wanted.toLowerCase();
        else {
          const commitSha = await git.resolveCommitish(
            info.owner,
            info.name,
            wanted,
          );
          if (commitSha)
            tree = (await git.readCommit(info.owner, info.name, commitSha))
              .tree;
        }
        if (!tree) throw notFound();
        const recursive = queryString(req.query, 'recursive');
        const full = `${info.owner}/${info.name}`;
        const items = await git.readTree(info.owner, info.name, tree, {
          recursive:
            recursive !== undefined &&
            recursive !== '' &&
            recursive !== '0' &&
            recursive !== 'false',
          sizes: true,
        });
        return {
          body: {
            ...treeBody(req, full, tree, items),
          },
        };
      },
    },
    {
      operationId: 'git/create-tree',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as { tree: TreeEntryBody[]; base_tree?: string };
        if (body.base_tree)
          await requireObject(info, body.base_tree, 'tree', 'base_tree');
        const contents = body.tree.filter(e => e.content !== undefined);
        const oids = await git.writeBlobs(
          info.owner,
          info.name,
          contents.map(e => Buffer.from(e.content!, 'utf8')),
        );
        const blobOf = new Map(contents.map((e, i) => [e, oids[i]]));
        const edits: TreeEdit[] = [];
        for (const [index, entry] of body.tree.entries()) {
          if (entry.content !== undefined && entry.sha !== undefined) {
            throw new GitHubError(
              422,
              `tree.${index} must specify either sha or content, not both`,
            );
          }
          if (entry.content !== undefined) {
            edits.push({
              path: entry.path,
              mode: entry.mode,
              type: 'blob',
              sha: blobOf.get(entry)!,
            });
          } else if (entry.sha === null) {
            edits.push({ path: entry.path, sha: null });
          } else if (entry.sha) {
            if (entry.type !== 'commit')
              await requireObject(info, entry.sha, entry.type, `tree.sha`);
            edits.push({
              path: entry.path,
              mode: entry.mode,
              type: entry.type,
              sha: entry.sha.toLowerCase(),
            });
          } else {
            throw new GitHubError(
              422,
              `tree.${index} must specify either sha or content`,
            );
          }
        }
        const tree = await git.writeTree(
          info.owner,
          info.name,
          body.base_tree ?? null,
          edits,
        );
        const full = `${info.owner}/${info.name}`;
        const items = await git.readTree(info.owner, info.name, tree, {
          sizes: true,
        });
        return {
          status: 201,
          body: {
            ...treeBody(req, full, tree, items),
          },
        };
      },
    },
    {
      operationId: 'git/get-blob',
      handler: async req => {
        const info = requireRepo(deps, req);
        const sha = req.params.file_sha.toLowerCase();
        if ((await git.objectType(info.owner, info.name, sha)) !== 'blob')
          throw notFound();
        const data = await git.readBlob(info.owner, info.name, sha);
        if (/\.raw\b|vnd\.github\.raw/.test(String(req.headers.accept ?? ''))) {
          return {
            raw: data,
            headers: {
              'content-type': 'application/vnd.github.raw; charset=utf-8',
            },
          };
        }
        return {
          body: {
            sha,
            node_id: nodeId('B_', sha),
            size: data.length,
            url: `${req.urls.api}/repos/${info.owner}/${info.name}/git/blobs/${sha}`,
            content: `${
              data
                .toString('base64')
                .match(/.{1,60}/g)
                ?.join('\n') ?? ''
            }\n`,
            encoding: 'base64',
          },
        };
      },
    },
    {
      operationId: 'git/create-blob',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as { content: string; encoding?: string };
        const encoding = body.encoding ?? 'utf-8';
        if (
          encoding !== 'utf-8' &&
          encoding !== 'utf8' &&
          encoding !== 'base64'
        ) {
          throw new GitHubError(422, `encoding must be utf-8 or base64`);
        }
        const [sha] = await git.writeBlobs(info.owner, info.name, [
          Buffer.from(body.content, encoding === 'base64' ? 'base64' : 'utf8'),
        ]);
        return {
          status: 201,
          headers: {
            location: `${req.urls.api}/repos/${info.owner}/${info.name}/git/blobs/${sha}`,
          },
          body: {
            url: `${req.urls.api}/repos/${info.owner}/${info.name}/git/blobs/${sha}`,
            sha,
          },
        };
      },
    },
    {
      operationId: 'git/get-commit',
      handler: async req => {
        const info = requireRepo(deps, req);
        const sha = req.params.commit_sha.toLowerCase();
        if ((await git.objectType(info.owner, info.name, sha)) !== 'commit')
          throw notFound();
        const c = await git.readCommit(info.owner, info.name, sha);
        return {
          body: gitCommit(req.urls, `${info.owner}/${info.name}`, c),
          lastModified: c.committer.date,
        };
      },
    },
    {
      operationId: 'git/create-commit',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as {
          message: string;
          tree: string;
          parents?: string[];
          author?: PersonBody;
          committer?: PersonBody;
        };
        await requireObject(info, body.tree, 'tree', 'tree');
        for (const parent of body.parents ?? [])
          await requireObject(info, parent, 'commit', 'parents');
        const sha = await git.writeCommit(info.owner, info.name, {
          message: body.message,
          tree: body.tree.toLowerCase(),
          parents: (body.parents ?? []).map(p => p.toLowerCase()),
          author: person(body.author),
          committer: person(body.committer ?? body.author),
        });
        const c = await git.readCommit(info.owner, info.name, sha);
        return {
          status: 201,
          headers: {
            location: `${req.urls.api}/repos/${info.owner}/${info.name}/git/commits/${sha}`,
          },
          body: gitCommit(req.urls, `${info.owner}/${info.name}`, c),
        };
      },
    },
  ];
}
