import { apiFetch } from '../apiFetch';
import type {
  ArgoSubmitOptions,
  ArgoWorkflow,
  ArgoWorkflowsClient,
} from './types';

export interface ArgoWorkflowsClientOptions {
  /** Cluster name, for error messages. */
  cluster: string;
  /** Argo Server base URL; the API is under `/api/v1`. */
  url: string;
  token?: string;
  /** Namespace workflows run in; default argo. */
  namespace?: string;
  /** Per-request timeout, ms; default 30 000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const labelList = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

/**
 * The Argo Server API calls Launchpad makes (argo-workflows
 * pkg/apiclient/workflow/workflow.proto under `/api/v1`): submit a Workflow
 * from a (Cluster)WorkflowTemplate, get one, list by label selector.
 */
export class DefaultArgoWorkflowsClient implements ArgoWorkflowsClient {
  readonly url: string;
  readonly namespace: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ArgoWorkflowsClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.namespace = options.namespace ?? 'argo';
    this.fetchImpl = options.fetch ?? fetch;
  }

  async submit(options: ArgoSubmitOptions): Promise<ArgoWorkflow> {
    const kind = options.resourceKind ?? 'ClusterWorkflowTemplate';
    const namespace = options.namespace ?? this.namespace;
    // WorkflowSubmitRequest: SubmitOpts.parameters are `name=value` strings
    // and SubmitOpts.labels / annotations one `a=b,c=d` string
    // (argo-workflows pkg/apis/workflow/v1alpha1/common.go SubmitOpts).
    const submitOptions = {
      generateName: options.name
        ? undefined
        : options.generateName ?? `${options.resourceName}-`,
      name: options.name,
      parameters: Object.entries(options.parameters ?? {}).map(
        ([key, value]) => `${key}=${value}`,
      ),
      labels: options.labels ? labelList(options.labels) : undefined,
      annotations: options.annotations
        ? labelList(options.annotations)
        : undefined,
    };
    return this.call<ArgoWorkflow>(
      'POST',
      `/workflows/${encodeURIComponent(namespace)}/submit`,
      `submit ${kind} ${options.resourceName}`,
      {
        namespace,
        resourceKind: kind,
        resourceName: options.resourceName,
        submitOptions,
      },
    );
  }

  async getWorkflow(
    name: string,
    options: { namespace?: string } = {},
  ): Promise<ArgoWorkflow> {
    return this.call<ArgoWorkflow>(
      'GET',
      `/workflows/${encodeURIComponent(
        options.namespace ?? this.namespace,
      )}/${encodeURIComponent(name)}`,
      `get workflow ${name}`,
    );
  }

  async listWorkflows(
    options: { labelSelector?: string; namespace?: string } = {},
  ): Promise<ArgoWorkflow[]> {
    const query = options.labelSelector
      ? `?listOptions.labelSelector=${encodeURIComponent(
          options.labelSelector,
        )}`
      : '';
    const list = await this.call<{ items?: ArgoWorkflow[] | null }>(
      'GET',
      `/workflows/${encodeURIComponent(
        options.namespace ?? this.namespace,
      )}${query}`,
      'list workflows',
    );
    // The Argo Server answers `items: null` when nothing matches.
    return list.items ?? [];
  }

  private async call<T>(
    method: string,
    path: string,
    action: string,
    body?: unknown,
  ): Promise<T> {
    const response = await apiFetch({
      service: 'Argo Server',
      url: `${this.url}/api/v1${path}`,
      method,
      body,
      token: this.options.token,
      timeoutMs: this.options.timeoutMs,
      fetch: this.fetchImpl,
      context: { action, cluster: this.options.cluster },
    });
    return (await response.json()) as T;
  }
}
