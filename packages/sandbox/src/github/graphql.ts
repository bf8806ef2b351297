import fs from 'node:fs';
import path from 'node:path';
import {
  buildClientSchema,
  defaultFieldResolver,
  execute,
  GraphQLError,
  parse,
  validate,
} from 'graphql';
import type {
  GraphQLFieldResolver,
  GraphQLFormattedError,
  GraphQLSchema,
  IntrospectionQuery,
} from 'graphql';
import { GitStoreError } from './gitStore';
import type {
  CommitInfo,
  GitStore,
  RepositoryInfo,
  TreeEdit,
  TreeItem,
} from './gitStore';
import { iso, nodeId, stableId } from './representations';
import { canSee } from './routes/deps';

/**
 * Blobs larger than this are served with `text: null, isTruncated: true`
 * (the reader then falls back to REST). GitHub does not document its own
 * limit; 512 KiB keeps every realistic config file whole.
 */
export const GRAPHQL_BLOB_TEXT_LIMIT = 512 * 1024;

/** Where GitHub documents GraphQL calls (the `documentation_url` of its 401s). */
export const GRAPHQL_DOCS = 'https://docs.github.com/graphql';

/**
 * GitHub's public GraphQL schema, as `@octokit/graphql-schema` ships it. The
 * package exports only an ESM entry (which reads this file next to itself),
 * so the introspection JSON is located on the resolution paths instead. It is
 * built once, from introspection as the package's own validator does: the
 * SDL file repeats two enterprise fields, which `buildSchema` rejects.
 */
let schema: GraphQLSchema | undefined;
export function githubGraphqlSchema(): GraphQLSchema {
  if (schema) return schema;
  const dirs = require.resolve.paths('@octokit/graphql-schema') ?? [];
  const file = dirs
    .map(dir => path.join(dir, '@octokit', 'graphql-schema', 'schema.json'))
    .find(candidate => fs.existsSync(candidate));
  if (!file) throw new Error('@octokit/graphql-schema is not installed');
  schema = buildClientSchema(
    JSON.parse(fs.readFileSync(file, 'utf8')) as IntrospectionQuery,
  );
  return schema;
}

/** An error with GitHub's GraphQL `type` (NOT_FOUND, ...). */
class TypedError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export interface GraphqlContext {
  git: GitStore;
  /** The login of the token's user: the author of the commits mutations create. */
  login: string;
  /** Whether the caller's token can see private repositories. */
  privateAccess: boolean;
  /** Narrows them (a GitHub App installation's; routes/apps.ts). */
  repositoryAccess?: (owner: string, name: string) => boolean;
  /** The caller's GraphQL budget before this query (after it: minus `cost`). */
  rateLimit: { limit: number; used: number; reset: number };
  ownerType(owner: string): 'User' | 'Organization';
}

export interface GraphqlRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** A GraphQL response body as GitHub writes it. */
export interface GraphqlResponseBody {
  data?: Record<string, unknown> | null;
  errors?: Array<GraphQLFormattedError & { type?: string }>;
}

/**
 * Every query costs one point here: the sandbox serves no connections, which
 * is what GitHub charges more for. A mutation costs one point too, as measured
 * on GitHub for createCommitOnBranch (x-ratelimit-used rises by one per call).
 */
const QUERY_COST = 1;

/**
 * The committer of commits made through the API's web-commit path
 * (createCommitOnBranch): GitHub documents it as "identical to that of commits
 * authored using the web interface", which is `GitHub <noreply@github.com>`.
 */
export const WEB_COMMITTER = { name: 'GitHub', email: 'noreply@github.com' };

/** Resolves the fields the resolver objects below have; anything else is refused, by name. */
const servedFieldsOnly: GraphQLFieldResolver<unknown, GraphqlContext> = (
  source,
  args,
  context,
  info,
) => {
  if (source !== null && typeof source === 'object' && info.fieldName in source)
    return defaultFieldResolver(source, args, context, info);
  throw new TypedError(
    'SANDBOX_UNSUPPORTED',
    `The Launchpad sandbox does not serve ${info.parentType.name}.${info.fieldName}.`,
  );
};

/**
 * Runs one GraphQL request against GitHub's schema: parsed and validated by
 * graphql-js (so a field or argument GitHub does not have is rejected as
 * GitHub would), then executed with resolvers for what the Launchpad plugins
 * read: `repository { object(oid | expression), ref(qualifiedName) }`
 * (Blob, Tree, Commit), `rateLimit`, and what they write: the
 * `createCommitOnBranch` mutation. Any other field is an error saying the sandbox does not serve
 * it. Errors never change the HTTP status (200), as on GitHub.
 */
export async function runGraphql(
  body: GraphqlRequestBody,
  context: GraphqlContext,
): Promise<GraphqlResponseBody> {
  if (typeof body.query !== 'string') {
    return {
      errors: [
        {
          message: 'A query attribute must be specified and must be a string.',
        },
      ],
    };
  }
  if (
    body.variables !== undefined &&
    body.variables !== null &&
    (typeof body.variables !== 'object' || Array.isArray(body.variables))
  ) {
    return { errors: [{ message: 'Variables must be an object.' }] };
  }
  let document;
  try {
    document = parse(body.query);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error.toJSON()] };
    throw error;
  }
  const githubSchema = githubGraphqlSchema();
  const problems = validate(githubSchema, document);
  if (problems.length) return { errors: problems.map(p => p.toJSON()) };

  const result = await execute({
    schema: githubSchema,
    document,
    rootValue: { ...queryRoot(context), ...mutationRoot(context) },
    contextValue: context,
    variableValues: (body.variables ?? undefined) as
      | Record<string, unknown>
      | undefined,
    operationName:
      typeof body.operationName === 'string' ? body.operationName : undefined,
    fieldResolver: servedFieldsOnly,
  });
  const out: GraphqlResponseBody = { data: result.data ?? null };
  if (result.errors?.length) {
    out.errors = result.errors.map(error => {
      const { extensions: _extensions, ...json } = error.toJSON();
      const original = error.originalError;
      return original instanceof TypedError
        ? { type: original.type, ...json }
        : json;
    });
  }
  return out;
}

function queryRoot(context: GraphqlContext) {
  return {
    repository: (args: { owner: string; name: string }) => {
      const info = context.git.getRepository(args.owner, args.name);
      if (!info || !canSee(context, info)) {
        throw new TypedError(
          'NOT_FOUND',
          `Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`,
        );
      }
      return repository(context, info);
    },
    rateLimit: () => {
      const { limit, used, reset } = context.rateLimit;
      return {
        cost: QUERY_COST,
        limit,
        used: Math.min(limit, used + QUERY_COST),
        remaining: Math.max(0, limit - used - QUERY_COST),
        resetAt: new Date(reset * 1000).toISOString(),
        nodeCount: 0,
      };
    },
  };
}

function repository(context: GraphqlContext, info: RepositoryInfo) {
  const { git } = context;
  const { owner, name } = info;
  return {
    id: nodeId('R_', info.id),
    name,
    nameWithOwner: `${owner}/${name}`,
    isPrivate: info.private,
    owner: { __typename: context.ownerType(owner), login: owner },
    /** Fully qualified names first (`refs/heads/main`), then short ones (`main`), as GitHub documents. */
    ref: async (args: { qualifiedName: string }) => {
      const q = args.qualifiedName;
      const candidates = q.startsWith('refs/')
        ? [q]
        : [`refs/heads/${q}`, `refs/tags/${q}`];
      for (const candidate of candidates) {
        const sha = await git.resolveRef(owner, name, candidate);
        if (sha) return refObject(git, info, candidate, sha);
      }
      return null;
    },
    object: async (args: { oid?: string; expression?: string }) => {
      if (args.oid !== undefined) {
        const oid = args.oid.toLowerCase();
        if (!/^[0-9a-f]{40}$/.test(oid)) return null;
        const type = await git.objectType(owner, name, oid);
        return type ? gitObject(git, info, type, oid) : null;
      }
      if (args.expression !== undefined) {
        // `<rev>:<path>` names an entry of a commit's tree, `<rev>` the commit.
        const colon = args.expression.indexOf(':');
        const rev =
          colon < 0 ? args.expression : args.expression.slice(0, colon);
        if (colon < 0) {
          const sha = await git.resolveCommitish(owner, name, rev || 'HEAD');
          return sha ? gitObject(git, info, 'commit', sha) : null;
        }
        const entry = await git.readPath(
          owner,
          name,
          args.expression.slice(colon + 1),
          rev || undefined,
        );
        return entry
          ? gitObject(git, info, entry.type, entry.sha, entry.path)
          : null;
      }
      return null;
    },
  };
}

/** What a GraphQL object resolves from: its fields, values or functions of their arguments. */
type Resolved = Record<string, unknown> | null;

function gitObject(
  git: GitStore,
  info: RepositoryInfo,
  type: string,
  oid: string,
  /** The object's path, when it was reached through one (tree entries' paths start there). */
  at = '',
): Resolved | Promise<Resolved> {
  const { owner, name } = info;
  const common = {
    oid,
    abbreviatedOid: oid.slice(0, 7),
  };
  if (type === 'blob') {
    return (async (): Promise<Resolved> => {
      const data = await git.readBlob(owner, name, oid);
      // git's own test: a NUL byte in the first 8,000 bytes means binary.
      const isBinary = data.subarray(0, 8000).includes(0);
      const isTruncated = data.length > GRAPHQL_BLOB_TEXT_LIMIT;
      return {
        __typename: 'Blob',
        ...common,
        id: nodeId('B_', oid),
        byteSize: data.length,
        isBinary,
        isTruncated,
        text: isBinary || isTruncated ? null : data.toString('utf8'),
      };
    })();
  }
  if (type === 'tree') {
    return {
      __typename: 'Tree',
      ...common,
      id: nodeId('T_', oid),
      entries: async () =>
        (await git.readTree(owner, name, oid, { sizes: true })).map(entry =>
          treeEntry(git, info, entry, at),
        ),
    };
  }
  if (type === 'commit') {
    return (async (): Promise<Resolved> => {
      const c = await git.readCommit(owner, name, oid);
      const [headline] = c.message.split('\n', 1);
      return {
        __typename: 'Commit',
        ...common,
        id: nodeId('C_', oid),
        message: c.message.replace(/\n$/, ''),
        messageHeadline: headline,
        messageBody: c.message
          .slice(headline.length)
          .replace(/^\n+/, '')
          .replace(/\n$/, ''),
        authoredDate: iso(c.author.date),
        committedDate: iso(c.committer.date),
        author: gitActor(c.author),
        committer: gitActor(c.committer),
        committedViaWeb:
          c.committer.name === WEB_COMMITTER.name &&
          c.committer.email === WEB_COMMITTER.email,
        tree: gitObject(git, info, 'tree', c.tree),
        file: async (args: { path: string }) => {
          const entry = await git.readPath(owner, name, args.path, oid);
          if (!entry || !entry.path) return null;
          const dir = entry.path.split('/').slice(0, -1).join('/');
          return treeEntry(
            git,
            info,
            { ...entry, path: entry.path.split('/').pop()! },
            dir,
          );
        },
      };
    })();
  }
  return null;
}

function treeEntry(
  git: GitStore,
  info: RepositoryInfo,
  entry: TreeItem,
  dir: string,
) {
  const full = dir ? `${dir}/${entry.path}` : entry.path;
  return {
    name: entry.path,
    path: full,
    oid: entry.sha,
    type: entry.type,
    mode: parseInt(entry.mode, 8),
    size: entry.size ?? 0,
    object: () => gitObject(git, info, entry.type, entry.sha, full),
  };
}

function gitActor(person: CommitInfo['author']) {
  return { name: person.name, email: person.email, date: iso(person.date) };
}

function refObject(
  git: GitStore,
  info: RepositoryInfo,
  qualifiedName: string,
  sha: string,
) {
  const prefix = /^refs\/[^/]+\//.exec(qualifiedName)?.[0] ?? '';
  return {
    id: nodeId('REF_', `${info.id}:${qualifiedName}`),
    name: qualifiedName.slice(prefix.length),
    prefix,
    target: gitObject(git, info, 'commit', sha),
  };
}

// ---- mutations ----

/** `createCommitOnBranch`'s input, as GitHub's schema types it (validated before it gets here). */
interface CreateCommitOnBranchInput {
  branch: {
    repositoryNameWithOwner?: string | null;
    branchName?: string | null;
    id?: string | null;
  };
  clientMutationId?: string | null;
  expectedHeadOid: string;
  fileChanges?: {
    additions?: Array<{ path: string; contents: string }> | null;
    deletions?: Array<{ path: string }> | null;
  } | null;
  message: { headline: string; body?: string | null };
}

/** RFC 4648 base64 with padding, which GitHub requires of FileAddition.contents. */
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function mutationRoot(context: GraphqlContext) {
  return {
    /**
     * GitHub's one-request commit (docs.github.com/graphql/reference/mutations
     * #createcommitonbranch): the commit's parent is `expectedHeadOid`, which
     * must be the branch head, else `STALE_DATA` with GitHub's message
     * `Expected branch to point to "<oid>" but it did not.  Pull and try
     * again.` (HTTP 200, `data.createCommitOnBranch: null`; observed shape
     * recorded by repo-guardian's spike notes). Deleting a path that is not a
     * file at the head aborts the commit (the FileChanges docs), with the
     * message GitHub answers. Authored by the token's user, committed by
     * `GitHub <noreply@github.com>`, as documented.
     */
    createCommitOnBranch: async (args: {
      input: CreateCommitOnBranchInput;
    }) => {
      const { git } = context;
      const { input } = args;
      if (!input.branch.repositoryNameWithOwner || !input.branch.branchName) {
        // GitHub also accepts a Ref node id; the sandbox's Ref ids are not resolvable.
        throw new TypedError(
          'SANDBOX_UNSUPPORTED',
          'The Launchpad sandbox resolves branches by repositoryNameWithOwner and branchName only.',
        );
      }
      const nameWithOwner = input.branch.repositoryNameWithOwner;
      const [owner, name] = nameWithOwner.split('/');
      const info = owner && name ? git.getRepository(owner, name) : undefined;
      if (!info || !canSee(context, info)) {
        throw new TypedError(
          'NOT_FOUND',
          `Could not resolve to a Repository with the name '${nameWithOwner}'.`,
        );
      }
      const branchName = input.branch.branchName.replace(/^refs\/heads\//, '');
      const ref = `refs/heads/${branchName}`;
      const head = await git.resolveRef(info.owner, info.name, ref);
      if (!head) {
        // GitHub's wording for a missing branch is not documented; this
        // names the ref the way its other NOT_FOUND errors name objects.
        throw new TypedError(
          'NOT_FOUND',
          `Could not resolve to a Ref with the name '${ref}'.`,
        );
      }
      const additions = input.fileChanges?.additions ?? [];
      const deletions = input.fileChanges?.deletions ?? [];
      const paths = [...additions, ...deletions].map(c => c.path);
      const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
      if (duplicate !== undefined) {
        throw new TypedError(
          'UNPROCESSABLE',
          `The path '${duplicate}' appears more than once in fileChanges.`,
        );
      }
      const bad = additions.find(a => !BASE64.test(a.contents));
      if (bad) {
        throw new TypedError(
          'UNPROCESSABLE',
          `The contents of '${bad.path}' are not valid base64.`,
        );
      }
      const expected = input.expectedHeadOid.toLowerCase();
      const stale = () =>
        new TypedError(
          'STALE_DATA',
          `Expected branch to point to "${input.expectedHeadOid}" but it did not.  Pull and try again.`,
        );
      if (head !== expected) throw stale();
      for (const d of deletions) {
        const entry = await git.readPath(info.owner, info.name, d.path, head);
        if (entry?.type !== 'blob') {
          throw new TypedError(
            'UNPROCESSABLE',
            `A path was requested for deletion which does not exist as of commit oid \`${head}\`.`,
          );
        }
      }
      const parent = await git.readCommit(info.owner, info.name, head);
      const blobs = await git.writeBlobs(
        info.owner,
        info.name,
        additions.map(a => Buffer.from(a.contents, 'base64')),
      );
      const edits: TreeEdit[] = [
        ...additions.map(
          (a, i): TreeEdit => ({
            path: a.path,
            mode: '100644',
            type: 'blob',
            sha: blobs[i],
          }),
        ),
        ...deletions.map((d): TreeEdit => ({ path: d.path, sha: null })),
      ];
      const tree = await git.writeTree(
        info.owner,
        info.name,
        parent.tree,
        edits,
      );
      const { headline, body } = input.message;
      const { login } = context;
      const id = stableId(`user:${login}`);
      const sha = await git.writeCommit(info.owner, info.name, {
        message: body ? `${headline}\n\n${body}` : headline,
        tree,
        parents: [head],
        author: {
          name: login,
          email: `${id}+${login}@users.noreply.github.com`,
        },
        committer: WEB_COMMITTER,
      });
      try {
        // Not forced: a branch that moved since the check above is no longer
        // an ancestor of the new commit, which is GitHub's stale head.
        await git.updateRef(info.owner, info.name, ref, sha, {
          mode: 'update',
        });
      } catch (error) {
        if (error instanceof GitStoreError && error.code === 'invalid') {
          throw stale();
        }
        throw error;
      }
      return {
        clientMutationId: input.clientMutationId ?? null,
        commit: gitObject(git, info, 'commit', sha),
        ref: refObject(git, info, ref, sha),
      };
    },
  };
}
