import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { githubRouteTemplate } from './github/routeTemplates';

/** The services whose requests are counted (as named by faults and the admin API). */
export type RequestService = 'github' | 'kubernetes' | 'argocd' | 'argo';

const SERVICES: RequestService[] = ['github', 'kubernetes', 'argocd', 'argo'];

interface Tally {
  total: number;
  /** `METHOD template` → count; watches are `WATCH template`. */
  routes: Record<string, number>;
}

export interface ServiceCounts extends Tally {
  /** Per cluster, for the cluster services (kubernetes, argocd, argo). */
  clusters?: Record<string, Tally>;
}

/** What `GET /_sandbox/requests` answers. */
export interface RequestCounts {
  /** When counting started (sandbox start or the last reset), real time. */
  since: string;
  total: number;
  services: Record<RequestService, ServiceCounts>;
}

/**
 * Counts the requests the sandbox's services receive, by service, cluster,
 * method and route template, so benchmarks and tests can count upstream
 * calls without wrapping fetch. Every request is counted when it arrives,
 * whatever it is answered (errors, faults and 304s included); a watch is
 * counted once, when it opens.
 */
export class RequestCounter {
  private counts = new Map<string, number>();
  private since = new Date();

  record(service: RequestService, route: string, cluster?: string): void {
    const k = JSON.stringify([service, cluster ?? null, route]);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  reset(): void {
    this.counts = new Map();
    this.since = new Date();
  }

  snapshot(): RequestCounts {
    const services = Object.fromEntries(
      SERVICES.map(s => [
        s,
        s === 'github'
          ? { total: 0, routes: {} }
          : { total: 0, routes: {}, clusters: {} },
      ]),
    ) as Record<RequestService, ServiceCounts>;
    let total = 0;
    const add = (tally: Tally, route: string, n: number) => {
      tally.total += n;
      tally.routes[route] = (tally.routes[route] ?? 0) + n;
    };
    const sorted = [...this.counts].sort(([a], [b]) => a.localeCompare(b));
    for (const [k, n] of sorted) {
      const [service, cluster, route] = JSON.parse(k) as [
        RequestService,
        string | null,
        string,
      ];
      const counts = services[service];
      add(counts, route, n);
      if (cluster !== null && counts.clusters) {
        counts.clusters[cluster] ??= { total: 0, routes: {} };
        add(counts.clusters[cluster], route, n);
      }
      total += n;
    }
    return { since: this.since.toISOString(), total, services };
  }

  /** Counts GitHub requests (mount before the GitHub app, after `/_sandbox`). */
  github(): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      this.record('github', githubRouteTemplate(req.method, req.path));
      next();
    };
  }

  /**
   * Counts one cluster's requests: `/argocd/...` as ArgoCD, `/argo/...` as
   * Argo Workflows, the rest as the Kubernetes API (mount first on the
   * cluster's app).
   */
  cluster(name: string): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      const { service, route } = clusterRoute(req.method, req.path, req.query);
      this.record(service, route, name);
      next();
    };
  }
}

function isWatch(query: Record<string, unknown>): boolean {
  const w = query.watch;
  const v = Array.isArray(w) ? w[0] : w;
  return v === 'true' || v === '1' || v === true;
}

/** Which service of a cluster a request is for, and its route template. */
export function clusterRoute(
  method: string,
  path: string,
  query: Record<string, unknown> = {},
): { service: Exclude<RequestService, 'github'>; route: string } {
  const m = method.toUpperCase();
  if (path === '/argocd' || path.startsWith('/argocd/')) {
    return {
      service: 'argocd',
      route: `${m} /argocd${argoCdTemplate(path.slice('/argocd'.length))}`,
    };
  }
  if (path === '/argo' || path.startsWith('/argo/')) {
    return {
      service: 'argo',
      route: `${m} /argo${argoTemplate(path.slice('/argo'.length))}`,
    };
  }
  return { service: 'kubernetes', route: kubernetesRoute(m, path, query) };
}

const param = (name: string) => `{${name}}`;

/**
 * The Kubernetes API's route template, from the URL alone (the API server's
 * path layout: https://kubernetes.io/docs/reference/using-api/api-concepts/):
 * `/api/v1` or `/apis/{group}/{version}` (group and version kept literal),
 * then `namespaces/{namespace}/<resource>[/{name}[/<subresource>]]` or
 * `<resource>[/{name}[/<subresource>]]`. A GET with `watch=true|1`, or under
 * the legacy `/watch/` prefix, is `WATCH`.
 */
export function kubernetesRoute(
  method: string,
  path: string,
  query: Record<string, unknown> = {},
): string {
  const parts = path.split('/').filter(Boolean);
  let base: string[];
  if (parts[0] === 'api' && parts.length >= 2) base = parts.slice(0, 2);
  else if (parts[0] === 'apis' && parts.length >= 3) base = parts.slice(0, 3);
  else return `${method} /${parts.join('/')}`; // /api, /apis, /version, /healthz, discovery
  let rest = parts.slice(base.length);
  let watch = method === 'GET' && isWatch(query);
  if (rest[0] === 'watch') {
    watch = method === 'GET';
    rest = rest.slice(1);
  }
  const out = [...base];
  // A Namespace's own subresources (/api/v1/namespaces/{name}/status,
  // /finalize) are not a namespaced resource list.
  const namespaceSubresource =
    rest[0] === 'namespaces' &&
    rest.length === 3 &&
    (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    out.push('namespaces', param('namespace'));
    rest = rest.slice(2);
  }
  if (rest.length) out.push(rest[0]); // the resource
  if (rest.length >= 2) out.push(param('name'));
  if (rest.length >= 3) {
    out.push(rest[2]); // subresource: status, scale, log, proxy, ...
    if (rest.length >= 4) out.push(param('path'));
  }
  return `${watch ? 'WATCH' : method} /${out.join('/')}`;
}

/**
 * ArgoCD's REST routes (its swagger, server/application, project, cluster,
 * repository services): `/api/v1/<collection>/{name}/<action>`, with the
 * nested `revisions/{revision}`, `pods/{podName}` and `/api/v1/stream/...`.
 */
function argoCdTemplate(path: string): string {
  const parts = path.split('/').filter(Boolean);
  // The sandbox's stand-in for ArgoCD's UI page of an application.
  if (parts[0] === 'applications') return '/applications/{namespace}/{name}';
  if (parts[0] !== 'api' || parts[1] !== 'v1') return `/${parts.join('/')}`;
  const out = ['api', 'v1'];
  let rest = parts.slice(2);
  if (rest[0] === 'stream') {
    out.push('stream');
    rest = rest.slice(1);
  }
  const nested: Record<string, string> = {
    revisions: 'revision',
    pods: 'podName',
    links: 'name',
  };
  if (rest.length) out.push(rest[0]);
  if (rest.length >= 2) out.push(param('name'));
  for (let i = 2; i < rest.length; i++) {
    out.push(rest[i]);
    const nestedParam = nested[rest[i]];
    if (nestedParam && i + 1 < rest.length) {
      out.push(param(nestedParam));
      i++;
    }
  }
  return `/${out.join('/')}`;
}

/** Collections of the Argo Server API that are scoped by namespace (argo-workflows' api/openapi-spec). */
const ARGO_NAMESPACED = new Set([
  'workflows',
  'workflow-templates',
  'cron-workflows',
  'workflow-events',
  'event-sources',
  'sensors',
  'events',
]);
/** Literal actions directly under `/{namespace}` (not a workflow name). */
const ARGO_COLLECTION_ACTIONS = new Set(['submit', 'lint', 'create']);

/**
 * Argo Server's REST routes: `/api/v1/workflows/{namespace}[/{name}[/<action>]]`
 * (and the other namespaced collections), `/api/v1/cluster-workflow-templates/{name}`,
 * `/api/v1/archived-workflows/{uid}`, `/api/v1/version|info|userinfo`.
 */
function argoTemplate(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'api' || parts[1] !== 'v1') return `/${parts.join('/')}`;
  const out = ['api', 'v1'];
  let rest = parts.slice(2);
  if (rest[0] === 'stream') {
    out.push('stream');
    rest = rest.slice(1);
  }
  if (!rest.length) return `/${out.join('/')}`;
  out.push(rest[0]);
  if (ARGO_NAMESPACED.has(rest[0])) {
    if (rest.length >= 2) out.push(param('namespace'));
    if (rest.length >= 3)
      out.push(ARGO_COLLECTION_ACTIONS.has(rest[2]) ? rest[2] : param('name'));
    if (rest.length >= 4) out.push(rest[3]);
    if (rest.length >= 5) out.push(param('path')); // e.g. {podName}/log
  } else {
    const id = rest[0] === 'archived-workflows' ? 'uid' : 'name';
    if (rest.length >= 2) out.push(param(id));
    if (rest.length >= 3) out.push(...rest.slice(2));
  }
  return `/${out.join('/')}`;
}
