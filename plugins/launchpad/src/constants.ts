/**
 * Names of the Launchpad catalog model come from the common package; the few
 * standard annotations it does not list are named here.
 */
export {
  ANNOTATIONS,
  LABELS,
  ENTITY_TYPES,
} from '@internal/plugin-launchpad-common';

/** Standard Backstage annotations the cards read besides Launchpad's own. */
export const STANDARD_ANNOTATIONS = {
  viewUrl: 'backstage.io/view-url',
  kubernetesApiServer: 'kubernetes.io/api-server',
} as const;
