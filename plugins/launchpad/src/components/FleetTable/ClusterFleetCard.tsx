import type { Entity } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { clusterName, isLaunchpadCluster } from '../../entity';
import { FleetTable } from './FleetTable';

/** The fleet card belongs on `kubernetes-cluster` resource pages. */
export function isClusterFleetCardAvailable(entity: Entity): boolean {
  return isLaunchpadCluster(entity);
}

/** The fleet table of one cluster (its `launchpad.openedx.org/cluster` annotation, else its name). */
export function ClusterFleetCard() {
  const { entity } = useEntity();
  const cluster = clusterName(entity);
  return (
    <FleetTable cluster={cluster} title={`Instance status on ${cluster}`} />
  );
}
