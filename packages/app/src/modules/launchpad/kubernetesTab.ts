import {
  configApiRef,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';
import {
  configuredKubernetesClusters,
  isKubernetesTabAvailable,
} from '@internal/plugin-launchpad';

/**
 * Overrides `entity-content:kubernetes/kubernetes`'s filter: the tab shows
 * wherever the Kubernetes plugin's own annotations are set, and on the Open
 * edX instances whose cluster is one of the Kubernetes backend's
 * (`kubernetes.clusterLocatorMethods`, read once when the app starts). On an
 * instance of another cluster the tab would only say it found nothing.
 */
export const kubernetesTabContent = kubernetesPlugin
  .getExtension('entity-content:kubernetes/kubernetes')
  .override({
    factory(originalFactory, { apis }) {
      const config = apis.get(configApiRef);
      const clusters = config
        ? configuredKubernetesClusters(config)
        : undefined;
      return originalFactory({
        params: {
          filter: entity => isKubernetesTabAvailable(entity, clusters),
        },
      });
    },
  });

export const kubernetesTabModule = createFrontendModule({
  pluginId: 'kubernetes',
  extensions: [kubernetesTabContent],
});
