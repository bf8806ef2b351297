import type {
  AuthService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ENTITY_TYPES,
  FLEET_FILTERS,
  FLEET_SORT_KEYS,
  launchpadArgocdSyncPermission,
  launchpadStatusReadPermission,
} from '@internal/plugin-launchpad-common';
import {
  readApplicationProject,
  type LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { instanceTarget, type StatusService } from './status/StatusService';
import type { InstanceEntities } from './status/InstanceEntities';
import { visibleInstances } from './status/visibleInstances';
import type { HistoryService } from './history/HistoryService';
import type { ClustersService } from './clusters/ClustersService';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  clusters: LaunchpadClustersService;
  status: StatusService;
  instances: InstanceEntities;
  history: HistoryService;
  clusterInfo: ClustersService;
  logger: LoggerService;
}

/** A query parameter given once, repeated, or comma-separated: its values. */
const commaList = z
  .union([z.string(), z.array(z.string())], { error: 'is not a plain value' })
  .optional()
  .transform(v =>
    v === undefined
      ? []
      : (Array.isArray(v) ? v : [v]).flatMap(s => s.split(',')).filter(Boolean),
  );

const listParam = <T extends string>(values: readonly [T, ...T[]]) =>
  commaList.pipe(z.array(z.enum(values)));

// Strict: a misspelt parameter (`?status=degraded`) is refused, not ignored
// into an unfiltered 200.
const fleetQuery = z
  .object({
    cluster: commaList,
    filter: listParam(
      FLEET_FILTERS as unknown as readonly [string, ...string[]],
    ),
    q: z.string().max(200).optional(),
    sort: z.enum(FLEET_SORT_KEYS).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const historyQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const syncBody = z
  .object({
    revision: z.string().min(1).optional(),
    prune: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

const refreshBody = z
  .object({ type: z.enum(['normal', 'hard']).default('normal') })
  .strict();

// The slug is checked by the availability itself (a reason naming the
// field); here only its presence and a bound on what is echoed back.
const availabilityQuery = z
  .object({
    slug: z.string({ error: 'is required' }).min(1, 'is required').max(100),
  })
  .strict();

/** Query parameters that take several values (repeated or comma-separated). */
const MULTI_VALUED = new Set(['cluster', 'filter']);

/** The value at an issue's path, for the message (bounded: it is echoed back). */
function valueAt(value: unknown, path: PropertyKey[]): string | undefined {
  let v: unknown = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  // Absent and empty (`?slug=`) read the same: "slug: is required".
  if (v === undefined || v === '') return undefined;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  where: string,
): z.infer<T> {
  const input = value ?? {};
  // Express's query parser makes `?limit=1&limit=2` an array and `?q[a]=b` an
  // object: named here, not surfaced as "expected number, received NaN".
  if (where === 'query' && schema instanceof z.ZodObject) {
    for (const [key, v] of Object.entries(input as Record<string, unknown>)) {
      if (MULTI_VALUED.has(key) || !(key in schema.shape)) continue;
      if (Array.isArray(v))
        throw new InputError(
          `Invalid query: ${key} is given ${v.length} times (${v
            .map(x => JSON.stringify(x))
            .join(', ')}); give it once`,
        );
      if (typeof v !== 'string')
        throw new InputError(
          `Invalid query: ${key} ${JSON.stringify(v)} is not a plain value`,
        );
    }
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      const known =
        schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      throw new InputError(
        `Invalid ${where}: unknown ${issue.keys.map(k => `"${k}"`).join(', ')}${
          known.length ? ` (known: ${known.join(', ')})` : ''
        }`,
      );
    }
    // A comma list's index is the value's, not the parameter's (filter.1).
    const path = issue.path.filter(p => typeof p === 'string');
    const field = path.join('.') || where;
    const given = path.length ? valueAt(input, issue.path) : undefined;
    throw new InputError(
      `Invalid ${where}: ${field}${given ? ` ${given}` : ''}: ${issue.message}`,
    );
  }
  return result.data;
}

/**
 * A POST body must be JSON: express.json leaves any other content type
 * undefined, which would read as `{}` and run a sync with the options dropped
 * (curl -d sends form encoding unless told).
 */
function requireJsonBody(req: express.Request) {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    throw new InputError(
      `Invalid body: send JSON with content-type: application/json (got ${
        req.headers['content-type'] ?? 'no content-type'
      })`,
    );
  }
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, catalog, status, instances, clusters } =
    options;
  const router = Router();
  router.use(express.json());
  // body-parser's own error (name SyntaxError, the raw body echoed) as
  // Backstage's InputError.
  router.use(
    (
      error: Error & { type?: string },
      _req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      next(
        error.type === 'entity.parse.failed'
          ? new InputError(`Invalid body: not JSON: ${error.message}`)
          : error,
      );
    },
  );

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /** The instance entity the caller may see, or 404 (also for other kinds and types). */
  async function instanceEntity(
    namespace: string,
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    // `/instances/component:staging/demo/status`: the path takes the parts.
    if (namespace.includes(':')) {
      throw new InputError(
        `Invalid path: namespace "${namespace}" is not a cluster name; the path is /instances/<cluster>/<slug>/…, e.g. /instances/staging/demo/status`,
      );
    }
    const ref = { kind: 'component', namespace, name };
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity || entity.spec?.type !== ENTITY_TYPES.instance) {
      throw new NotFoundError(
        `No Open edX instance component:${namespace}/${name}`,
      );
    }
    return entity;
  }

  async function authorize(
    permission: typeof launchpadStatusReadPermission,
    entityRef: string,
    credentials: BackstageCredentials,
    action: string,
  ) {
    const [decision] = await permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`You may not ${action} ${entityRef}`);
    }
  }

  /** The instance's status target, after the caller's `launchpad.status.read` on it. */
  async function readableTarget(
    req: express.Request,
    credentials: BackstageCredentials,
    action: string,
  ) {
    const entity = await instanceEntity(
      req.params.namespace,
      req.params.name,
      credentials,
    );
    const target = instanceTarget(entity);
    if (!target) {
      throw new NotFoundError(
        `component:${req.params.namespace}/${req.params.name} has no launchpad.openedx.org/cluster or backstage.io/kubernetes-namespace annotation`,
      );
    }
    await authorize(
      launchpadStatusReadPermission,
      target.entityRef,
      credentials,
      action,
    );
    return target;
  }

  router.get('/instances/:namespace/:name/status', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    const target = await readableTarget(req, credentials, 'read the status of');
    res.json(status.instanceStatus(target));
  });

  router.get('/instances/:namespace/:name/history', async (req, res) => {
    const { limit } = parse(historyQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    const target = await readableTarget(
      req,
      credentials,
      'read the history of',
    );
    res.json(await options.history.instanceHistory(target, limit));
  });

  async function fleet(
    req: express.Request,
    res: express.Response,
    cluster?: string,
  ) {
    const credentials = await httpAuth.credentials(req);
    const query = parse(fleetQuery, req.query, 'query');
    if (cluster) {
      const other = query.cluster.find(c => c !== cluster);
      if (other) {
        throw new InputError(
          `Invalid query: cluster "${other}" contradicts the path's cluster "${cluster}"; use /fleet?cluster= for several`,
        );
      }
      query.cluster = [cluster];
    }
    const known = new Set(clusters.list().map(c => c.name));
    const unknown = query.cluster.find(c => !known.has(c));
    if (unknown)
      throw new NotFoundError(`No cluster "${unknown}" in launchpad.clusters`);

    const entities = await visibleInstances(
      await instances.list(),
      permissions,
      credentials,
    );
    res.json(
      status.fleet(entities, {
        cluster: query.cluster,
        filter: query.filter as Parameters<StatusService['fleet']>[1]['filter'],
        q: query.q,
        sort: query.sort,
        order: query.order,
        offset: query.offset,
        limit: query.limit,
      }),
    );
  }

  // Any signed-in user: the answers reveal only cluster names and whether a
  // name is taken (the catalog check runs with the caller's credentials).
  router.get('/clusters', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({ items: options.clusterInfo.list() });
  });

  router.get('/clusters/:cluster/availability', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { slug } = parse(availabilityQuery, req.query, 'query');
    res.json(
      await options.clusterInfo.availability(
        req.params.cluster,
        slug,
        credentials,
      ),
    );
  });

  router.get('/fleet', (req, res) => fleet(req, res));
  router.get('/clusters/:cluster/fleet', (req, res) =>
    fleet(req, res, req.params.cluster),
  );

  async function argocdOf(req: express.Request, action: string) {
    const credentials = await httpAuth.credentials(req);
    const entity = await instanceEntity(
      req.params.namespace,
      req.params.name,
      credentials,
    );
    const target = instanceTarget(entity);
    if (!target?.application) {
      throw new NotFoundError(
        `component:${req.params.namespace}/${req.params.name} has no argocd/app-name annotation`,
      );
    }
    await authorize(
      launchpadArgocdSyncPermission,
      target.entityRef,
      credentials,
      action,
    );
    const cluster = clusters.get(target.cluster);
    const { argocd } = cluster;
    if (!argocd) {
      throw new ServiceUnavailableError(
        `Cluster "${target.cluster}" has no argocd block in launchpad.clusters`,
      );
    }
    // ArgoCD answers a missing Application 404 only to a request naming its
    // project (403 "permission denied" otherwise): the project is
    // application.yml's (the namespace is the slug). When that cannot be read
    // (folder gone, GitHub down) or names another Application, no project:
    // ArgoCD (server/application/application.go getAppEnforceRBAC) answers 404
    // for an existing Application in another project than the one named, and
    // serves it to a request naming none.
    let project: string | undefined;
    try {
      project = await readApplicationProject(
        cluster.repository,
        target.namespace,
        target.application!,
      );
    } catch (error) {
      options.logger.warn(
        `Could not read the project of ${target.application} from instances/${target.namespace}/application.yml; sending none`,
        { cluster: target.cluster, error: String(error) },
      );
    }
    return { argocd, target, project };
  }

  router.post('/instances/:namespace/:name/sync', async (req, res) => {
    requireJsonBody(req);
    const body = parse(syncBody, req.body, 'body');
    const { argocd, target, project } = await argocdOf(req, 'sync');
    const app = await argocd.sync(target.application!, { ...body, project });
    options.logger.info(`ArgoCD sync of ${target.application} requested`, {
      cluster: target.cluster,
      entityRef: target.entityRef,
    });
    res.status(202).json({
      application: target.application,
      operation: app.operation ?? null,
    });
  });

  router.post('/instances/:namespace/:name/refresh', async (req, res) => {
    requireJsonBody(req);
    const body = parse(refreshBody, req.body, 'body');
    const { argocd, target, project } = await argocdOf(req, 'refresh');
    const app = await argocd.refresh(target.application!, body.type, {
      project,
    });
    res.json({
      application: target.application,
      reconciledAt: app.status?.reconciledAt ?? null,
    });
  });

  // Anything else under the plugin: Backstage's error shape naming the route,
  // not an empty 404 (`/instances/staging%2Fdemo/status`, a GET on sync). The
  // `/.backstage` and `/.well-known` routes (actions registry, permissions) are
  // left to their own routers.
  router.use((req, _res, next) => {
    if (req.path.startsWith('/.')) {
      next();
      return;
    }
    throw new NotFoundError(
      `No route ${req.method} ${req.path} in the launchpad API; see plugins/launchpad-backend/README.md`,
    );
  });

  return router;
}
