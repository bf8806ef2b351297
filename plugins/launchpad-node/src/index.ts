/**
 * Launchpad Portal Node library: config reader and clients (GitHub, cluster
 * repository reader, Kubernetes) shared by the Launchpad backend modules.
 *
 * @packageDocumentation
 */
export {
  readLaunchpadConfig,
  splitRepository,
  type LaunchpadConfig,
  type LaunchpadClusterConfig,
} from './config';
export {
  createGitHubClient,
  describeGitHubError,
  requestErrorStatus,
  LaunchpadOctokit,
  type GitHubClientOptions,
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
export { createKubeConfig } from './kubernetes';
export { countingFetch, type RecordedRequest } from './testUtils';
