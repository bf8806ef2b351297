import { useState } from 'react';
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

const PAGE_SIZES = [10, 20, 50, 100];

/**
 * The Open edX instances that run on a `kubernetes-cluster` resource, paged
 * by the catalog (a cluster may run a thousand).
 */
export function ClusterInstancesCard() {
  const { entity } = useEntity();
  const cluster = clusterName(entity);
  const [page, setPage] = useState({ offset: 0, limit: 20 });
  const { instances, totalItems, loading, error } = useClusterInstances(
    cluster,
    page,
  );

  // Progress on the first load only; later pages keep the table in place.
  if (loading && !instances) {
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
  if (!instances?.length && page.offset === 0) {
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
  const total = totalItems ?? instances?.length ?? 0;
  return (
    <Table<Entity>
      title={`${TITLE} (${total})`}
      columns={columns}
      data={instances ?? []}
      isLoading={loading}
      page={Math.floor(page.offset / page.limit)}
      totalCount={total}
      onPageChange={(index, size) =>
        setPage({ offset: index * size, limit: size })
      }
      onRowsPerPageChange={size => setPage({ offset: 0, limit: size })}
      options={{
        paging: total > PAGE_SIZES[0],
        pageSize: page.limit,
        pageSizeOptions: PAGE_SIZES,
        emptyRowsWhenPaging: false,
        search: false,
        sorting: false,
        padding: 'dense',
      }}
    />
  );
}
