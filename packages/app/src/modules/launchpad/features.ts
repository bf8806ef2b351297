import catalogPlugin from '@backstage/plugin-catalog/alpha';
import catalogGraphPlugin from '@backstage/plugin-catalog-graph/alpha';
import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import launchpadPlugin from '@internal/plugin-launchpad/alpha';
import { kubernetesTabModule } from './kubernetesTab';

/**
 * What the Launchpad entity pages and catalog index are made of: the catalog
 * (About card, relations cards, index filters), the catalog graph (Relations
 * card), Kubernetes (the Kubernetes tab, on the instances whose cluster the
 * Kubernetes backend is configured for: `kubernetesTabModule`, see
 * ./kubernetesTab.ts), Launchpad's own cards and filters, and the
 * scaffolder, whose form-fields API receives Launchpad's form fields
 * (`LaunchpadClusterPicker`, `LaunchpadSlugPicker`, `LaunchpadReleasePicker`,
 * attached to `api:scaffolder/form-fields`) for the new-openedx-instance
 * template.
 * Listed explicitly so the app, and its tests, never run without them;
 * `app.packages: all` discovers the rest.
 */
export const launchpadEntityPageFeatures = [
  catalogPlugin,
  catalogGraphPlugin,
  kubernetesPlugin,
  scaffolderPlugin,
  launchpadPlugin,
  kubernetesTabModule,
];
