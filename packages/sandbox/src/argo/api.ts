import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import {
  CLUSTER_WORKFLOW_TEMPLATES,
  WORKFLOW_TEMPLATES,
  WORKFLOWS,
} from '../controllers/workflows';
import { KubeError } from '../kube/errors';
import type { KubeStore } from '../kube/store';
import type { KubeObject } from '../kube/types';

/** Argo Server answers errors as gRPC-gateway JSON: `{ code, message }`. */
export function argoErrorBody(grpcCode: number, message: string) {
  return { code: grpcCode, message };
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
  resourceKind: z.enum([
    'ClusterWorkflowTemplate',
    'WorkflowTemplate',
    'cwft',
    'WorkflowTemplates',
  ]),
  resourceName: z.string().min(1),
  submitOptions: z
    .object({
      parameters: z.array(z.string()).optional(),
      generateName: z.string().optional(),
      name: z.string().optional(),
      labels: z.string().optional(),
      annotations: z.string().optional(),
      entryPoint: z.string().optional(),
      serviceAccount: z.string().optional(),
      dryRun: z.boolean().optional(),
    })
    .loose()
    .optional(),
});

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
      const { resourceKind, resourceName } = parsed.data;
      const submit = parsed.data.submitOptions ?? {};
      const clusterScope =
        resourceKind === 'ClusterWorkflowTemplate' || resourceKind === 'cwft';
      const template = clusterScope
        ? store.get(CLUSTER_WORKFLOW_TEMPLATES, undefined, resourceName)
        : store.get(WORKFLOW_TEMPLATES, namespace, resourceName);
      if (!template) {
        throw new ArgoError(
          404,
          5,
          `${
            clusterScope ? 'clusterworkflowtemplates' : 'workflowtemplates'
          }.argoproj.io "${resourceName}" not found`,
        );
      }
      const parameters = (submit.parameters ?? []).map(p => {
        const index = p.indexOf('=');
        if (index <= 0)
          throw new ArgoError(
            400,
            3,
            `expected parameter of the form: NAME=VALUE. Received: ${p}`,
          );
        return { name: p.slice(0, index), value: p.slice(index + 1) };
      });
      const workflow: KubeObject = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: {
          ...(submit.name
            ? { name: submit.name }
            : { generateName: submit.generateName ?? `${resourceName}-` }),
          namespace,
          labels: {
            ...parseKeyValues(submit.labels, ','),
            [clusterScope
              ? 'workflows.argoproj.io/cluster-workflow-template'
              : 'workflows.argoproj.io/workflow-template']: resourceName,
            'submit-from-ui': 'false',
          },
          ...(submit.annotations
            ? { annotations: parseKeyValues(submit.annotations, ',') }
            : {}),
        },
        spec: {
          ...(submit.entryPoint ? { entrypoint: submit.entryPoint } : {}),
          ...(submit.serviceAccount
            ? { serviceAccountName: submit.serviceAccount }
            : {}),
          arguments: { parameters },
          workflowTemplateRef: {
            name: resourceName,
            ...(clusterScope ? { clusterScope: true } : {}),
          },
        },
      };
      res.json(
        store.create(WORKFLOWS, workflow, {
          namespace,
          fromApi: true,
          dryRun: submit.dryRun,
        }),
      );
    }),
  );

  router.get(
    '/api/v1/workflows/:namespace',
    handle((req, res) => {
      const selector = req.query['listOptions.labelSelector'];
      const items = store.list(WORKFLOWS, {
        namespace: req.params.namespace,
        labelSelector: typeof selector === 'string' ? selector : undefined,
      });
      res.json({
        metadata: { resourceVersion: String(store.currentResourceVersion()) },
        items,
      });
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
      res.json(wf);
    }),
  );

  router.use(
    handle(() => {
      throw new ArgoError(404, 5, 'Not Found');
    }),
  );
  return router;
}
