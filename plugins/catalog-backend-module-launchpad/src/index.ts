/**
 * Catalog module: Launchpad clusters, Open edX instances, their databases and buckets.
 *
 * @packageDocumentation
 */
export { catalogModuleLaunchpad as default } from './module';
export {
  LaunchpadEntityProvider,
  DEFAULT_SCHEDULE,
  DEFAULT_OWNER,
  type RefreshResult,
  type LaunchpadEntityProviderOptions,
} from './LaunchpadEntityProvider';
export {
  buildClusterEntity,
  buildInstanceEntities,
  lifecycleFor,
  type EntityBuildContext,
} from './entities';
