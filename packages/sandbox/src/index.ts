export {
  startSandbox,
  DEFAULT_CLUSTER_TOKEN,
  DEFAULT_GITHUB_TOKEN,
} from './sandbox';
export type { Sandbox, SandboxCluster, SandboxOptions } from './sandbox';
export { SandboxClock } from './clock';
export type { ClockTimer } from './clock';
export { FaultRegistry } from './faults';
export type { Fault, FaultSpec, SandboxService } from './faults';
export { GitStore } from './github';
export { JWT_MESSAGES } from './github';
export type {
  PushEvent,
  SandboxGitHubAppInfo,
  SandboxGitHubAppOptions,
} from './github';
export { TEMPLATE_DEFINITIONS } from './argo/templates';
export {
  SEED_CLUSTERS,
  SEED_INSTANCES,
  TEMPLATE_REPOSITORY,
  GITHUB_ORG,
  imagesFor,
} from './seed/instances';
export type {
  SeedCluster,
  SeedInstance,
  InstanceState,
} from './seed/instances';
export { loadCorpus, CORPUS_DIR } from './corpus';
export type { CorpusItem } from './corpus';
