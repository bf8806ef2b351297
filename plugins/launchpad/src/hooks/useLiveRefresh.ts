import { DependencyList, useCallback, useEffect, useRef } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef, useSignal } from '@backstage/plugin-signals-react';
import type { LaunchpadSignalMessage } from '@internal/plugin-launchpad-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';

/**
 * How often a page polls when the app has no signal API (an app without
 * `@backstage/plugin-signals`): long, since the answers come from caches
 * that signals would have announced; a minute keeps a forgotten tab cheap.
 */
export const FALLBACK_REFRESH_MS = 60_000;

/** Whether the app has the signal API (pushes instead of polling). */
export function useSignalsAvailable(): boolean {
  return !!useApiHolder().get(signalApiRef);
}

/**
 * Calls `refresh` for each message on `channel` that `accept` takes (all
 * when absent), at most once per `minIntervalMs` (the rest folded into one
 * call at the interval's end). Returns whether signals are available.
 */
export function useSignalRefresh(
  channel: string,
  refresh: () => void,
  options: {
    accept?: (message: LaunchpadSignalMessage) => boolean;
    minIntervalMs?: number;
  } = {},
): boolean {
  const { lastSignal, isSignalsAvailable } =
    useSignal<LaunchpadSignalMessage>(channel);
  const latest = useRef({ refresh, options });
  latest.current = { refresh, options };
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    if (!lastSignal) return;
    const { accept, minIntervalMs = 0 } = latest.current.options;
    if (accept && !accept(lastSignal)) return;
    const fire = () => {
      timer.current = undefined;
      last.current = Date.now();
      latest.current.refresh();
    };
    const wait = last.current + minIntervalMs - Date.now();
    if (wait <= 0) fire();
    else timer.current ??= setTimeout(fire, wait);
  }, [lastSignal]);
  return isSignalsAvailable;
}

/** Polls every FALLBACK_REFRESH_MS while signals are unavailable. */
export function useFallbackRefresh(live: boolean, refresh: () => void) {
  const latest = useRef(refresh);
  latest.current = refresh;
  useInterval(() => latest.current(), live ? null : FALLBACK_REFRESH_MS);
}

/**
 * `useAsyncRetry` for pushed pages: `retry` asks again with `fresh` set (a
 * signal said the answer changed, so a request shared from before it would
 * be stale), and a retry while a request runs is kept for when it ends
 * instead of being dropped as useAsyncRetry drops it.
 */
export function useRefetchable<T>(
  fn: (fresh: boolean) => Promise<T>,
  deps: DependencyList,
) {
  const fresh = useRef(false);
  const pending = useRef(false);
  const state = useAsyncRetry(() => {
    const isFresh = fresh.current;
    fresh.current = false;
    return fn(isFresh);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  const { loading, retry: again } = state;
  const retry = useCallback(() => {
    fresh.current = true;
    if (loading) pending.current = true;
    else again();
  }, [loading, again]);
  useEffect(() => {
    if (!loading && pending.current) {
      pending.current = false;
      again();
    }
  }, [loading, again]);
  return { ...state, retry };
}
