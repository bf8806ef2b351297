/**
 * Launchpad Portal backend plugin (id `launchpad`): instance and fleet status
 * from per-cluster watch caches; ArgoCD sync and refresh.
 *
 * @packageDocumentation
 */
export { launchpadPlugin as default } from './plugin';
export {
  ClusterStatusCache,
  type ClusterCacheState,
} from './status/ClusterStatusCache';
export { StatusService } from './status/StatusService';
