export { ClusterInstancesCard } from './ClusterInstancesCard';
