export { AutoscalingCard, isAutoscalingCardAvailable } from './AutoscalingCard';
