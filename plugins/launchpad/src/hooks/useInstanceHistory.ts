import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { launchpadApiRef } from '../api';

/**
 * How often an open instance page reloads its history. Longer than the status
 * cards' interval: the history is a database read and its entries are
 * minutes apart (a provision run, a build, a sync).
 */
export const HISTORY_REFRESH_MS = 30_000;

/** How many entries the card asks for (the backend's default; at most 500). */
export const HISTORY_LIMIT = 100;

/** The current entity's recorded history, newest first, reloaded periodically. */
export function useInstanceHistory(options: { limit?: number } = {}) {
  const { entity } = useEntity();
  const api = useApi(launchpadApiRef);
  const ref = getCompoundEntityRef(entity);
  const limit = options.limit ?? HISTORY_LIMIT;
  const state = useAsyncRetry(
    () => api.getInstanceHistory(ref, { limit }),
    [api, ref.kind, ref.namespace, ref.name, limit],
  );
  useInterval(state.retry, HISTORY_REFRESH_MS);
  return state;
}
