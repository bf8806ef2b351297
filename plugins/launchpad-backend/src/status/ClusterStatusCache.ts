import type { LoggerService } from '@backstage/backend-plugin-api';
import type { LaunchpadCluster } from '@internal/plugin-launchpad-node';
import {
  WATCHED_KINDS,
  type KindName,
  type Slim,
  type WatchedKind,
} from './kinds';
import { KindWatcher, type KindState, type WatchTiming } from './KindWatcher';

export interface ClusterCacheState {
  cluster: string;
  /** `ok`: every served kind watched; `stale`: some watch is failing, answers come from the last good data; `starting`: nothing listed yet. */
  state: 'ok' | 'stale' | 'starting';
  /** When the data was last known complete and current (ms since the epoch). */
  lastGoodAt?: number;
  /** What fails, when stale: `pods: connect ECONNREFUSED …`. */
  error?: string;
  kinds: Record<KindName, KindState['phase']>;
}

/**
 * Every watched kind of one cluster, in memory, fed by one informer per kind.
 * Answers never call the cluster: they read what the watches delivered.
 */
export class ClusterStatusCache {
  private readonly watchers: Map<KindName, KindWatcher>;
  /** Every kind has been watched (or found absent) at least once. */
  private everGood = false;
  private readonly listeners = new Set<
    (kind: KindName, object?: Slim) => void
  >();
  private readonly versions = new Map<KindName, number>();

  static create(options: {
    cluster: LaunchpadCluster;
    logger: LoggerService;
    timing: WatchTiming;
    kinds?: WatchedKind[];
    now?: () => number;
  }): ClusterStatusCache {
    return new ClusterStatusCache(options);
  }

  private constructor(
    private readonly options: {
      cluster: LaunchpadCluster;
      logger: LoggerService;
      timing: WatchTiming;
      kinds?: WatchedKind[];
      now?: () => number;
    },
  ) {
    const logger = options.logger.child({ cluster: options.cluster.name });
    this.watchers = new Map(
      (options.kinds ?? WATCHED_KINDS).map(kind => [
        kind.name,
        new KindWatcher(
          kind,
          options.cluster.kubernetes,
          options.timing,
          logger,
          (changed, object) => this.changed(changed, object),
          options.now,
        ),
      ]),
    );
  }

  get name(): string {
    return this.options.cluster.name;
  }

  start(): void {
    for (const watcher of this.watchers.values()) watcher.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watchers.values()].map(w => w.stop()));
  }

  /**
   * Called after any change of a kind's objects or state (history, signals).
   * `object` is the changed object (its slim form); absent when the kind's
   * state changed or it was listed again, which may concern every namespace.
   */
  onChange(listener: (kind: KindName, object?: Slim) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(kind: KindName, namespace?: string): ReadonlyArray<Slim> {
    return this.watchers.get(kind)?.list(namespace) ?? [];
  }

  restartCount(): number {
    return [...this.watchers.values()].reduce(
      (n, w) => n + w.restartCount(),
      0,
    );
  }

  state(): ClusterCacheState {
    const kinds = {} as Record<KindName, KindState['phase']>;
    const errors: string[] = [];
    let failingSince: number | undefined;
    let starting = false;
    for (const [name, watcher] of this.watchers) {
      const state = watcher.state();
      kinds[name] = state.phase;
      if (state.phase === 'error') {
        errors.push(`${name}: ${state.message}`);
        failingSince = Math.min(failingSince ?? state.since, state.since);
      }
      if (state.phase === 'starting') starting = true;
    }
    const now = (this.options.now ?? Date.now)();
    if (errors.length === 0 && !starting) this.everGood = true;
    let state: ClusterCacheState['state'] = 'ok';
    let lastGoodAt: number | undefined = now;
    if (!this.everGood) {
      state = 'starting';
      lastGoodAt = undefined;
    } else if (errors.length > 0 || starting) {
      // The data was current until the first watch failed.
      state = 'stale';
      lastGoodAt = failingSince;
    }
    return {
      cluster: this.name,
      state,
      ...(lastGoodAt !== undefined ? { lastGoodAt } : {}),
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
      kinds,
    };
  }

  /** Bumped on every change of a kind: memoised answers compare it. */
  version(...kinds: KindName[]): string {
    return kinds.map(k => this.versions.get(k) ?? 0).join('.');
  }

  private changed(kind: KindName, object?: Slim): void {
    this.versions.set(kind, (this.versions.get(kind) ?? 0) + 1);
    if (!this.everGood) {
      this.everGood = [...this.watchers.values()].every(w => {
        const phase = w.state().phase;
        return phase === 'ok' || phase === 'absent';
      });
    }
    for (const listener of this.listeners) {
      try {
        listener(kind, object);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
