export * from './StatusChips';
export { InstanceStatusCard } from './InstanceStatusCard';
export { commitUrl, shortRevision } from './revision';
