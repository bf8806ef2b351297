import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { launchpadClustersServiceRef } from '@internal/plugin-launchpad-node';
import { createRouter } from './router';
import { ClusterStatusCache } from './status/ClusterStatusCache';
import { InstanceEntities } from './status/InstanceEntities';
import { StatusService } from './status/StatusService';
import { BranchHeads } from './status/BranchHeads';
import { ClustersService } from './clusters/ClustersService';
import { readStatusTiming } from './config';
import { registerStatusActions } from './actions/statusActions';
import { startHistory } from './history';
import { startNotifications } from './notifications';
import { StatusSignals } from './signals/StatusSignals';

/** The `launchpad` backend plugin: status from watch caches, ArgoCD sync and refresh. */
export const launchpadPlugin = createBackendPlugin({
  pluginId: 'launchpad',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        lifecycle: coreServices.lifecycle,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
        clusters: launchpadClustersServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        notifications: notificationService,
        signals: signalsServiceRef,
      },
      async init({
        config,
        logger,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        lifecycle,
        database,
        scheduler,
        catalog,
        clusters,
        actionsRegistry,
        signals,
        notifications,
      }) {
        const timing = readStatusTiming(config);
        const caches = new Map(
          clusters
            .list()
            .map(cluster => [
              cluster.name,
              ClusterStatusCache.create({ cluster, logger, timing }),
            ]),
        );
        for (const cache of caches.values()) cache.start();
        const history = await startHistory({
          config,
          database,
          scheduler,
          caches,
          clusters,
          logger,
        });
        lifecycle.addShutdownHook(async () => {
          await history.stop();
          await Promise.all([...caches.values()].map(c => c.stop()));
        });
        // The branch heads for the revision drift, looked up once now and then on demand.
        const heads = new BranchHeads(clusters, logger);
        for (const cluster of clusters.list()) void heads.refresh(cluster.name);
        const status = StatusService.create({
          caches,
          clusters,
          logger,
          heads,
        });
        const instances = new InstanceEntities(catalog, auth, logger);
        const notifier = await startNotifications({
          config,
          database,
          scheduler,
          caches,
          status,
          entities: instances,
          notifications,
          logger,
        });
        const offBuilds = history.onRecorded(event => {
          if ('slug' in event) notifier.buildsRecorded();
        });
        lifecycle.addShutdownHook(async () => {
          offBuilds();
          await notifier.stop();
        });
        // Live pages: open pages refetch when a cache changes or history is recorded.
        const live = StatusSignals.create({
          caches,
          signals,
          instances,
          logger,
        });
        live.start();
        const offRecorded = history.onRecorded(event =>
          live.historyRecorded(event),
        );
        lifecycle.addShutdownHook(() => {
          offRecorded();
          live.stop();
        });
        httpRouter.use(
          await createRouter({
            httpAuth,
            auth,
            permissions,
            catalog,
            clusters,
            status,
            instances,
            history: history.service,
            clusterInfo: ClustersService.create({ clusters, catalog }),
            logger,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        registerStatusActions({
          actionsRegistry,
          permissions,
          catalog,
          clusters,
          status,
          instances,
          history: history.service,
        });
      },
    });
  },
});
