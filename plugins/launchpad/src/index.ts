/**
 * Launchpad Portal frontend: entity cards for Open edX instances and
 * Kubernetes clusters, and catalog filters. The new frontend system plugin
 * is the default export of `@internal/plugin-launchpad/alpha`.
 *
 * @packageDocumentation
 */
export {
  launchpadPlugin,
  EntityInstanceOverviewCard,
  EntityClusterOverviewCard,
  EntityClusterInstancesCard,
} from './plugin';
export { InstanceOverviewCard } from './components/InstanceOverviewCard';
export { ClusterOverviewCard } from './components/ClusterOverviewCard';
export { ClusterInstancesCard } from './components/ClusterInstancesCard';
export {
  EntityClusterPicker,
  EntityReleasePicker,
  EntityClusterFilter,
  EntityReleaseFilter,
} from './components/CatalogFilters';
export type { LaunchpadEntityFilters } from './components/CatalogFilters';
export { useClusterInstances } from './hooks/useClusterInstances';
export {
  isLaunchpadInstance,
  isLaunchpadCluster,
  isKubernetesTabAvailable,
  readInstance,
  readCluster,
} from './entity';
export type { InstanceDetails, ClusterDetails } from './entity';
