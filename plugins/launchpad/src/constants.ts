/**
 * Annotation, label and entity-type names of the Launchpad catalog model.
 *
 * These mirror the brief's entity model. They move to
 * `@internal/plugin-launchpad-common` (`ANNOTATIONS`) once that package
 * exports them; keep this the only place the frontend spells them out.
 */
export const ANNOTATIONS = {
  cluster: 'launchpad.openedx.org/cluster',
  instance: 'launchpad.openedx.org/instance',
  environment: 'launchpad.openedx.org/environment',
  domain: 'launchpad.openedx.org/domain',
  clusterRepository: 'launchpad.openedx.org/cluster-repository',
  sourcePath: 'launchpad.openedx.org/source-path',
  openedxRelease: 'launchpad.openedx.org/openedx-release',
  tutorVersion: 'launchpad.openedx.org/tutor-version',
  openedxImage: 'launchpad.openedx.org/openedx-image',
  mfeImage: 'launchpad.openedx.org/mfe-image',
  configError: 'launchpad.openedx.org/config-error',
} as const;

export const LABELS = {
  cluster: 'launchpad.openedx.org/cluster',
  release: 'launchpad.openedx.org/release',
} as const;

/** Standard annotations written by the provider and read by other plugins. */
export const STANDARD_ANNOTATIONS = {
  kubernetesNamespace: 'backstage.io/kubernetes-namespace',
  argocdAppName: 'argocd/app-name',
  githubProjectSlug: 'github.com/project-slug',
  sourceLocation: 'backstage.io/source-location',
  kubernetesApiServer: 'kubernetes.io/api-server',
} as const;

export const ENTITY_TYPES = {
  instance: 'openedx-instance',
  cluster: 'kubernetes-cluster',
} as const;
