import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { launchpadInstanceChannel } from '@internal/plugin-launchpad-common';
import { launchpadApiRef } from '../api';
import { ANNOTATIONS } from '../constants';
import {
  useFallbackRefresh,
  useRefetchable,
  useSignalRefresh,
} from './useLiveRefresh';

/** How many entries the card asks for (the backend's default; at most 500). */
export const HISTORY_LIMIT = 100;

/**
 * The current entity's recorded history, newest first, asked again when the
 * backend signals a recorded row (`history` on the instance's channel);
 * polled every FALLBACK_REFRESH_MS only when the app has no signals.
 */
export function useInstanceHistory(options: { limit?: number } = {}) {
  const { entity } = useEntity();
  const api = useApi(launchpadApiRef);
  const ref = getCompoundEntityRef(entity);
  const cluster =
    entity.metadata.annotations?.[ANNOTATIONS.cluster] ?? ref.namespace;
  const limit = options.limit ?? HISTORY_LIMIT;
  const state = useRefetchable(
    () => api.getInstanceHistory(ref, { limit }),
    [api, ref.kind, ref.namespace, ref.name, limit],
  );
  const live = useSignalRefresh(
    launchpadInstanceChannel(cluster, ref.name),
    state.retry,
    { accept: message => message.kind === 'history' },
  );
  useFallbackRefresh(live, state.retry);
  return state;
}
