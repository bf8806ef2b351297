import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import {
  CatalogFilterBlueprint,
  EntityCardBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { isLaunchpadCluster, isLaunchpadInstance } from '../entity';

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

/** The Launchpad frontend plugin for the new frontend system. */
export default createFrontendPlugin({
  pluginId: 'launchpad',
  title: 'Launchpad',
  info: { packageJson: () => import('../../package.json') },
  extensions: [
    instanceOverviewCard,
    clusterOverviewCard,
    clusterInstancesCard,
    clusterCatalogFilter,
    releaseCatalogFilter,
  ],
});
