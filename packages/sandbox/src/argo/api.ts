import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { resolveWorkflow, WORKFLOWS } from './workflowSpec';
import { KubeError } from '../kube/errors';
import type { KubeStore } from '../kube/store';
import type { KubeObject } from '../kube/types';

/** Argo Server answers errors as gRPC-gateway JSON: `{ code, message }`. */
export function argoErrorBody(grpcCode: number, message: string) {
  return { code: grpcCode, message };
}

/**
 * Argo Server's `fields` parameter (util/fields/cleaner.go): a comma list of
 * dot paths to keep (`metadata,items.metadata.name`), or, with one leading `-`
 * (`-status,spec`), to drop; lists are walked through. No `fields` answers the
 * object whole.
 */
export function cleanFields<T>(value: T, fields: string | undefined): T {
  if (!fields) return value;
  const exclude = fields.startsWith('-');
  const paths = new Set(
    (exclude ? fields.slice(1) : fields).split(',').filter(Boolean),
  );
  const copy = JSON.parse(JSON.stringify(value));
  // Keeps what a listed path names (or leads to); says whether anything is left.
  const retain = (node: unknown, path: string[]): boolean => {
    if (Array.isArray(node)) {
      const kept = node.filter(item => retain(item, path));
      node.splice(0, node.length, ...kept);
      return kept.length > 0;
    }
    if (!node || typeof node !== 'object') return false;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const at = [...path, key];
      if (paths.has(at.join('.'))) continue;
      if (!retain(record[key], at)) delete record[key];
    }
    return Object.keys(record).length > 0;
  };
  const remove = (node: unknown, path: string[]) => {
    if (Array.isArray(node)) {
      node.forEach(item => remove(item, path));
      return;
    }
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const at = [...path, key];
      if (paths.has(at.join('.'))) delete record[key];
      else remove(record[key], at);
    }
  };
  if (exclude) remove(copy, []);
  else retain(copy, []);
  return copy;
}

class ArgoError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

const submitBody = z.object({
  namespace: z.string().optional(),
  resourceKind: z.string().optional(),
  resourceName: z.string().optional(),
  submitOptions: z
    .object({
      parameters: z.array(z.string()).optional(),
      generateName: z.string().optional(),
      name: z.string().optional(),
      labels: z.string().optional(),
      annotations: z.string().optional(),
      entryPoint: z.string().optional(),
      serviceAccount: z.string().optional(),
      podPriorityClassName: z.string().optional(),
      priority: z.number().optional(),
      dryRun: z.boolean().optional(),
      serverDryRun: z.boolean().optional(),
    })
    .loose()
    .optional(),
});

const createBody = z.object({
  namespace: z.string().optional(),
  serverDryRun: z.boolean().optional(),
  createOptions: z
    .object({ dryRun: z.array(z.string()).optional() })
    .loose()
    .optional(),
  workflow: z
    .object({
      metadata: z.object({}).loose().optional(),
      spec: z.object({}).loose().optional(),
    })
    .loose()
    .optional(),
});

/**
 * The kinds `SubmitWorkflow` accepts (server/workflow/workflow_server.go: a
 * case-sensitive switch over the Kind, singular, plural and short name
 * constants of pkg/apis/workflow/register.go). The CRDs' kubectl short names
 * (`cwft`, `clusterwftmpl`, `cwf`) are not among them.
 */
const SUBMIT_KINDS: Record<string, 'cron' | 'namespaced' | 'cluster'> = {
  CronWorkflow: 'cron',
  cronworkflow: 'cron',
  cronworkflows: 'cron',
  cronwf: 'cron',
  WorkflowTemplate: 'namespaced',
  workflowtemplate: 'namespaced',
  workflowtemplates: 'namespaced',
  wftmpl: 'namespaced',
  ClusterWorkflowTemplate: 'cluster',
  clusterworkflowtemplate: 'cluster',
  clusterworkflowtemplates: 'cluster',
  cwftmpl: 'cluster',
};

function parseKeyValues(
  text: string | undefined,
  separator: string,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const part of (text ?? '').split(separator)) {
    if (!part.trim()) continue;
    const index = part.indexOf('=');
    if (index <= 0) throw new ArgoError(400, 3, `invalid key=value "${part}"`);
    result[part.slice(0, index).trim()] = part.slice(index + 1);
  }
  return result;
}

/** The part of the Argo Server REST API the plugins use, mounted at `/argo`. */
export function createArgoServerApi(options: {
  store: KubeStore;
  token: string;
}): express.Router {
  const { store } = options;
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  router.use((req, res, next) => {
    if (req.headers.authorization === `Bearer ${options.token}`) {
      next();
      return;
    }
    res
      .status(401)
      .json(
        argoErrorBody(
          16,
          'token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/',
        ),
      );
  });

  const handle =
    (fn: (req: Request, res: Response) => void) =>
    (req: Request, res: Response) => {
      try {
        fn(req, res);
      } catch (e) {
        if (e instanceof ArgoError)
          res.status(e.httpStatus).json(argoErrorBody(e.grpcCode, e.message));
        else if (e instanceof KubeError) {
          const grpc =
            ({ 404: 5, 409: 6 } as Record<number, number>)[e.code] ?? 3;
          res
            .status(e.code === 422 ? 400 : e.code)
            .json(argoErrorBody(grpc, e.message));
        } else
          res
            .status(500)
            .json(
              argoErrorBody(13, e instanceof Error ? e.message : String(e)),
            );
      }
    };

  /**
   * Argo's validation before anything is created (validate.ValidateWorkflow
   * in SubmitWorkflow and CreateWorkflow): a missing template answers the
   * API server's NotFound, an invalid spec InvalidArgument (400, code 3).
   */
  const validateBeforeCreate = (workflow: KubeObject) => {
    const resolved = resolveWorkflow(store, workflow);
    if (resolved.ok) return;
    if (resolved.notFound)
      throw new ArgoError(
        404,
        5,
        `${resolved.notFound.plural}.argoproj.io "${resolved.notFound.name}" not found`,
      );
    throw new ArgoError(400, 3, resolved.message);
  };

  const create = (
    namespace: string,
    workflow: KubeObject,
    dryRun: boolean | undefined,
    serverDryRun: boolean | undefined,
  ): KubeObject => {
    validateBeforeCreate(workflow);
    // dryRun: "modify the workflow on the client-side without creating it".
    if (dryRun) return workflow;
    return store.create(WORKFLOWS, workflow, {
      namespace,
      fromApi: true,
      dryRun: serverDryRun,
    });
  };

  router.post(
    '/api/v1/workflows/:namespace/submit',
    handle((req, res) => {
      const parsed = submitBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new ArgoError(
          400,
          3,
          parsed.error.issues
            .map(i => `${i.path.join('.')}: ${i.message}`)
            .join(', '),
        );
      }
      const { namespace } = req.params;
      const resourceKind = parsed.data.resourceKind ?? '';
      const resourceName = parsed.data.resourceName ?? '';
      const submit = parsed.data.submitOptions ?? {};
      const scope = SUBMIT_KINDS[resourceKind];
      if (!scope) {
        throw new ArgoError(
          400,
          3,
          `Resource kind '${resourceKind}' is not supported for submitting`,
        );
      }
      if (scope === 'cron') {
        // The sandbox serves no CronWorkflows, so none is ever found.
        throw new ArgoError(
          404,
          5,
          `cronworkflows.argoproj.io "${resourceName}" not found`,
        );
      }
      const clusterScope = scope === 'cluster';
      // common.NewWorkflowFromWorkflowTemplate, then util.ApplySubmitOpts
      // (its errors are Internal in SubmitWorkflow).
      const parameters = (submit.parameters ?? []).map(p => {
        const index = p.indexOf('=');
        if (index < 0)
          throw new ArgoError(
            500,
            13,
            `expected parameter of the form: NAME=VALUE. Received: ${p}`,
          );
        return { name: p.slice(0, index), value: p.slice(index + 1) };
      });
      let labels: Record<string, string>;
      let annotations: Record<string, string>;
      try {
        labels = parseKeyValues(submit.labels, ',');
        annotations = parseKeyValues(submit.annotations, ',');
      } catch (e) {
        throw new ArgoError(
          500,
          13,
          `expected labels of the form: NAME1=VALUE2,NAME2=VALUE2. Received: ${
            submit.labels ?? submit.annotations
          }: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      const workflow: KubeObject = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: {
          ...(submit.name
            ? { name: submit.name }
            : { generateName: submit.generateName || `${resourceName}-` }),
          namespace,
          labels: {
            [clusterScope
              ? 'workflows.argoproj.io/cluster-workflow-template'
              : 'workflows.argoproj.io/workflow-template']: resourceName,
            ...labels,
          },
          ...(Object.keys(annotations).length ? { annotations } : {}),
        },
        spec: {
          workflowTemplateRef: {
            name: resourceName,
            ...(clusterScope ? { clusterScope: true } : {}),
          },
          ...(submit.entryPoint ? { entrypoint: submit.entryPoint } : {}),
          ...(submit.serviceAccount
            ? { serviceAccountName: submit.serviceAccount }
            : {}),
          ...(submit.podPriorityClassName
            ? { podPriorityClassName: submit.podPriorityClassName }
            : {}),
          ...(submit.priority !== undefined
            ? { priority: submit.priority }
            : {}),
          ...(parameters.length ? { arguments: { parameters } } : {}),
        },
      };
      res.json(create(namespace, workflow, submit.dryRun, submit.serverDryRun));
    }),
  );

  router.post(
    '/api/v1/workflows/:namespace',
    handle((req, res) => {
      const parsed = createBody.safeParse(req.body ?? {});
      if (!parsed.success || !parsed.data.workflow) {
        // CreateWorkflow: `if req.Workflow == nil` → "workflow body not specified".
        throw new ArgoError(400, 3, 'workflow body not specified');
      }
      const { namespace } = req.params;
      const workflow = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        ...parsed.data.workflow,
        metadata: { ...parsed.data.workflow.metadata, namespace },
      } as KubeObject;
      res.json(
        create(
          namespace,
          workflow,
          !!parsed.data.createOptions?.dryRun?.length,
          parsed.data.serverDryRun,
        ),
      );
    }),
  );

  router.get(
    '/api/v1/workflows/:namespace',
    handle((req, res) => {
      const query = (key: string) => {
        const value = req.query[key];
        return typeof value === 'string' && value !== '' ? value : undefined;
      };
      // WorkflowListRequest: `listOptions.*` go to the Kubernetes list as
      // Argo passes them on; `namePrefix` and `fields` are Argo's own.
      let items = store.list(WORKFLOWS, {
        namespace: req.params.namespace,
        labelSelector: query('listOptions.labelSelector'),
        fieldSelector: query('listOptions.fieldSelector'),
      });
      const namePrefix = query('namePrefix');
      if (namePrefix)
        items = items.filter(i => i.metadata.name?.startsWith(namePrefix));
      const after = query('listOptions.continue');
      if (after) {
        const last = Buffer.from(after, 'base64url').toString();
        // The store lists in name order (localeCompare), so resume after it.
        items = items.filter(
          i => (i.metadata.name ?? '').localeCompare(last) > 0,
        );
      }
      const limit = Number(query('listOptions.limit') ?? 0);
      const metadata: Record<string, unknown> = {
        resourceVersion: String(store.currentResourceVersion()),
      };
      if (limit > 0 && items.length > limit) {
        metadata.continue = Buffer.from(
          items[limit - 1].metadata.name ?? '',
        ).toString('base64url');
        metadata.remainingItemCount = items.length - limit;
        items = items.slice(0, limit);
      }
      res.json(cleanFields({ metadata, items }, query('fields')));
    }),
  );

  router.get(
    '/api/v1/workflows/:namespace/:name',
    handle((req, res) => {
      const wf = store.get(WORKFLOWS, req.params.namespace, req.params.name);
      if (!wf)
        throw new ArgoError(
          404,
          5,
          `workflows.argoproj.io "${req.params.name}" not found`,
        );
      res.json(
        cleanFields(
          wf,
          typeof req.query.fields === 'string' ? req.query.fields : undefined,
        ),
      );
    }),
  );

  // DeleteWorkflow answers an empty WorkflowDeleteResponse.
  router.delete(
    '/api/v1/workflows/:namespace/:name',
    handle((req, res) => {
      if (!store.get(WORKFLOWS, req.params.namespace, req.params.name))
        throw new ArgoError(
          404,
          5,
          `workflows.argoproj.io "${req.params.name}" not found`,
        );
      store.delete(WORKFLOWS, req.params.namespace, req.params.name);
      res.json({});
    }),
  );

  // Every other route of Argo Server's API (lint, retry, stop, logs,
  // templates, archived workflows, ...): grpc-gateway's Unimplemented (code
  // 12, HTTP 501), naming the route.
  router.use(
    handle(req => {
      throw new ArgoError(
        501,
        12,
        `the Launchpad sandbox does not serve ${req.method} /argo${req.path}`,
      );
    }),
  );
  return router;
}
