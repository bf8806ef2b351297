import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { launchpadClustersServiceRef } from '@internal/plugin-launchpad-node';
import { createLaunchpadActions } from './actions';

/**
 * The Launchpad scaffolder actions (`launchpad:*`), built on the clusters
 * service: create an instance's files, prepare its namespace, run the
 * provision workflows, apply and sync its ArgoCD Application, build images.
 */
export const scaffolderModuleLaunchpad = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'launchpad',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        clusters: launchpadClustersServiceRef,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, ...deps }) {
        scaffolder.addActions(...createLaunchpadActions(deps));
      },
    });
  },
});
