import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { ISyncOperationResource } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/SyncOperationResource';
import type { ISyncStrategy } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/SyncStrategy';
import type { IRetryStrategy } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/RetryStrategy';

/**
 * An ArgoCD Application as the API server answers it. Objects read from the
 * informer cache carry no TypeMeta, so `apiVersion`/`kind` may be missing
 * (argo-cd server/application/application.go returns lister objects).
 */
export type ArgoCdApplication = Omit<IApplication, 'apiVersion' | 'kind'> &
  Partial<Pick<IApplication, 'apiVersion' | 'kind'>>;

/** Body of `POST /api/v1/applications/{name}/sync` (argo-cd ApplicationSyncRequest). */
export interface ArgoCdSyncOptions {
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
  /** The Application, or NotFoundError. */
  getApplication(name: string): Promise<ArgoCdApplication>;
  /** Applications matching a label selector (all without one). */
  listApplications(options?: {
    selector?: string;
  }): Promise<ArgoCdApplication[]>;
  /** Starts a sync; ConflictError while another operation runs. */
  sync(name: string, options?: ArgoCdSyncOptions): Promise<ArgoCdApplication>;
  /** Asks ArgoCD to compare again (`hard` also invalidates the manifest cache). */
  refresh(name: string, type?: 'normal' | 'hard'): Promise<ArgoCdApplication>;
  /** Terminates the running operation (sync). */
  terminateOperation(name: string): Promise<void>;
  /** Deletes the Application; `cascade` (default true) also deletes its resources. */
  deleteApplication(
    name: string,
    options?: {
      cascade?: boolean;
      propagationPolicy?: 'foreground' | 'background';
    },
  ): Promise<void>;
}
