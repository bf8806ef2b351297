import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  FleetResponse,
  InstanceHistoryResponse,
  InstanceStatusResponse,
} from '@internal/plugin-launchpad-common';
import type {
  FleetQuery,
  LaunchpadApi,
  LaunchpadClusterSummary,
  SlugAvailability,
} from './LaunchpadApi';

/** Cards of one page ask within this window: they share one request. */
const SHARE_MS = 2_000;
/**
 * The cards of a page receive one signal in the same tick: their fresh
 * requests share within this window, and never a request from before.
 */
const FRESH_SHARE_MS = 250;

/** The one client of the `launchpad` backend plugin (discoveryApi + fetchApi). */
export class LaunchpadClient implements LaunchpadApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;
  private readonly recent = new Map<
    string,
    { at: number; fresh: boolean; promise: Promise<InstanceStatusResponse> }
  >();

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getInstanceStatus(
    ref: CompoundEntityRef,
    options: { fresh?: boolean } = {},
  ): Promise<InstanceStatusResponse> {
    const key = `${ref.namespace}/${ref.name}`;
    const now = Date.now();
    const fresh = options.fresh === true;
    const hit = this.recent.get(key);
    if (
      hit &&
      (fresh
        ? hit.fresh && now - hit.at < FRESH_SHARE_MS
        : now - hit.at < SHARE_MS)
    )
      return hit.promise;
    const promise = this.request<InstanceStatusResponse>(
      `/instances/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(
        ref.name,
      )}/status`,
    );
    this.recent.set(key, { at: now, fresh, promise });
    promise.catch(() => this.recent.delete(key));
    return promise;
  }

  getFleet(query: FleetQuery): Promise<FleetResponse> {
    const params = new URLSearchParams();
    if (query.filter?.length) params.set('filter', query.filter.join(','));
    if (query.q) params.set('q', query.q);
    if (query.sort) params.set('sort', query.sort);
    if (query.order) params.set('order', query.order);
    if (query.offset !== undefined) params.set('offset', String(query.offset));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const base = query.cluster
      ? `/clusters/${encodeURIComponent(query.cluster)}/fleet`
      : '/fleet';
    const qs = params.toString();
    return this.request<FleetResponse>(qs ? `${base}?${qs}` : base);
  }

  getInstanceHistory(
    ref: CompoundEntityRef,
    options?: { limit?: number },
  ): Promise<InstanceHistoryResponse> {
    const path = `/instances/${encodeURIComponent(
      ref.namespace,
    )}/${encodeURIComponent(ref.name)}/history`;
    return this.request<InstanceHistoryResponse>(
      options?.limit !== undefined ? `${path}?limit=${options.limit}` : path,
    );
  }

  async syncInstance(ref: CompoundEntityRef) {
    this.recent.delete(`${ref.namespace}/${ref.name}`);
    return this.request<{ application: string }>(
      `/instances/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(
        ref.name,
      )}/sync`,
      { method: 'POST', body: '{}' },
    );
  }

  async refreshInstance(ref: CompoundEntityRef) {
    this.recent.delete(`${ref.namespace}/${ref.name}`);
    return this.request<{ application: string }>(
      `/instances/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(
        ref.name,
      )}/refresh`,
      { method: 'POST', body: '{}' },
    );
  }

  async listClusters(): Promise<LaunchpadClusterSummary[]> {
    const body = await this.request<{ items: LaunchpadClusterSummary[] }>(
      '/clusters',
    );
    return body.items;
  }

  getSlugAvailability(
    cluster: string,
    slug: string,
    options?: { signal?: AbortSignal },
  ): Promise<SlugAvailability> {
    return this.request<SlugAvailability>(
      `/clusters/${encodeURIComponent(
        cluster,
      )}/availability?${new URLSearchParams({ slug })}`,
      { signal: options?.signal },
    );
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const base = await this.discoveryApi.getBaseUrl('launchpad');
    const response = await this.fetchApi.fetch(`${base}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...init?.headers },
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
