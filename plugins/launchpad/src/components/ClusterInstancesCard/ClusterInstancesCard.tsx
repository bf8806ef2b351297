import { Entity, parseEntityRef } from '@backstage/catalog-model';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import { clusterName, findInstanceLink, readInstance } from '../../entity';
import { useClusterInstances } from '../../hooks/useClusterInstances';
import { UrlLink } from '../DetailsTable';

const TITLE = 'Open edX instances';

function ownerRef(entity: Entity) {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || !owner) {
    return undefined;
  }
  try {
    return parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace,
    });
  } catch {
    // A malformed owner is the catalog's to report; show it as text here.
    return undefined;
  }
}

const columns: TableColumn<Entity>[] = [
  {
    title: 'Name',
    field: 'metadata.name',
    highlight: true,
    render: entity => (
      <>
        <EntityRefLink entityRef={entity} hideIcon>
          {entity.metadata.name}
        </EntityRefLink>
        {readInstance(entity).configError && (
          <Typography variant="caption" color="error" display="block">
            Configuration error
          </Typography>
        )}
      </>
    ),
  },
  { title: 'Title', field: 'metadata.title' },
  {
    title: 'Release',
    render: entity => {
      const { release, releaseName } = readInstance(entity);
      return releaseName ?? release ?? '';
    },
  },
  {
    title: 'Owner',
    render: entity => {
      const ref = ownerRef(entity);
      if (ref) {
        return <EntityRefLink entityRef={ref} defaultKind="group" />;
      }
      return typeof entity.spec?.owner === 'string' ? entity.spec.owner : '';
    },
  },
  {
    title: 'LMS',
    render: entity => {
      const lms = findInstanceLink(entity, 'lms');
      return lms ? <UrlLink url={lms.url} /> : '';
    },
  },
];

/** The Open edX instances that run on a `kubernetes-cluster` resource. */
export function ClusterInstancesCard() {
  const { entity } = useEntity();
  const cluster = clusterName(entity);
  const { instances, loading, error } = useClusterInstances(cluster);

  if (loading) {
    return (
      <InfoCard title={TITLE}>
        <Progress />
      </InfoCard>
    );
  }
  if (error) {
    return (
      <InfoCard title={TITLE}>
        <ResponseErrorPanel error={error} />
      </InfoCard>
    );
  }
  if (!instances?.length) {
    return (
      <InfoCard title={TITLE}>
        <EmptyState
          missing="data"
          title="No Open edX instances"
          description={`The catalog has no openedx-instance components on the ${cluster} cluster yet.`}
        />
      </InfoCard>
    );
  }
  return (
    <Table<Entity>
      title={`${TITLE} (${instances.length})`}
      columns={columns}
      data={instances}
      options={{ paging: false, search: false, padding: 'dense' }}
    />
  );
}
