import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import {
  ArgoCdError,
  APPLICATIONS,
  ARGOCD_NAMESPACE,
  type ApplicationController,
} from '../controllers/applications';
import { KubeError } from '../kube/errors';
import type { KubeStore } from '../kube/store';

/** ArgoCD answers errors as gRPC-gateway JSON: `{ error, code, message }`. */
export function argoCdErrorBody(grpcCode: number, message: string) {
  return { error: message, code: grpcCode, message };
}

/** int64 fields arrive as numbers or, from protojson clients, as strings. */
const int64 = z
  .union([z.number(), z.string().regex(/^-?\d+$/)])
  .transform(Number);

/** ApplicationSyncRequest (server/application/application.proto). */
const syncBody = z
  .object({
    name: z.string().optional(),
    revision: z.string().optional(),
    prune: z.boolean().optional(),
    dryRun: z.boolean().optional(),
    appNamespace: z.string().optional(),
    project: z.string().optional(),
    strategy: z
      .object({
        apply: z.object({ force: z.boolean().optional() }).optional(),
        hook: z.object({ force: z.boolean().optional() }).optional(),
      })
      .optional(),
    resources: z
      .array(
        z.object({
          group: z.string().optional(),
          kind: z.string(),
          name: z.string(),
          namespace: z.string().optional(),
        }),
      )
      .optional(),
    syncOptions: z.object({ items: z.array(z.string()).optional() }).optional(),
    retryStrategy: z
      .object({
        limit: int64.optional(),
        backoff: z
          .object({
            duration: z.string().optional(),
            factor: int64.optional(),
            maxDuration: z.string().optional(),
          })
          .optional(),
      })
      .optional(),
    infos: z
      .array(z.object({ name: z.string(), value: z.string() }))
      .optional(),
  })
  .loose();

/** grpc-gateway's answer to gRPC PermissionDenied (argo-cd server/application/application.go permissionDeniedErr). */
const permissionDenied = () => new ArgoCdError(403, 7, 'permission denied');
const appNotFound = (name: string) =>
  new ArgoCdError(404, 5, `applications.argoproj.io "${name}" not found`);

/** The non-empty strings of a query parameter that may repeat. */
function queryValues(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

/** The part of ArgoCD's REST API the plugins use, mounted at `/argocd`. */
export function createArgoCdApi(options: {
  store: KubeStore;
  controller: ApplicationController;
  token: string;
}): express.Router {
  const { store, controller } = options;
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  // A bare stand-in for ArgoCD's UI, so the portal's "ArgoCD" links lead
  // somewhere in development (the real UI has its own login).
  router.get('/applications/:namespace/:name', (req, res) => {
    const app = store.get(APPLICATIONS, req.params.namespace, req.params.name);
    if (!app) {
      res
        .status(404)
        .type('text/plain')
        .send(`Application ${req.params.name} not found`);
      return;
    }
    const status = (app.status ?? {}) as {
      sync?: { status?: string; revision?: string };
      health?: { status?: string; message?: string };
      history?: Array<{ id: number; revision: string; deployedAt: string }>;
      conditions?: Array<{ type: string; message: string }>;
    };
    const rows = [
      [
        'Sync',
        `${status.sync?.status ?? 'Unknown'} ${status.sync?.revision ?? ''}`,
      ],
      [
        'Health',
        `${status.health?.status ?? 'Unknown'} ${status.health?.message ?? ''}`,
      ],
      ...(status.conditions ?? []).map(c => [c.type, c.message]),
      ...(status.history ?? []).map(h => [
        `Deployed #${h.id}`,
        `${h.revision} at ${h.deployedAt}`,
      ]),
    ];
    res
      .type('text/html')
      .send(
        `<!doctype html><title>${escapeHtml(
          app.metadata.name!,
        )} - ArgoCD (sandbox)</title>` +
          `<h1>${escapeHtml(app.metadata.name!)}</h1><table>${rows
            .map(
              ([k, v]) =>
                `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(
                  v,
                )}</td></tr>`,
            )
            .join('')}</table>`,
      );
  });

  router.use((req, res, next) => {
    if (req.headers.authorization === `Bearer ${options.token}`) {
      next();
      return;
    }
    res.status(401).json(argoCdErrorBody(16, 'no session information'));
  });

  const handle =
    (fn: (req: Request, res: Response) => Promise<void> | void) =>
    async (req: Request, res: Response) => {
      try {
        await fn(req, res);
      } catch (e) {
        if (e instanceof ArgoCdError)
          res.status(e.httpStatus).json(argoCdErrorBody(e.grpcCode, e.message));
        else if (e instanceof KubeError)
          res
            .status(e.code)
            .json(argoCdErrorBody(e.code === 404 ? 5 : 3, e.message));
        else
          res
            .status(500)
            .json(
              argoCdErrorBody(13, e instanceof Error ? e.message : String(e)),
            );
      }
    };

  router.get(
    '/api/v1/applications',
    handle((req, res) => {
      const selector =
        typeof req.query.selector === 'string' ? req.query.selector : undefined;
      const items = store.list(APPLICATIONS, {
        namespace: ARGOCD_NAMESPACE,
        labelSelector: selector,
      });
      // ApplicationQuery's filters as ApplicationService.List applies them
      // (server/application/application.go: FilterByName, FilterByProjects,
      // FilterByRepo; `projects` repeats; apps outside `appNamespace` left out).
      const [name] = queryValues(req.query.name);
      const projects = queryValues(req.query.projects ?? req.query.project);
      const [repo] = queryValues(req.query.repo);
      const [appNamespace] = queryValues(req.query.appNamespace);
      const spec = (i: (typeof items)[number]) =>
        (i.spec ?? {}) as {
          project?: string;
          source?: { repoURL?: string };
          sources?: Array<{ repoURL?: string }>;
        };
      const normalRepo = (url: string) =>
        url
          .toLowerCase()
          .replace(/\.git$/, '')
          .replace(/\/$/, '');
      res.json({
        metadata: { resourceVersion: String(store.currentResourceVersion()) },
        items: items.filter(
          i =>
            (!name || i.metadata.name === name) &&
            (!projects.length ||
              projects.includes(spec(i).project || 'default')) &&
            (!repo ||
              [spec(i).source, ...(spec(i).sources ?? [])].some(
                source =>
                  !!source?.repoURL &&
                  normalRepo(source.repoURL) === normalRepo(repo),
              )) &&
            (!appNamespace || i.metadata.namespace === appNamespace),
        ),
      });
    }),
  );

  /**
   * ApplicationService's getAppEnforceRBAC (argo-cd
   * server/application/application.go), for a token allowed everything: a
   * request naming no project gets "permission denied" (403, code 7) for a
   * missing Application, so existence cannot be inferred; naming the project
   * gets 404 (code 5), for a missing Application and for one in another
   * project ("doesn't exist in that project"). `spec.project` empty is
   * `default`.
   */
  const enforce = (name: string, project: string | undefined) => {
    const app = store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
    if (!app) throw project ? appNotFound(name) : permissionDenied();
    const effective = (app.spec as { project?: string }).project || 'default';
    if (project && project !== effective) throw appNotFound(name);
    return app;
  };

  router.get(
    '/api/v1/applications/:name',
    handle(async (req, res) => {
      // ApplicationQuery: the legacy `project` (repeated) wins over
      // `projects`; Get accepts at most one (getProjectsFromApplicationQuery).
      const legacy = queryValues(req.query.project);
      const projects = legacy.length ? legacy : queryValues(req.query.projects);
      if (projects.length > 1)
        throw new ArgoCdError(
          400,
          3,
          'multiple projects specified - the get endpoint accepts either zero or one project',
        );
      const app = enforce(req.params.name, projects[0]);
      const refresh = req.query.refresh;
      if (refresh === 'normal' || refresh === 'hard') {
        res.json(await controller.refresh(req.params.name));
        return;
      }
      res.json(app);
    }),
  );

  // RevisionMetadataQuery: `project` and `appNamespace` as query parameters.
  router.get(
    '/api/v1/applications/:name/revisions/:revision/metadata',
    handle(async (req, res) => {
      enforce(req.params.name, queryValues(req.query.project)[0]);
      res.json(
        await controller.revisionMetadata(req.params.name, req.params.revision),
      );
    }),
  );

  router.post(
    '/api/v1/applications/:name/sync',
    handle(async (req, res) => {
      const parsed = syncBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new ArgoCdError(
          400,
          3,
          `invalid sync request: ${parsed.error.issues
            .map(i => `${i.path.join('.')}: ${i.message}`)
            .join(', ')}`,
        );
      }
      // ApplicationSyncRequest.project, in the body.
      enforce(req.params.name, parsed.data.project || undefined);
      res.json(await controller.sync(req.params.name, parsed.data));
    }),
  );

  // ApplicationService.Delete (ApplicationDeleteRequest): `cascade`,
  // `propagationPolicy` and `project` query parameters; answers an empty
  // ApplicationResponse.
  router.delete(
    '/api/v1/applications/:name',
    handle(async (req, res) => {
      const { cascade, propagationPolicy } = req.query;
      enforce(req.params.name, queryValues(req.query.project)[0]);
      await controller.delete(req.params.name, {
        cascade: typeof cascade === 'string' ? cascade !== 'false' : undefined,
        propagationPolicy:
          typeof propagationPolicy === 'string' ? propagationPolicy : undefined,
      });
      res.json({});
    }),
  );

  // Every other route of ArgoCD's API (resource-tree, managed-resources,
  // events, rollback, projects, ...): grpc-gateway's Unimplemented (code 12,
  // HTTP 501), naming the route, rather than a 404 that reads as "no such app".
  router.use(
    handle(req => {
      throw new ArgoCdError(
        501,
        12,
        `the Launchpad sandbox does not serve ${req.method} /argocd${req.path}`,
      );
    }),
  );
  return router;
}
