export { ClusterSummaryCards, CLUSTER_COUNTS } from './ClusterSummaryCards';
export {
  MyInstancesCard,
  MY_INSTANCES_CATALOG_PATH,
  MY_INSTANCES_LIMIT,
} from './MyInstancesCard';
export { NewInstanceButton, NEW_INSTANCE_PATH } from './NewInstanceButton';
export { useClusterSummaries } from './useClusterSummaries';
export type { ClusterSummary } from './useClusterSummaries';
