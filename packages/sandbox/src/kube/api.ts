import express, { type Request, type Response } from 'express';
import type { SandboxClock } from '../clock';
import { badRequest, KubeError, failureStatus } from './errors';
import { createMetricsApi, METRICS_GROUP } from './metrics';
import { patchTypeOf } from './patch';
import {
  apiVersionOf,
  findType,
  RESOURCE_TYPES,
  type ResourceType,
} from './resources';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import type { KubeStore, StoreChangeEvent } from './store';
import type { KubeObject } from './types';

const VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];
/** How often (simulated) open watches that asked for bookmarks get one. */
const BOOKMARK_INTERVAL_MS = 60_000;

export interface KubeApiOptions {
  store: KubeStore;
  clock: SandboxClock;
  /** The `serverAddress` advertised by discovery (host:port). */
  serverAddress: () => string;
}

function groupsOf() {
  const groups = new Map<string, Set<string>>();
  for (const type of RESOURCE_TYPES) {
    if (!type.group) continue;
    const versions = groups.get(type.group) ?? new Set<string>();
    versions.add(type.version);
    groups.set(type.group, versions);
  }
  return groups;
}

function resourceList(group: string, version: string) {
  const types = RESOURCE_TYPES.filter(
    r => r.group === group && r.version === version,
  );
  if (!types.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(type => [
      {
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: VERBS,
        ...(type.shortNames ? { shortNames: type.shortNames } : {}),
      },
      {
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      },
    ]),
  };
}

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

/** Maps the path after `/api` or `/apis` onto a resource, namespace, name and subresource. */
function parseTarget(group: string, version: string, rest: string[]): Target {
  const resolve = (plural: string) => {
    const type = findType(group, version, plural);
    if (!type) {
      throw new KubeError(
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
    }
    return type;
  };
  const sub = (s: string | undefined) => {
    if (s === undefined) return undefined;
    if (s === 'status') return 'status' as const;
    throw new KubeError(
      404,
      'NotFound',
      'the server could not find the requested resource',
    );
  };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    return {
      type: resolve(rest[2]),
      namespace: rest[1],
      name: rest[3],
      subresource: sub(rest[4]),
    };
  }
  if (rest.length > 3) {
    throw new KubeError(
      404,
      'NotFound',
      'the server could not find the requested resource',
    );
  }
  const type = resolve(rest[0]);
  return { type, name: rest[1], subresource: sub(rest[2]) };
}

const queryString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
const queryFlag = (value: unknown) => value === 'true' || value === '1';

function encodeContinue(rv: number, lastKey: string) {
  return Buffer.from(JSON.stringify({ rv, start: lastKey })).toString(
    'base64url',
  );
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed.start === 'string' && typeof parsed.rv === 'number')
      return parsed;
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion',
  );
}

const keyOf = (obj: KubeObject) =>
  `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/** The Kubernetes API (`/api`, `/apis`, `/version`) over one cluster's store. */
export function createKubeApi(options: KubeApiOptions): express.Router {
  const { store, clock } = options;
  const router = express.Router();
  router.use(
    express.json({
      type: ['application/json', 'application/*+json'],
      limit: '20mb',
    }),
  );

  router.get('/version', (_req, res) => {
    res.json({
      major: '1',
      minor: '31',
      gitVersion: 'v1.31.0-launchpad-sandbox',
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2026-01-01T00:00:00Z',
      goVersion: 'go1.22.0',
      compiler: 'gc',
      platform: 'linux/amd64',
    });
  });

  router.get('/api', (_req, res) => {
    res.json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [
        { clientCIDR: '0.0.0.0/0', serverAddress: options.serverAddress() },
      ],
    });
  });

  router.get('/apis', (_req, res) => {
    res.json({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        ...[...groupsOf()].map(([name, versions]) => {
          const entries = [...versions].map(version => ({
            groupVersion: `${name}/${version}`,
            version,
          }));
          return { name, versions: entries, preferredVersion: entries[0] };
        }),
        ...[METRICS_GROUP].map(name => {
          const entry = { groupVersion: `${name}/v1beta1`, version: 'v1beta1' };
          return { name, versions: [entry], preferredVersion: entry };
        }),
      ],
    });
  });

  router.use(createMetricsApi(store, clock));

  router.all(/^\/apis?\/.*/, (req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      sendError(res, e);
    }
  });

  // Malformed JSON bodies answer a BadRequest Status, not express's HTML page.
  router.use(
    (
      err: unknown,
      _req: Request,
      res: Response,
      next: (e?: unknown) => void,
    ) => {
      if (!err) {
        next();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      sendError(
        res,
        badRequest(`the request body could not be decoded: ${message}`),
      );
    },
  );

  function handle(req: Request, res: Response) {
    const segments = req.path
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    let group = '';
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') {
      version = segments[1];
      rest = segments.slice(2);
    } else {
      if (segments.length === 2) {
        const versions = groupsOf().get(segments[1]);
        if (!versions)
          throw new KubeError(
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        const entries = [...versions].map(v => ({
          groupVersion: `${segments[1]}/${v}`,
          version: v,
        }));
        res.json({
          kind: 'APIGroup',
          apiVersion: 'v1',
          name: segments[1],
          versions: entries,
          preferredVersion: entries[0],
        });
        return;
      }
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    }
    if (rest.length === 0) {
      const discovery = resourceList(group, version);
      if (!discovery || req.method !== 'GET') {
        throw new KubeError(
          404,
          'NotFound',
          'the server could not find the requested resource',
        );
      }
      res.json(discovery);
      return;
    }
    // `/api/v1/namespaces/<ns>` and `/api/v1/namespaces/<ns>/status` address the namespace itself.
    const target =
      group === '' &&
      rest[0] === 'namespaces' &&
      (rest.length === 2 || (rest.length === 3 && rest[2] === 'status'))
        ? {
            type: findType('', 'v1', 'namespaces')!,
            name: rest[1],
            subresource: rest[2] as 'status' | undefined,
          }
        : parseTarget(group, version, rest);
    const { type, name, subresource } = target;
    const namespace = type.namespaced ? target.namespace : undefined;
    // A namespaced object needs its namespace; a cluster-scoped one has none.
    const misplaced = type.namespaced
      ? !namespace && !!name
      : 'namespace' in target && !!target.namespace;
    if (misplaced) {
      throw new KubeError(
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
    }
    const dryRun = queryString(req.query.dryRun) === 'All';

    if (!name) {
      switch (req.method) {
        case 'GET':
          if (queryFlag(req.query.watch)) watch(req, res, type, namespace);
          else listObjects(req, res, type, namespace);
          return;
        case 'POST': {
          if (!isObjectBody(req.body))
            throw badRequest('the request body must be a JSON object');
          const created = store.create(type, req.body as KubeObject, {
            namespace,
            fromApi: true,
            dryRun,
          });
          res.status(201).json(created);
          return;
        }
        case 'DELETE': {
          const victims = store.list(type, {
            namespace,
            labelSelector: queryString(req.query.labelSelector),
            fieldSelector: queryString(req.query.fieldSelector),
          });
          for (const victim of victims) {
            store.delete(
              type,
              victim.metadata.namespace,
              victim.metadata.name!,
            );
          }
          res.json(listBody(type, victims));
          return;
        }
        default:
          throw new KubeError(
            405,
            'MethodNotAllowed',
            `the server does not allow this method on the requested resource`,
          );
      }
    }

    switch (req.method) {
      case 'GET':
        res.json(store.getOrThrow(type, namespace, name));
        return;
      case 'PUT':
        if (!isObjectBody(req.body))
          throw badRequest('the request body must be a JSON object');
        res.json(
          store.replace(type, namespace, name, req.body as KubeObject, {
            subresource,
            dryRun,
          }),
        );
        return;
      case 'PATCH':
        res.json(
          store.patch(
            type,
            namespace,
            name,
            req.body,
            patchTypeOf(req.headers['content-type']),
            {
              subresource,
              dryRun,
            },
          ),
        );
        return;
      case 'DELETE': {
        if (subresource)
          throw new KubeError(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
        const deleted = store.delete(type, namespace, name);
        // Pods and namespaces answer with the object; other kinds with a success Status.
        if (type.plural === 'pods' || type.plural === 'namespaces') {
          if (type.plural === 'namespaces')
            (deleted as { status?: unknown }).status = { phase: 'Terminating' };
          res.json(deleted);
        } else {
          res.json({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: {
              name,
              group: type.group || undefined,
              kind: type.plural,
              uid: deleted.metadata.uid,
            },
          });
        }
        return;
      }
      default:
        throw new KubeError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
    }
  }

  function listBody(
    type: ResourceType,
    items: KubeObject[],
    meta: Record<string, unknown> = {},
  ) {
    return {
      kind: `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata: {
        resourceVersion: String(store.currentResourceVersion()),
        ...meta,
      },
      items,
    };
  }

  function listObjects(
    req: Request,
    res: Response,
    type: ResourceType,
    namespace: string | undefined,
  ) {
    let items = store.list(type, {
      namespace,
      labelSelector: queryString(req.query.labelSelector),
      fieldSelector: queryString(req.query.fieldSelector),
    });
    const limit = Number(queryString(req.query.limit) ?? 0);
    const token = queryString(req.query.continue);
    let listRv = store.currentResourceVersion();
    if (token) {
      const { rv, start } = decodeContinue(token);
      listRv = rv;
      items = items.filter(item => keyOf(item) > start);
    }
    if (limit > 0 && items.length > limit) {
      const page = items.slice(0, limit);
      res.json(
        listBody(type, page, {
          resourceVersion: String(listRv),
          continue: encodeContinue(listRv, keyOf(page[page.length - 1])),
          remainingItemCount: items.length - limit,
        }),
      );
      return;
    }
    res.json(listBody(type, items, { resourceVersion: String(listRv) }));
  }

  function watch(
    req: Request,
    res: Response,
    type: ResourceType,
    namespace: string | undefined,
  ) {
    const labels = parseLabelSelector(queryString(req.query.labelSelector));
    const fields = parseFieldSelector(queryString(req.query.fieldSelector));
    const matches = (obj: KubeObject | undefined) =>
      !!obj &&
      (!namespace || obj.metadata.namespace === namespace) &&
      labels(obj.metadata.labels) &&
      fields(obj);
    const resourceKey = `${type.group}/${type.plural}`;
    const rvParam = queryString(req.query.resourceVersion);
    const bookmarks = queryFlag(req.query.allowWatchBookmarks);
    const sendInitialEvents = queryFlag(req.query.sendInitialEvents);

    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Transfer-Encoding', 'chunked');
    res.flushHeaders();
    const send = (eventType: string, object: unknown) => {
      if (!res.writableEnded)
        res.write(`${JSON.stringify({ type: eventType, object })}\n`);
    };
    const bookmark = (initialEventsEnd = false) =>
      send('BOOKMARK', {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: {
          resourceVersion: String(store.currentResourceVersion()),
          ...(initialEventsEnd
            ? { annotations: { 'k8s.io/initial-events-end': 'true' } }
            : {}),
        },
      });

    const forward = (event: StoreChangeEvent) => {
      if (event.resource !== resourceKey) return;
      const now = matches(event.object);
      if (event.type === 'MODIFIED' && event.previous) {
        const before = matches(event.previous);
        // Objects moving in or out of a selector appear as ADDED / DELETED, as with the watch cache.
        if (now && !before) send('ADDED', event.object);
        else if (!now && before) send('DELETED', event.object);
        else if (now) send('MODIFIED', event.object);
        return;
      }
      if (now) send(event.type, event.object);
    };

    if (!rvParam || rvParam === '0' || sendInitialEvents) {
      for (const obj of store.list(type, { namespace })) {
        if (matches(obj)) send('ADDED', obj);
      }
      if (sendInitialEvents) bookmark(true);
    } else {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) {
        send(
          'ERROR',
          failureStatus(
            400,
            'BadRequest',
            `invalid resource version: ${rvParam}`,
          ),
        );
        res.end();
        return;
      }
      const events = store.eventsSince(rv);
      if (events === 'expired') {
        send(
          'ERROR',
          failureStatus(
            410,
            'Expired',
            `too old resource version: ${rv} (${store.oldestResourceVersion()})`,
          ),
        );
        res.end();
        return;
      }
      for (const event of events) forward(event);
    }
    if (bookmarks) bookmark();

    const unsubscribe = store.subscribe(forward);
    const bookmarkTimer = bookmarks
      ? clock.every(BOOKMARK_INTERVAL_MS, () => bookmark())
      : undefined;
    const timeoutSeconds = Number(queryString(req.query.timeoutSeconds) ?? 0);
    const timeout =
      timeoutSeconds > 0
        ? setTimeout(() => res.end(), timeoutSeconds * 1000)
        : undefined;
    const cleanup = () => {
      unsubscribe();
      bookmarkTimer?.cancel();
      if (timeout) clearTimeout(timeout);
    };
    res.on('close', cleanup);
    res.on('finish', cleanup);
  }

  return router;
}

function isObjectBody(body: unknown): boolean {
  return !!body && typeof body === 'object' && !Array.isArray(body);
}

export function sendError(res: Response, e: unknown) {
  if (e instanceof KubeError) {
    res.status(e.code).json(e.toStatus());
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  res
    .status(500)
    .json(
      failureStatus(
        500,
        'InternalError',
        `Internal error occurred: ${message}`,
      ),
    );
}

/** Bearer-token check answering 401 with an `Unauthorized` Status. */
export function kubeAuth(token: string) {
  return (req: Request, res: Response, next: () => void) => {
    if (req.headers.authorization === `Bearer ${token}`) {
      next();
      return;
    }
    res.status(401).json(failureStatus(401, 'Unauthorized', 'Unauthorized'));
  };
}
