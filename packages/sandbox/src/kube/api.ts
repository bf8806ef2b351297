import express, { type Request, type Response } from 'express';
import type { SandboxClock } from '../clock';
import { badRequest, KubeError } from './errors';
import {
  apiGroup,
  apiGroupList,
  apiVersions,
  resourceList,
  VERSION_INFO,
} from './discovery';
import {
  methodNotAllowed,
  queryFlag,
  resourceNotFound,
  sendError,
} from './http';
import { createListWatch } from './listWatch';
import { createMetricsApi } from './metrics';
import { servePodLog } from './podLog';
import { findType, type ResourceType } from './resources';
import { createScaleHandlers } from './scale';
import type { KubeStore } from './store';
import { createWrites, type WriteTarget } from './writes';

export { kubeAuth, sendError } from './http';

export interface KubeApiOptions {
  store: KubeStore;
  clock: SandboxClock;
  /** The `serverAddress` advertised by discovery (host:port). */
  serverAddress: () => string;
}

/** `status` and `scale` exist only where the real type or CRD has them; anything else is 404. */
function subresourceOf(
  type: ResourceType,
  name: string | undefined,
): WriteTarget['subresource'] {
  if (name === undefined) return undefined;
  if (name === 'status' && type.statusSubresource) return 'status';
  if (name === 'scale' && type.scale) return 'scale';
  throw resourceNotFound();
}

/** Maps the path after `/api` or `/apis` onto a resource, namespace, name and subresource. */
function parseTarget(
  group: string,
  version: string,
  rest: string[],
): WriteTarget {
  const resolve = (plural: string) => {
    const type = findType(group, version, plural);
    // The API server's 404 for a resource it has no type for, naming it so a
    // client of a resource real clusters have (velero.io restores) sees why.
    if (!type)
      throw new KubeError(
        404,
        'NotFound',
        `the server could not find the requested resource (the Launchpad sandbox does not serve ${
          group ? `${group}/` : ''
        }${version} ${plural})`,
        { group: group || undefined, kind: plural },
      );
    return type;
  };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = resolve(rest[2]);
    return {
      type,
      namespace: rest[1],
      name: rest[3],
      subresource: subresourceOf(type, rest[4]),
    };
  }
  if (rest.length > 3) throw resourceNotFound();
  const type = resolve(rest[0]);
  return { type, name: rest[1], subresource: subresourceOf(type, rest[2]) };
}

/**
 * The Kubernetes API (`/api`, `/apis`, `/version`) over one cluster's store:
 * this router dispatches; discovery, list/watch and the write verbs live in
 * their own modules.
 */
export function createKubeApi(options: KubeApiOptions): express.Router {
  const { store, clock } = options;
  const { listBody, listObjects, watch } = createListWatch(store, clock);
  const writes = createWrites(store, listBody);
  const scale = createScaleHandlers(store);
  const router = express.Router();
  router.use(
    express.json({
      type: ['application/json', 'application/*+json'],
      limit: '20mb',
    }),
  );

  router.get('/version', (_req, res) => {
    res.json(VERSION_INFO);
  });
  router.get('/api', (_req, res) => {
    res.json(apiVersions(options.serverAddress()));
  });
  router.get('/apis', (_req, res) => {
    res.json(apiGroupList());
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
        const document = apiGroup(segments[1]);
        if (!document) throw resourceNotFound();
        res.json(document);
        return;
      }
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    }
    if (rest.length === 0) {
      const discovery = resourceList(group, version);
      if (!discovery || req.method !== 'GET') throw resourceNotFound();
      res.json(discovery);
      return;
    }
    if (
      group === '' &&
      rest.length === 5 &&
      rest[0] === 'namespaces' &&
      rest[2] === 'pods' &&
      rest[4] === 'log'
    ) {
      if (req.method !== 'GET') throw methodNotAllowed();
      servePodLog(store, req, res, rest[1], rest[3]);
      return;
    }
    // `/api/v1/namespaces/<ns>` and `/api/v1/namespaces/<ns>/status` address the namespace itself.
    const parsed: WriteTarget =
      group === '' &&
      rest[0] === 'namespaces' &&
      (rest.length === 2 || (rest.length === 3 && rest[2] === 'status'))
        ? {
            type: findType('', 'v1', 'namespaces')!,
            name: rest[1],
            subresource: rest[2] === 'status' ? 'status' : undefined,
          }
        : parseTarget(group, version, rest);
    const { type, name } = parsed;
    // A namespaced object needs its namespace; a cluster-scoped one has none.
    const misplaced = type.namespaced
      ? !parsed.namespace && !!name
      : !!parsed.namespace;
    if (misplaced) throw resourceNotFound();
    const target: WriteTarget = {
      ...parsed,
      namespace: type.namespaced ? parsed.namespace : undefined,
    };

    if (!name) {
      switch (req.method) {
        case 'GET':
          if (queryFlag(req.query.watch))
            watch(req, res, type, target.namespace);
          else listObjects(req, res, type, target.namespace);
          return;
        case 'POST':
          writes.create(req, res, target);
          return;
        case 'DELETE':
          writes.deleteCollection(req, res, target);
          return;
        default:
          throw methodNotAllowed();
      }
    }

    if (target.subresource === 'scale') {
      switch (req.method) {
        case 'GET':
          scale.get(res, type, target.namespace, name);
          return;
        case 'PUT':
          scale.replace(req, res, type, target.namespace, name);
          return;
        case 'PATCH':
          scale.patch(req, res, type, target.namespace, name);
          return;
        default:
          throw methodNotAllowed();
      }
    }
    switch (req.method) {
      case 'GET':
        res.json(store.getOrThrow(type, target.namespace, name));
        return;
      case 'PUT':
        writes.replace(req, res, target);
        return;
      case 'PATCH':
        writes.patch(req, res, target);
        return;
      case 'DELETE':
        writes.remove(req, res, target);
        return;
      default:
        throw methodNotAllowed();
    }
  }

  return router;
}
