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
import type { GitStore, RepositoryInfo, TreeItem } from './gitStore';
import { iso, nodeId } from './representations';

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
  /** Whether the caller's token can see private repositories. */
  privateAccess: boolean;
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

/** Every query costs one point here: the sandbox serves no connections, which is what GitHub charges more for. */
const QUERY_COST = 1;

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
 * read: `repository { object(oid | expression) }` (Blob, Tree, Commit) and
 * `rateLimit`. Any other field is an error saying the sandbox does not serve
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
    rootValue: queryRoot(context),
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
      if (!info || (info.private && !context.privateAccess)) {
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
        authoredDate: iso(c.author.date),
        committedDate: iso(c.committer.date),
        tree: gitObject(git, info, 'tree', c.tree),
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
