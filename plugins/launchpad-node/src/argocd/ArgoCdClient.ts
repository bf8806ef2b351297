import { apiFetch } from '../apiFetch';
import type {
  ArgoCdApplication,
  ArgoCdClient,
  ArgoCdProjectOption,
  ArgoCdSyncOptions,
} from './types';

export interface ArgoCdClientOptions {
  /** Cluster name, for error messages. */
  cluster: string;
  /** ArgoCD base URL; the API is under `/api/v1`. */
  url: string;
  /** UI base URL for links; default `url`. */
  uiUrl?: string;
  /** Bearer token (an ArgoCD account or project token). */
  token?: string;
  /** Per-request timeout, ms; default 30 000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * gRPC FailedPrecondition: ArgoCD answers a sync while another operation
 * runs with HTTP 400 code 9 "another operation is already in progress"
 * (argo-cd server/application/application.go Sync → argo.SetAppOperation).
 */
const GRPC_FAILED_PRECONDITION = 9;

/** `?a=1&b=2` of the parameters that are set, or nothing. */
function queryOf(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value) query.set(key, value);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/**
 * The ArgoCD REST API calls Launchpad makes (argo-cd
 * server/application/application.proto, served by grpc-gateway under
 * `/api/v1`): get, list by label selector, sync, refresh, terminate the
 * running operation, delete with or without cascade. The single-application
 * calls send the Application's project when given (ApplicationQuery,
 * ApplicationDeleteRequest, OperationTerminateRequest: `?project=`;
 * ApplicationSyncRequest: `project` in the body), so that a missing
 * Application is ArgoCD's 404 (NotFoundError), not its 403 "permission
 * denied" (see {@link ArgoCdProjectOption}).
 */
export class DefaultArgoCdClient implements ArgoCdClient {
  readonly url: string;
  readonly uiUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ArgoCdClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.uiUrl = (options.uiUrl ?? options.url).replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  async getApplication(
    name: string,
    options: ArgoCdProjectOption = {},
  ): Promise<ArgoCdApplication> {
    return this.call<ArgoCdApplication>(
      'GET',
      `/applications/${encodeURIComponent(name)}${queryOf({
        project: options.project,
      })}`,
      `get application ${name}`,
    );
  }

  async listApplications(
    options: { selector?: string; name?: string } = {},
  ): Promise<ArgoCdApplication[]> {
    const list = await this.call<{ items?: ArgoCdApplication[] | null }>(
      'GET',
      `/applications${queryOf(options)}`,
      'list applications',
    );
    // grpc-gateway renders an empty Go slice as null.
    return list.items ?? [];
  }

  async sync(
    name: string,
    options: ArgoCdSyncOptions = {},
  ): Promise<ArgoCdApplication> {
    const { syncOptions, ...rest } = options;
    // ApplicationSyncRequest.syncOptions is a SyncOptions message: { items }.
    const body = {
      name,
      ...rest,
      ...(syncOptions ? { syncOptions: { items: syncOptions } } : {}),
    };
    return this.call<ArgoCdApplication>(
      'POST',
      `/applications/${encodeURIComponent(name)}/sync`,
      `sync application ${name}`,
      body,
    );
  }

  async refresh(
    name: string,
    type: 'normal' | 'hard' = 'normal',
    options: ArgoCdProjectOption = {},
  ): Promise<ArgoCdApplication> {
    // ApplicationQuery.refresh: the server sets the refresh annotation and
    // waits for the controller to reconcile before answering.
    return this.call<ArgoCdApplication>(
      'GET',
      `/applications/${encodeURIComponent(name)}${queryOf({
        refresh: type,
        project: options.project,
      })}`,
      `refresh application ${name}`,
    );
  }

  async terminateOperation(
    name: string,
    options: ArgoCdProjectOption = {},
  ): Promise<void> {
    await this.call<unknown>(
      'DELETE',
      `/applications/${encodeURIComponent(name)}/operation${queryOf({
        project: options.project,
      })}`,
      `terminate the operation of application ${name}`,
    );
  }

  async deleteApplication(
    name: string,
    options: ArgoCdProjectOption & {
      cascade?: boolean;
      propagationPolicy?: 'foreground' | 'background';
    } = {},
  ): Promise<void> {
    await this.call<unknown>(
      'DELETE',
      `/applications/${encodeURIComponent(name)}${queryOf({
        cascade: String(options.cascade ?? true),
        propagationPolicy: options.propagationPolicy,
        project: options.project,
      })}`,
      `delete application ${name}`,
    );
  }

  private async call<T>(
    method: string,
    path: string,
    action: string,
    body?: unknown,
  ): Promise<T> {
    const response = await apiFetch({
      service: 'ArgoCD',
      url: `${this.url}/api/v1${path}`,
      method,
      body,
      token: this.options.token,
      timeoutMs: this.options.timeoutMs,
      fetch: this.fetchImpl,
      context: { action, cluster: this.options.cluster },
      conflict: (status, grpcCode) =>
        status === 400 && grpcCode === GRPC_FAILED_PRECONDITION,
    });
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as T;
  }
}
