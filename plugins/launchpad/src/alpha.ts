export { default } from './alpha/plugin';
export {
  instanceOverviewCard,
  clusterOverviewCard,
  clusterInstancesCard,
  clusterCatalogFilter,
  releaseCatalogFilter,
} from './alpha/plugin';
