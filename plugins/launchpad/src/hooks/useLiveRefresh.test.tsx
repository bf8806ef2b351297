import { ReactNode } from 'react';
import { act, renderHook, screen, waitFor } from '@testing-library/react';
import { TestApiProvider } from '@backstage/test-utils';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { signalApiRef, type SignalApi } from '@backstage/plugin-signals-react';
import type { LaunchpadSignalMessage } from '@internal/plugin-launchpad-common';
import { launchpadApiRef, type LaunchpadApi } from '../api';
import { FleetTable } from '../components/FleetTable';
import { instanceEntity } from '../testing/fixtures';
import { historyResponse } from '../testing/historyFixtures';
import {
  SEED_ROWS,
  fleetResponse,
  instanceStatus,
} from '../testing/statusFixtures';
import { fakeLaunchpadApi, slow } from '../__testUtils__/statusTestUtils';
import { useInstanceHistory } from './useInstanceHistory';
import { useInstanceStatus } from './useInstanceStatus';
import { FALLBACK_REFRESH_MS } from './useLiveRefresh';

jest.setTimeout(30_000);

/** A SignalApi the test publishes on, as the signals backend would. */
function fakeSignals() {
  const subscribers = new Map<
    string,
    Set<(m: LaunchpadSignalMessage) => void>
  >();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const set = subscribers.get(channel) ?? new Set();
      const callback = onMessage as unknown as (
        m: LaunchpadSignalMessage,
      ) => void;
      set.add(callback);
      subscribers.set(channel, set);
      return { unsubscribe: () => set.delete(callback) };
    },
  };
  const emit = (channel: string, message: Partial<LaunchpadSignalMessage>) =>
    act(() => {
      // One parsed message for every subscriber, as SignalClient hands it out.
      const full = {
        kind: 'status',
        cluster: 'staging',
        at: new Date().toISOString(),
        ...message,
      } as LaunchpadSignalMessage;
      for (const callback of subscribers.get(channel) ?? []) callback(full);
    });
  return { api, emit, subscribers };
}

function wrapper(api: LaunchpadApi, signals?: SignalApi) {
  const entity = instanceEntity({ cluster: 'staging', slug: 'demo' });
  return ({ children }: { children: ReactNode }) => {
    const page = <EntityProvider entity={entity}>{children}</EntityProvider>;
    return signals ? (
      <TestApiProvider
        apis={[
          [launchpadApiRef, api],
          [signalApiRef, signals],
        ]}
      >
        {page}
      </TestApiProvider>
    ) : (
      <TestApiProvider apis={[[launchpadApiRef, api]]}>{page}</TestApiProvider>
    );
  };
}

describe('useInstanceStatus', () => {
  afterEach(() => jest.useRealTimers());

  it("asks again on the instance's status signals and its cluster's, fresh, and never polls", async () => {
    jest.useFakeTimers();
    const api = fakeLaunchpadApi({
      getInstanceStatus: jest.fn(async () => instanceStatus()),
    });
    const signals = fakeSignals();
    const { result } = renderHook(() => useInstanceStatus(), {
      wrapper: wrapper(api, signals.api),
    });
    await waitFor(() => expect(result.current.value).toBeDefined());
    expect(api.getInstanceStatus).toHaveBeenCalledTimes(1);
    expect(api.getInstanceStatus.mock.calls[0][1]).toBeUndefined();
    expect([...signals.subscribers.keys()].sort()).toEqual([
      'launchpad:cluster:staging',
      'launchpad:instance:staging:demo',
    ]);

    signals.emit('launchpad:instance:staging:demo', { slug: 'demo' });
    await waitFor(() => expect(api.getInstanceStatus).toHaveBeenCalledTimes(2));
    // A fresh request: never one shared from before the signal.
    expect(api.getInstanceStatus.mock.calls[1][1]).toEqual({ fresh: true });
    await waitFor(() => expect(result.current.loading).toBe(false));

    // A recorded history row is the history card's business.
    signals.emit('launchpad:instance:staging:demo', {
      kind: 'history',
      slug: 'demo',
    });
    signals.emit('launchpad:cluster:staging', {});
    await waitFor(() => expect(api.getInstanceStatus).toHaveBeenCalledTimes(3));
    await waitFor(() => expect(result.current.loading).toBe(false));

    // No timer asks: ten minutes without a signal, no request.
    await act(() => jest.advanceTimersByTimeAsync(10 * 60_000));
    expect(api.getInstanceStatus).toHaveBeenCalledTimes(3);
  });

  it('keeps a signal that comes while a request runs for when it ends', async () => {
    const resolvers: Array<() => void> = [];
    const api = fakeLaunchpadApi({
      getInstanceStatus: jest.fn(
        () =>
          new Promise(resolve =>
            resolvers.push(() => resolve(instanceStatus())),
          ),
      ),
    });
    const signals = fakeSignals();
    const { result } = renderHook(() => useInstanceStatus(), {
      wrapper: wrapper(api, signals.api),
    });
    await waitFor(() => expect(resolvers).toHaveLength(1));
    signals.emit('launchpad:instance:staging:demo', { slug: 'demo' });
    expect(api.getInstanceStatus).toHaveBeenCalledTimes(1);
    act(() => resolvers[0]());
    await waitFor(() => expect(api.getInstanceStatus).toHaveBeenCalledTimes(2));
    expect(api.getInstanceStatus.mock.calls[1][1]).toEqual({ fresh: true });
    act(() => resolvers[1]());
    await waitFor(() => expect(result.current.loading).toBe(false));
  });

  it('polls every FALLBACK_REFRESH_MS (60 s) when the app has no signals', async () => {
    jest.useFakeTimers();
    const api = fakeLaunchpadApi({
      getInstanceStatus: jest.fn(async () => instanceStatus()),
    });
    const { result } = renderHook(() => useInstanceStatus(), {
      wrapper: wrapper(api),
    });
    await waitFor(() => expect(result.current.value).toBeDefined());
    expect(FALLBACK_REFRESH_MS).toBe(60_000);
    await act(() => jest.advanceTimersByTimeAsync(59_000));
    expect(api.getInstanceStatus).toHaveBeenCalledTimes(1);
    await act(() => jest.advanceTimersByTimeAsync(1_000));
    expect(api.getInstanceStatus).toHaveBeenCalledTimes(2);
    await act(() => jest.advanceTimersByTimeAsync(60_000));
    expect(api.getInstanceStatus).toHaveBeenCalledTimes(3);
  });
});

describe('useInstanceHistory', () => {
  afterEach(() => jest.useRealTimers());

  it('asks again on history signals only, and polls only without signals', async () => {
    jest.useFakeTimers();
    const api = fakeLaunchpadApi({
      getInstanceHistory: jest.fn(async () => historyResponse([])),
    });
    const signals = fakeSignals();
    const { result } = renderHook(() => useInstanceHistory(), {
      wrapper: wrapper(api, signals.api),
    });
    await waitFor(() => expect(result.current.value).toBeDefined());
    signals.emit('launchpad:instance:staging:demo', { slug: 'demo' });
    await act(() => jest.advanceTimersByTimeAsync(100));
    expect(api.getInstanceHistory).toHaveBeenCalledTimes(1);
    signals.emit('launchpad:instance:staging:demo', {
      kind: 'history',
      slug: 'demo',
    });
    await waitFor(() =>
      expect(api.getInstanceHistory).toHaveBeenCalledTimes(2),
    );
    await act(() => jest.advanceTimersByTimeAsync(10 * 60_000));
    expect(api.getInstanceHistory).toHaveBeenCalledTimes(2);

    const polled = fakeLaunchpadApi({
      getInstanceHistory: jest.fn(async () => historyResponse([])),
    });
    renderHook(() => useInstanceHistory(), { wrapper: wrapper(polled) });
    await waitFor(() =>
      expect(polled.getInstanceHistory).toHaveBeenCalledTimes(1),
    );
    await act(() => jest.advanceTimersByTimeAsync(FALLBACK_REFRESH_MS));
    expect(polled.getInstanceHistory).toHaveBeenCalledTimes(2);
  });
});

describe('FleetTable live', () => {
  it("asks for the page again on its cluster's fleet signals, at most every 2 s", async () => {
    const api = fakeLaunchpadApi({
      getFleet: jest.fn(async () =>
        fleetResponse(SEED_ROWS.filter(r => r.cluster === 'staging')),
      ),
    });
    const signals = fakeSignals();
    await renderInTestApp(<FleetTable cluster="staging" />, {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [
        [launchpadApiRef, api],
        [signalApiRef, signals.api],
      ],
    });
    expect(
      await screen.findByRole('link', { name: 'physics-101' }, slow),
    ).toBeVisible();
    const calls = api.getFleet.mock.calls.length;
    signals.emit('launchpad:fleet', { kind: 'fleet', cluster: 'production' });
    signals.emit('launchpad:fleet', { kind: 'fleet', cluster: 'staging' });
    await waitFor(() => expect(api.getFleet.mock.calls.length).toBe(calls + 1));
    expect(api.getFleet.mock.calls[calls][0]).toMatchObject({
      cluster: 'staging',
      offset: 0,
    });
    // Two more within 2 s: folded into one at the interval's end.
    signals.emit('launchpad:fleet', { kind: 'fleet', cluster: 'staging' });
    signals.emit('launchpad:fleet', { kind: 'fleet', cluster: 'staging' });
    await waitFor(
      () => expect(api.getFleet.mock.calls.length).toBe(calls + 2),
      { timeout: 5_000 },
    );
    await new Promise(r => setTimeout(r, 2_500));
    expect(api.getFleet.mock.calls.length).toBe(calls + 2);
  });
});
