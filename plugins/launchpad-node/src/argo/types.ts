import type { IWorkflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow';

/**
 * An Argo Workflow as the Argo Server answers it; list items carry no
 * TypeMeta, so `apiVersion`/`kind` may be missing.
 */
export type ArgoWorkflow = Omit<IWorkflow, 'apiVersion' | 'kind'> &
  Partial<Pick<IWorkflow, 'apiVersion' | 'kind'>>;

/** What to submit (argo-workflows WorkflowSubmitRequest + SubmitOpts). */
export interface ArgoSubmitOptions {
  /** Default ClusterWorkflowTemplate. */
  resourceKind?:
    | 'ClusterWorkflowTemplate'
    | 'WorkflowTemplate'
    | 'CronWorkflow';
  resourceName: string;
  /** Workflow parameters, sent as `name=value`. */
  parameters?: Record<string, string>;
  /** Default `<resourceName>-`. */
  generateName?: string;
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Default the client's namespace (`argoWorkflows.namespace`). */
  namespace?: string;
}

/** Small typed client for the Argo Server API of one cluster. */
export interface ArgoWorkflowsClient {
  readonly url: string;
  /** The namespace workflows are submitted to and read from. */
  readonly namespace: string;
  submit(options: ArgoSubmitOptions): Promise<ArgoWorkflow>;
  /** The Workflow, or NotFoundError. */
  getWorkflow(
    name: string,
    options?: { namespace?: string },
  ): Promise<ArgoWorkflow>;
  listWorkflows(options?: {
    labelSelector?: string;
    namespace?: string;
  }): Promise<ArgoWorkflow[]>;
}
