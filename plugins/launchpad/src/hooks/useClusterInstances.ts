import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { ANNOTATIONS, ENTITY_TYPES } from '../constants';

/** The Open edX instance entities that run on the named cluster. */
export function useClusterInstances(cluster: string) {
  const catalogApi = useApi(catalogApiRef);
  const { value, loading, error, retry } = useAsyncRetry(async () => {
    const response = await catalogApi.getEntities({
      filter: {
        kind: 'component',
        'spec.type': ENTITY_TYPES.instance,
        [`metadata.annotations.${ANNOTATIONS.cluster}`]: cluster,
      },
      order: { field: 'metadata.name', order: 'asc' },
    });
    return response.items;
  }, [catalogApi, cluster]);
  return {
    instances: value,
    loading,
    error,
    retry,
  };
}
