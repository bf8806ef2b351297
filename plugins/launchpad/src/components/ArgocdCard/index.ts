export { ArgocdCard, isArgocdCardAvailable } from './ArgocdCard';
