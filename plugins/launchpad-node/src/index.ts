/**
 * Launchpad Portal Node library: the clusters service every Launchpad backend
 * module injects (`launchpadClustersServiceRef`), and the clients behind it
 * (GitHub per credential, cluster repository, Kubernetes, ArgoCD, Argo Server).
 *
 * @packageDocumentation
 */
export {
  launchpadClustersServiceRef,
  DefaultLaunchpadClustersService,
  type LaunchpadClustersServiceOptions,
} from './service/LaunchpadClustersService';
export {
  CLUSTER_CREDENTIALS,
  instanceCreateApis,
  missingClusterCredentials,
  type ClusterApi,
  type InstancePublishAs,
  type MissingClusterCredential,
} from './service/clusterCredentials';
export type {
  LaunchpadClustersService,
  LaunchpadCluster,
  ClusterRepository,
  ClusterKubernetes,
} from './service/types';
export {
  GitHubClients,
  type GitHubClientTuning,
  type GitHubRepositoryRef,
} from './service/GitHubClients';
export type {
  ArgoCdApplication,
  ArgoCdClient,
  ArgoCdProjectOption,
  ArgoCdSyncOptions,
} from './argocd/types';
export { applicationProject, readApplicationProject } from './argocd/types';
export {
  DefaultArgoCdClient,
  type ArgoCdClientOptions,
} from './argocd/ArgoCdClient';
export type {
  ArgoSubmitOptions,
  ArgoWorkflow,
  ArgoWorkflowsClient,
} from './argo/types';
export {
  DefaultArgoWorkflowsClient,
  type ArgoWorkflowsClientOptions,
} from './argo/ArgoWorkflowsClient';
export {
  errorForStatus,
  githubError,
  httpError,
  kubernetesError,
  type ErrorContext,
} from './errors';
export {
  readClustersConfig,
  splitRepository,
  type LaunchpadClustersConfig,
  type LaunchpadClusterConfig,
} from './config';
export {
  describeGitHubError,
  requestErrorStatus,
  LaunchpadOctokit,
} from './github';
export {
  ClusterRepositoryReader,
  type ClusterRepositoryRead,
  type ClusterRepositoryReaderOptions,
  type InstanceFolder,
} from './repository/ClusterRepositoryReader';
export {
  createInstanceReader,
  parseInstanceFiles,
  INSTANCE_FILES,
  type InstanceConfigRead,
  type InstanceFileError,
  type InstanceFileName,
  type InstanceReaderOptions,
  type ParsedInstanceFiles,
} from './repository/instanceConfig';
export {
  ConfigEditor,
  DEFAULT_DRYDOCK,
  type ConfigChange,
  type ConfigEditorOptions,
  type ConfigMerge,
  type InstanceTemplateValues,
  type RenderedInstance,
  type RepositoryFile,
} from './repository/configEditor';
export {
  ClusterRepositoryWriter,
  gitBlobSha,
  type ClusterRepositoryWriterOptions,
  type CommitFile,
  type CommitFilesInput,
  type CommitResult,
  type DispatchInput,
  type DispatchResult,
  type PullRequestInput,
  type PullRequestResult,
  type WorkflowJobInfo,
  type WorkflowRunInfo,
} from './repository/ClusterRepositoryWriter';
export { createClusterKubernetes, createKubeConfig } from './kubernetes';
export {
  checkInstanceAvailability,
  instanceHosts,
  type InstanceAvailability,
  type InstanceAvailabilityCatalog,
  type InstanceAvailabilityOptions,
  type InstanceAvailabilityReason,
} from './instanceAvailability';
