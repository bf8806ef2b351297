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
  EntityArgocdCard,
  EntityAutoscalingCard,
  EntityWorkloadsCard,
  EntityBackupsCard,
  EntityHistoryCard,
  EntityClusterFleetCard,
  LaunchpadFleetPage,
  legacyFleetRouteRef,
  LaunchpadClusterPickerFieldExtension,
  LaunchpadSlugPickerFieldExtension,
  LaunchpadReleasePickerFieldExtension,
} from './plugin';
export {
  LaunchpadClusterPicker,
  LaunchpadSlugPicker,
  LaunchpadReleasePicker,
  suggestSlug,
  type LaunchpadSlugPickerUiOptions,
} from './components/fields';
export { ArgocdCard, isArgocdCardAvailable } from './components/ArgocdCard';
export {
  AutoscalingCard,
  isAutoscalingCardAvailable,
} from './components/AutoscalingCard';
export {
  WorkloadsCard,
  isWorkloadsCardAvailable,
} from './components/WorkloadsCard';
export { BackupsCard, isBackupsCardAvailable } from './components/BackupsCard';
export { HistoryCard, isHistoryCardAvailable } from './components/HistoryCard';
export {
  FleetTable,
  ClusterFleetCard,
  isClusterFleetCardAvailable,
} from './components/FleetTable';
export type { FleetTableProps } from './components/FleetTable';
export { FleetPage, fleetPageSearch } from './components/FleetPage';
export {
  ClusterSummaryCards,
  MyInstancesCard,
  NewInstanceButton,
  NEW_INSTANCE_PATH,
  useClusterSummaries,
} from './components/HomeCards';
export type { ClusterSummary } from './components/HomeCards';
export { launchpadApiRef, LaunchpadClient } from './api';
export type {
  LaunchpadApi,
  FleetQuery,
  LaunchpadClusterSummary,
  SlugAvailability,
} from './api';
export { useInstanceStatus } from './hooks/useInstanceStatus';
export { useInstanceHistory } from './hooks/useInstanceHistory';
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
  configuredKubernetesClusters,
  readInstance,
  readCluster,
} from './entity';
export type { InstanceDetails, ClusterDetails } from './entity';
