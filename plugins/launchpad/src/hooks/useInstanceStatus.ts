import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  launchpadClusterChannel,
  launchpadInstanceChannel,
} from '@internal/plugin-launchpad-common';
import { launchpadApiRef } from '../api';
import { ANNOTATIONS } from '../constants';
import {
  useFallbackRefresh,
  useRefetchable,
  useSignalRefresh,
} from './useLiveRefresh';

/**
 * The current entity's instance status: one request shared by every card of
 * the page, asked again when the backend signals a change of the instance
 * (`launchpad:instance:<cluster>:<slug>`) or of its whole cluster
 * (`launchpad:cluster:<cluster>`); polled every FALLBACK_REFRESH_MS only
 * when the app has no signals.
 */
export function useInstanceStatus() {
  const { entity } = useEntity();
  const api = useApi(launchpadApiRef);
  const ref = getCompoundEntityRef(entity);
  const cluster =
    entity.metadata.annotations?.[ANNOTATIONS.cluster] ?? ref.namespace;
  const state = useRefetchable(
    fresh => api.getInstanceStatus(ref, fresh ? { fresh } : undefined),
    [api, ref.kind, ref.namespace, ref.name],
  );
  const live = useSignalRefresh(
    launchpadInstanceChannel(cluster, ref.name),
    state.retry,
    { accept: message => message.kind === 'status' },
  );
  useSignalRefresh(launchpadClusterChannel(cluster), state.retry);
  useFallbackRefresh(live, state.retry);
  return state;
}
