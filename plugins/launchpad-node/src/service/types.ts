import type {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import type { Octokit } from '@octokit/rest';
import type { ArgoWorkflowsClient } from '../argo/types';
import type { ArgoCdClient } from '../argocd/types';
import type { ClusterRepositoryReader } from '../repository/ClusterRepositoryReader';
import type { LaunchpadClusterConfig } from '../config';
import type { ClusterRepositoryWriter } from '../repository/ClusterRepositoryWriter';
import type { ConfigEditor } from '../repository/configEditor';
import type { InstanceConfigRead } from '../repository/instanceConfig';

/**
 * Cluster access for every Launchpad backend module: one instance per backend
 * process (root scope), built from config at start-up.
 */
export interface LaunchpadClustersService {
  /** Every configured cluster, in config order. */
  list(): LaunchpadCluster[];
  /** The cluster by name; NotFoundError naming the configured ones otherwise. */
  get(name: string): LaunchpadCluster;
}

/** One configured cluster: its repository, Kubernetes API, ArgoCD and Argo Server. */
export interface LaunchpadCluster {
  readonly name: string;
  /** Validated, defaults applied. */
  readonly config: LaunchpadClusterConfig;
  readonly repository: ClusterRepository;
  readonly kubernetes: ClusterKubernetes;
  /** Present when the cluster has an `argocd` block. */
  readonly argocd?: ArgoCdClient;
  /** Present when the cluster has an `argoWorkflows` block. */
  readonly argo?: ArgoWorkflowsClient;
}

/** The typed `@kubernetes/client-node` clients of one cluster, built once. */
export interface ClusterKubernetes {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly custom: CustomObjectsApi;
}

/** The cluster's GitHub repository. */
export interface ClusterRepository {
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  /**
   * The Octokit for this repository's credential (a token or a GitHub App
   * installation): the same instance, and so the same rate-limit budget, for
   * every repository and module using that credential.
   */
  octokit(): Promise<Octokit>;
  /** Instance folders with ETag/tree-SHA caching (one reader per cluster). */
  readonly reader: ClusterRepositoryReader;
  /** One instance's config.yml / application.yml, parsed and validated, secrets stripped. */
  readInstance(slug: string): Promise<InstanceConfigRead>;
  /** The one config.yml editor: renders new instances, merges changes keeping comments. */
  readonly editor: ConfigEditor;
  /** Writes: several files in one commit, pull requests, folder removal, workflow dispatch and runs. */
  readonly writer: ClusterRepositoryWriter;
}
