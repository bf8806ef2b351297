import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import StorageIcon from '@material-ui/icons/Storage';
import {
  CatalogFilterBlueprint,
  EntityCardBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { isLaunchpadCluster, isLaunchpadInstance } from '../entity';
import { LaunchpadClient, launchpadApiRef } from '../api';
import { fleetRouteRef } from '../routes';

export { fleetRouteRef };

/** `api:launchpad` — the client of the `launchpad` backend plugin. */
export const launchpadApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: launchpadApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new LaunchpadClient({ discoveryApi, fetchApi }),
    }),
});

/** `entity-card:launchpad/argocd` */
export const argocdCard = EntityCardBlueprint.make({
  name: 'argocd',
  params: {
    type: 'content',
    filter: isLaunchpadInstance,
    loader: () =>
      import('../components/ArgocdCard').then(m => <m.ArgocdCard />),
  },
});

/** `entity-card:launchpad/autoscaling` */
export const autoscalingCard = EntityCardBlueprint.make({
  name: 'autoscaling',
  params: {
    type: 'content',
    filter: isLaunchpadInstance,
    loader: () =>
      import('../components/AutoscalingCard').then(m => <m.AutoscalingCard />),
  },
});

/** `entity-card:launchpad/workloads` */
export const workloadsCard = EntityCardBlueprint.make({
  name: 'workloads',
  params: {
    type: 'content',
    filter: isLaunchpadInstance,
    loader: () =>
      import('../components/WorkloadsCard').then(m => <m.WorkloadsCard />),
  },
});

/** `entity-card:launchpad/backups` */
export const backupsCard = EntityCardBlueprint.make({
  name: 'backups',
  params: {
    type: 'content',
    filter: isLaunchpadInstance,
    loader: () =>
      import('../components/BackupsCard').then(m => <m.BackupsCard />),
  },
});

/** `entity-card:launchpad/history` — Provisioning and builds: the instance's recorded history. */
export const historyCard = EntityCardBlueprint.make({
  name: 'history',
  params: {
    type: 'content',
    filter: isLaunchpadInstance,
    loader: () =>
      import('../components/HistoryCard').then(m => <m.HistoryCard />),
  },
});

/** `entity-card:launchpad/cluster-fleet` */
export const clusterFleetCard = EntityCardBlueprint.make({
  name: 'cluster-fleet',
  params: {
    type: 'content',
    filter: isLaunchpadCluster,
    loader: () =>
      import('../components/FleetTable').then(m => <m.ClusterFleetCard />),
  },
});

/** `page:launchpad/fleet` — with title and icon the app's nav lists it. */
export const fleetPage = PageBlueprint.make({
  name: 'fleet',
  params: {
    path: '/launchpad/fleet',
    title: 'Fleet',
    icon: <StorageIcon />,
    routeRef: fleetRouteRef,
    loader: () => import('../components/FleetPage').then(m => <m.FleetPage />),
  },
});

/** `entity-card:launchpad/instance-overview` */
export const instanceOverviewCard = EntityCardBlueprint.make({
  name: 'instance-overview',
  params: {
    type: 'content',
    filter: isLaunchpadInstance,
    loader: () =>
      import('../components/InstanceOverviewCard').then(m => (
        <m.InstanceOverviewCard />
      )),
  },
});

/** `entity-card:launchpad/cluster-overview` */
export const clusterOverviewCard = EntityCardBlueprint.make({
  name: 'cluster-overview',
  params: {
    type: 'content',
    filter: isLaunchpadCluster,
    loader: () =>
      import('../components/ClusterOverviewCard').then(m => (
        <m.ClusterOverviewCard />
      )),
  },
});

/** `entity-card:launchpad/cluster-instances` */
export const clusterInstancesCard = EntityCardBlueprint.make({
  name: 'cluster-instances',
  params: {
    type: 'content',
    filter: isLaunchpadCluster,
    loader: () =>
      import('../components/ClusterInstancesCard').then(m => (
        <m.ClusterInstancesCard />
      )),
  },
});

/** `catalog-filter:launchpad/cluster` */
export const clusterCatalogFilter = CatalogFilterBlueprint.make({
  name: 'cluster',
  params: {
    loader: () =>
      import('../components/CatalogFilters').then(m => (
        <m.EntityClusterPicker />
      )),
  },
});

/** `catalog-filter:launchpad/release` */
export const releaseCatalogFilter = CatalogFilterBlueprint.make({
  name: 'release',
  params: {
    loader: () =>
      import('../components/CatalogFilters').then(m => (
        <m.EntityReleasePicker />
      )),
  },
});

/** `scaffolder-form-field:launchpad/cluster-picker` — `ui:field: LaunchpadClusterPicker` */
export const clusterPickerFormField = FormFieldBlueprint.make({
  name: 'cluster-picker',
  params: {
    field: () =>
      import('../components/fields/formFields').then(
        m => m.launchpadClusterPickerField,
      ),
  },
});

/** `scaffolder-form-field:launchpad/slug-picker` — `ui:field: LaunchpadSlugPicker` */
export const slugPickerFormField = FormFieldBlueprint.make({
  name: 'slug-picker',
  params: {
    field: () =>
      import('../components/fields/formFields').then(
        m => m.launchpadSlugPickerField,
      ),
  },
});

/** `scaffolder-form-field:launchpad/release-picker` — `ui:field: LaunchpadReleasePicker` */
export const releasePickerFormField = FormFieldBlueprint.make({
  name: 'release-picker',
  params: {
    field: () =>
      import('../components/fields/formFields').then(
        m => m.launchpadReleasePickerField,
      ),
  },
});

/** The Launchpad frontend plugin for the new frontend system. */
export default createFrontendPlugin({
  pluginId: 'launchpad',
  title: 'Launchpad',
  info: { packageJson: () => import('../../package.json') },
  routes: { fleet: fleetRouteRef },
  extensions: [
    launchpadApi,
    instanceOverviewCard,
    argocdCard,
    autoscalingCard,
    workloadsCard,
    backupsCard,
    historyCard,
    clusterOverviewCard,
    clusterInstancesCard,
    clusterFleetCard,
    fleetPage,
    clusterCatalogFilter,
    releaseCatalogFilter,
    clusterPickerFormField,
    slugPickerFormField,
    releasePickerFormField,
  ],
});
