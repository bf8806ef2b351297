import { createFrontendModule } from '@backstage/frontend-plugin-api';
import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';
import { isKubernetesTabAvailable } from '@internal/plugin-launchpad';

/**
 * Overrides `entity-content:kubernetes/kubernetes`'s filter so the tab shows
 * on every Open edX instance as well as wherever the Kubernetes plugin's own
 * annotations are set.
 */
export const kubernetesTabContent = kubernetesPlugin
  .getExtension('entity-content:kubernetes/kubernetes')
  .override({ params: { filter: isKubernetesTabAvailable } });

export const kubernetesTabModule = createFrontendModule({
  pluginId: 'kubernetes',
  extensions: [kubernetesTabContent],
});
