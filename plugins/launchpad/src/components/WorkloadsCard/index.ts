export { WorkloadsCard, isWorkloadsCardAvailable } from './WorkloadsCard';
