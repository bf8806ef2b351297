import {
  createComponentExtension,
  createPlugin,
} from '@backstage/core-plugin-api';

/** The Launchpad frontend plugin for apps on the legacy frontend system. */
export const launchpadPlugin = createPlugin({
  id: 'launchpad',
});

/** Overview card for `openedx-instance` components. */
export const EntityInstanceOverviewCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityInstanceOverviewCard',
    component: {
      lazy: () =>
        import('./components/InstanceOverviewCard').then(
          m => m.InstanceOverviewCard,
        ),
    },
  }),
);

/** Overview card for `kubernetes-cluster` resources. */
export const EntityClusterOverviewCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityClusterOverviewCard',
    component: {
      lazy: () =>
        import('./components/ClusterOverviewCard').then(
          m => m.ClusterOverviewCard,
        ),
    },
  }),
);

/** Table of a `kubernetes-cluster` resource's Open edX instances. */
export const EntityClusterInstancesCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityClusterInstancesCard',
    component: {
      lazy: () =>
        import('./components/ClusterInstancesCard').then(
          m => m.ClusterInstancesCard,
        ),
    },
  }),
);
