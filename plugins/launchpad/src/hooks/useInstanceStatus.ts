import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { launchpadApiRef } from '../api';

/** How often an open instance page reloads its status (the backend answers from caches). */
export const STATUS_REFRESH_MS = 15_000;

/** The current entity's instance status: one request shared by every card of the page. */
export function useInstanceStatus() {
  const { entity } = useEntity();
  const api = useApi(launchpadApiRef);
  const ref = getCompoundEntityRef(entity);
  const state = useAsyncRetry(
    () => api.getInstanceStatus(ref),
    [api, ref.kind, ref.namespace, ref.name],
  );
  useInterval(state.retry, STATUS_REFRESH_MS);
  return state;
}
