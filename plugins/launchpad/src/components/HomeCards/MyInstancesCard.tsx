import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import type { Entity } from '@backstage/catalog-model';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, catalogApiRef } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { ANNOTATIONS, ENTITY_TYPES } from '../../constants';
import { readInstance } from '../../entity';

const TITLE = 'Your instances';
export const MY_INSTANCES_LIMIT = 10;

/** The catalog index on the instances the user's groups own. */
export const MY_INSTANCES_CATALOG_PATH =
  '/catalog?filters[kind]=component&filters[type]=openedx-instance&filters[user]=owned';

const columns: TableColumn<Entity>[] = [
  {
    title: 'Instance',
    render: entity => (
      <EntityRefLink entityRef={entity} hideIcon>
        {entity.metadata.title ?? entity.metadata.name}
      </EntityRefLink>
    ),
  },
  {
    title: 'Cluster',
    render: entity => entity.metadata.annotations?.[ANNOTATIONS.cluster] ?? '',
  },
  {
    title: 'Release',
    render: entity => readInstance(entity).releaseName ?? '',
  },
];

/**
 * The Open edX instances owned by the signed-in user or their groups
 * (`relations.ownedBy` in their identity's ownership refs), first ones by
 * name, with a link to the whole list in the catalog.
 */
export function MyInstancesCard() {
  const identityApi = useApi(identityApiRef);
  const catalogApi = useApi(catalogApiRef);
  const { value, loading, error } = useAsyncRetry(async () => {
    const { ownershipEntityRefs } = await identityApi.getBackstageIdentity();
    if (!ownershipEntityRefs.length) return { items: [], totalItems: 0 };
    return catalogApi.queryEntities({
      filter: {
        kind: 'component',
        'spec.type': ENTITY_TYPES.instance,
        'relations.ownedBy': ownershipEntityRefs,
      },
      orderFields: { field: 'metadata.name', order: 'asc' },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'metadata.annotations',
        'metadata.labels',
      ],
      limit: MY_INSTANCES_LIMIT,
    });
  }, [identityApi, catalogApi]);

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
  if (!value?.items.length) {
    return (
      <InfoCard title={TITLE}>
        <EmptyState
          missing="data"
          title="You own no Open edX instance yet"
          description="Instances owned by you or one of your groups show up here."
        />
      </InfoCard>
    );
  }
  const more = value.totalItems - value.items.length;
  return (
    <InfoCard
      title={`${TITLE} (${value.totalItems})`}
      noPadding
      deepLink={
        more > 0
          ? {
              title: `All ${value.totalItems}`,
              link: MY_INSTANCES_CATALOG_PATH,
            }
          : undefined
      }
    >
      <Table<Entity>
        columns={columns}
        data={value.items}
        options={{
          paging: false,
          search: false,
          toolbar: false,
          padding: 'dense',
        }}
      />
    </InfoCard>
  );
}
