/**
 * Names of the Launchpad catalog model, shared with the entity provider
 * through the common package.
 */
export {
  ANNOTATIONS,
  KUBERNETES_ANNOTATIONS,
  LABELS,
  LINK_TYPES,
  ENTITY_TYPES,
} from '@internal/plugin-launchpad-common';
