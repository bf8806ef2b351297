import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { LaunchpadEntityProvider } from './LaunchpadEntityProvider';

/** Adds one Launchpad entity provider per cluster in `launchpad.clusters`. */
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
      },
      async init({ catalog, config, logger, scheduler }) {
        catalog.addEntityProvider(
          LaunchpadEntityProvider.fromConfig(config, { logger, scheduler }),
        );
      },
    });
  },
});
