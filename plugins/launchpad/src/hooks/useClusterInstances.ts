import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { ANNOTATIONS, ENTITY_TYPES } from '../constants';

/** What the cluster page's table reads of each instance entity. */
const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.annotations',
  'metadata.labels',
  'metadata.links',
  'spec.type',
  'spec.owner',
];

/**
 * One page of the Open edX instance entities that run on the named cluster,
 * by name, with the total: the catalog pages on the server (`queryEntities`
 * with `offset`/`limit`), so a cluster of a thousand instances costs one
 * small answer per page, not the whole list.
 */
export function useClusterInstances(
  cluster: string,
  page: { offset: number; limit: number } = { offset: 0, limit: 20 },
) {
  const catalogApi = useApi(catalogApiRef);
  const { offset, limit } = page;
  const { value, loading, error, retry } = useAsyncRetry(
    () =>
      catalogApi.queryEntities({
        filter: {
          kind: 'component',
          'spec.type': ENTITY_TYPES.instance,
          [`metadata.annotations.${ANNOTATIONS.cluster}`]: cluster,
        },
        orderFields: { field: 'metadata.name', order: 'asc' },
        fields: FIELDS,
        offset,
        limit,
      }),
    [catalogApi, cluster, offset, limit],
  );
  return {
    instances: value?.items,
    totalItems: value?.totalItems,
    loading,
    error,
    retry,
  };
}
