export { default } from './alpha/plugin';
export {
  instanceOverviewCard,
  clusterOverviewCard,
  clusterInstancesCard,
  argocdCard,
  autoscalingCard,
  workloadsCard,
  backupsCard,
  clusterFleetCard,
  fleetPage,
  fleetRouteRef,
  launchpadApi,
  clusterCatalogFilter,
  releaseCatalogFilter,
  clusterPickerFormField,
  slugPickerFormField,
  releasePickerFormField,
} from './alpha/plugin';
