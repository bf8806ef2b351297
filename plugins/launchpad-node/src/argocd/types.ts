import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { ISyncOperationResource } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/SyncOperationResource';
import type { ISyncStrategy } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/SyncStrategy';
import type { IRetryStrategy } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/RetryStrategy';
import type { ClusterRepository } from '../service/types';

/**
 * An ArgoCD Application as the API server answers it. Objects read from the
 * informer cache carry no TypeMeta, so `apiVersion`/`kind` may be missing
 * (argo-cd server/application/application.go returns lister objects).
 */
export type ArgoCdApplication = Omit<IApplication, 'apiVersion' | 'kind'> &
  Partial<Pick<IApplication, 'apiVersion' | 'kind'>>;

/**
 * The Application's project (`spec.project`, `default` when empty), sent with
 * a single-application request. ArgoCD's API server (argo-cd
 * server/application/application.go getAppEnforceRBAC) answers a missing
 * Application 403 "permission denied" when the request names no project, so
 * that existence cannot be inferred, and 404 only when it names the project;
 * an Application in another project than the one named is 404 too.
 */
export interface ArgoCdProjectOption {
  project?: string;
}

/** Body of `POST /api/v1/applications/{name}/sync` (argo-cd ApplicationSyncRequest). */
export interface ArgoCdSyncOptions extends ArgoCdProjectOption {
  /** Git revision to sync to; default the Application's target revision. */
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  /** Only these resources; default all. */
  resources?: ISyncOperationResource[];
  strategy?: ISyncStrategy;
  /** Sync options such as `CreateNamespace=true`. */
  syncOptions?: string[];
  retryStrategy?: IRetryStrategy;
}

/** Small typed client for the ArgoCD REST API of one cluster. */
export interface ArgoCdClient {
  /** API base URL (`…/api/v1` is appended). */
  readonly url: string;
  /** UI base URL for links. */
  readonly uiUrl: string;
  /**
   * The Application. Missing: NotFoundError when `project` is given,
   * NotAllowedError (ArgoCD's 403) when not.
   */
  getApplication(
    name: string,
    options?: ArgoCdProjectOption,
  ): Promise<ArgoCdApplication>;
  /** Applications matching a label selector and/or name (all without either). */
  listApplications(options?: {
    selector?: string;
    name?: string;
  }): Promise<ArgoCdApplication[]>;
  /** Starts a sync; ConflictError while another operation runs. */
  sync(name: string, options?: ArgoCdSyncOptions): Promise<ArgoCdApplication>;
  /** Asks ArgoCD to compare again (`hard` also invalidates the manifest cache). */
  refresh(
    name: string,
    type?: 'normal' | 'hard',
    options?: ArgoCdProjectOption,
  ): Promise<ArgoCdApplication>;
  /** Terminates the running operation (sync). */
  terminateOperation(
    name: string,
    options?: ArgoCdProjectOption,
  ): Promise<void>;
  /** Deletes the Application; `cascade` (default true) also deletes its resources. */
  deleteApplication(
    name: string,
    options?: ArgoCdProjectOption & {
      cascade?: boolean;
      propagationPolicy?: 'foreground' | 'background';
    },
  ): Promise<void>;
}

/** The project ArgoCD puts an Application in: `spec.project`, `default` when empty. */
export function applicationProject(app?: {
  spec?: { project?: string | null } | null;
}): string {
  return app?.spec?.project || 'default';
}

/**
 * The project of the Application `application` as the instance's
 * `instances/<slug>/application.yml` declares it; undefined when that file
 * names another Application (send no project then: ArgoCD's
 * getAppEnforceRBAC answers 404 for an existing Application in another
 * project than the one named). Read errors are the caller's to handle.
 */
export async function readApplicationProject(
  repository: Pick<ClusterRepository, 'readInstance'>,
  slug: string,
  application: string,
): Promise<string | undefined> {
  const read = await repository.readInstance(slug);
  return read.application?.metadata.name === application
    ? applicationProject(read.application)
    : undefined;
}
