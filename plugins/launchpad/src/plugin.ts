import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { LaunchpadClient, launchpadApiRef } from './api';
import {
  LaunchpadClusterPicker,
  launchpadClusterValidation,
  LaunchpadReleasePicker,
  launchpadReleaseValidation,
  LaunchpadSlugPicker,
  launchpadSlugValidation,
} from './components/fields';
import {
  clusterPickerSchema,
  releasePickerSchema,
  slugPickerSchema,
} from './components/fields/formFields';

/** The fleet page, for apps on the legacy frontend system. */
export const legacyFleetRouteRef = createRouteRef({ id: 'launchpad-fleet' });

/** The Launchpad frontend plugin for apps on the legacy frontend system. */
export const launchpadPlugin = createPlugin({
  id: 'launchpad',
  apis: [
    createApiFactory({
      api: launchpadApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new LaunchpadClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { fleet: legacyFleetRouteRef },
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

/** ArgoCD sync and health of an `openedx-instance`, with Sync and Refresh. */
export const EntityArgocdCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityArgocdCard',
    component: {
      lazy: () => import('./components/ArgocdCard').then(m => m.ArgocdCard),
    },
  }),
);

/** The HorizontalPodAutoscalers of an `openedx-instance`. */
export const EntityAutoscalingCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityAutoscalingCard',
    component: {
      lazy: () =>
        import('./components/AutoscalingCard').then(m => m.AutoscalingCard),
    },
  }),
);

/** Deployments, waiting containers and failed Jobs of an `openedx-instance`. */
export const EntityWorkloadsCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityWorkloadsCard',
    component: {
      lazy: () =>
        import('./components/WorkloadsCard').then(m => m.WorkloadsCard),
    },
  }),
);

/** Velero coverage and database dumps of an `openedx-instance`. */
export const EntityBackupsCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityBackupsCard',
    component: {
      lazy: () => import('./components/BackupsCard').then(m => m.BackupsCard),
    },
  }),
);

/** Provisioning and builds: workflow runs, builds and ArgoCD transitions of an `openedx-instance`. */
export const EntityHistoryCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityHistoryCard',
    component: {
      lazy: () => import('./components/HistoryCard').then(m => m.HistoryCard),
    },
  }),
);

/** The fleet table of a `kubernetes-cluster` resource. */
export const EntityClusterFleetCard = launchpadPlugin.provide(
  createComponentExtension({
    name: 'EntityClusterFleetCard',
    component: {
      lazy: () =>
        import('./components/FleetTable').then(m => m.ClusterFleetCard),
    },
  }),
);

/** Every instance across the clusters. */
export const LaunchpadFleetPage = launchpadPlugin.provide(
  createRoutableExtension({
    name: 'LaunchpadFleetPage',
    component: () =>
      import('./components/FleetPage').then(m => m.LegacyFleetPage),
    mountPoint: legacyFleetRouteRef,
  }),
);

/**
 * Scaffolder form fields for apps on the legacy frontend system: put them
 * inside `<ScaffolderFieldExtensions>` of the `/create` route.
 */
export const LaunchpadClusterPickerFieldExtension = launchpadPlugin.provide(
  createScaffolderFieldExtension({
    name: 'LaunchpadClusterPicker',
    component: LaunchpadClusterPicker,
    validation: launchpadClusterValidation,
    schema: clusterPickerSchema.schema,
  }),
);

export const LaunchpadSlugPickerFieldExtension = launchpadPlugin.provide(
  createScaffolderFieldExtension({
    name: 'LaunchpadSlugPicker',
    component: LaunchpadSlugPicker,
    validation: launchpadSlugValidation,
    schema: slugPickerSchema.schema,
  }),
);

export const LaunchpadReleasePickerFieldExtension = launchpadPlugin.provide(
  createScaffolderFieldExtension({
    name: 'LaunchpadReleasePicker',
    component: LaunchpadReleasePicker,
    validation: launchpadReleaseValidation,
    schema: releasePickerSchema.schema,
  }),
);
