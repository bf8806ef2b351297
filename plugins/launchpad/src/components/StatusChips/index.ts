export * from './StatusChips';
export { InstanceStatusCard } from './InstanceStatusCard';
export { commitUrl, shortRevision } from './revision';
export { OFFLOADED_NOTE, suspendedNote } from './workflowNotes';
