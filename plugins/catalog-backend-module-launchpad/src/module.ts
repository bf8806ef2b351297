import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { launchpadClustersServiceRef } from '@internal/plugin-launchpad-node';
import { LaunchpadEntityProvider } from './LaunchpadEntityProvider';

/**
 * Adds one Launchpad entity provider per cluster of the clusters service
 * (`launchpad.clusters`), refreshed on a schedule and at once on a
 * `launchpad.repository.changed` event or a GitHub push to the cluster's
 * branch.
 */
export const catalogModuleLaunchpad = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'launchpad',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        clusters: launchpadClustersServiceRef,
        events: eventsServiceRef,
      },
      async init({ catalog, config, logger, scheduler, clusters, events }) {
        catalog.addEntityProvider(
          LaunchpadEntityProvider.fromConfig(config, {
            clusters,
            logger,
            scheduler,
            events,
          }),
        );
      },
    });
  },
});
