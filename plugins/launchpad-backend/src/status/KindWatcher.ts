import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ClusterKubernetes } from '@internal/plugin-launchpad-node';
import { toWire, type Json, type Slim, type WatchedKind } from './kinds';

export interface WatchTiming {
  /** `timeoutSeconds` asked of the API server per watch: it closes the watch after that and the informer resumes. */
  watchTimeoutSeconds: number;
  /** A watch silent for longer than its timeout plus this is taken as dead and restarted (client-node 1.4 does not notice a dead connection). */
  silenceGraceMs: number;
  /** First retry delay after an error; doubled up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Page size of the lists. */
  pageSize: number;
}

export type KindState =
  | { phase: 'starting' }
  | { phase: 'ok'; since: number }
  /** The API does not serve this kind (e.g. no Velero or Argo CRDs installed). */
  | { phase: 'absent'; since: number }
  | { phase: 'error'; since: number; message: string };

/**
 * `Watch` that asks for bookmarks and a server-side timeout, projects every
 * object to its slim form before the informer stores it, and tells when the
 * connection is up and when anything arrives.
 */
class ProjectingWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly kind: WatchedKind,
    private readonly timeoutSeconds: number,
    private readonly hooks: { activity(): void; connected(): void },
  ) {
    super(config);
  }

  async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    let failed = false;
    const controller = await super.watch(
      path,
      {
        ...queryParams,
        allowWatchBookmarks: true,
        timeoutSeconds: this.timeoutSeconds,
      },
      (phase, apiObj) => {
        this.hooks.activity();
        // ERROR carries a Status, BOOKMARK only a resourceVersion: pass them through.
        const object =
          phase === 'ERROR' || phase === 'BOOKMARK'
            ? apiObj
            : this.kind.project(toWire(apiObj));
        callback(phase, object);
      },
      err => {
        if (err) failed = true;
        done(err);
      },
    );
    if (!failed) this.hooks.connected();
    return controller;
  }
}

function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}

/**
 * One kind of one cluster: a client-node informer (list + watch, resuming
 * from the last resourceVersion, relisting on 410) over slim objects, with
 * restart on error (exponential backoff) and on silence (liveness).
 */
export class KindWatcher {
  private informer?: ListWatch<Slim>;
  private stateValue: KindState = { phase: 'starting' };
  private lastActivity = 0;
  private backoffMs: number;
  private retryTimer?: NodeJS.Timeout;
  private livenessTimer?: NodeJS.Timeout;
  /** Bumped on every deliberate stop, so the informer's abort error is not taken for a failure. */
  private generation = 0;
  private stopped = true;
  private restarts = 0;
  /** Set while an informer is starting (listing, then opening its watch). */
  private launchedAt?: number;

  constructor(
    private readonly kind: WatchedKind,
    private readonly k8s: ClusterKubernetes,
    private readonly timing: WatchTiming,
    private readonly logger: LoggerService,
    /** `object`: the added, updated or deleted object; absent for a state change or a relist. */
    private readonly onChange: (
      kind: WatchedKind['name'],
      object?: Slim,
    ) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.backoffMs = timing.initialBackoffMs;
  }

  get name() {
    return this.kind.name;
  }

  state(): KindState {
    return this.stateValue;
  }

  /** How many times a silent or failed watch was restarted (for tests and metrics). */
  restartCount(): number {
    return this.restarts;
  }

  list(namespace?: string): ReadonlyArray<Slim> {
    return this.informer?.list(namespace) ?? [];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.launch();
    const checkEvery = Math.max(
      1_000,
      Math.min(30_000, this.timing.silenceGraceMs / 2),
    );
    this.livenessTimer = setInterval(() => this.checkLiveness(), checkEvery);
    this.livenessTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.livenessTimer);
    await this.informer?.stop();
  }

  private launch(): void {
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.stopped;
    const watch = new ProjectingWatch(
      this.k8s.kubeConfig,
      this.kind,
      this.timing.watchTimeoutSeconds,
      {
        activity: () => {
          if (current()) this.lastActivity = this.now();
        },
        connected: () => {
          if (!current()) return;
          this.lastActivity = this.now();
          this.backoffMs = this.timing.initialBackoffMs;
          if (this.stateValue.phase !== 'ok') {
            if (this.stateValue.phase === 'error') {
              this.logger.info(`Watch of ${this.kind.name} is back`, {
                kind: this.kind.name,
              });
            }
            this.stateValue = { phase: 'ok', since: this.now() };
            this.onChange(this.kind.name);
          }
        },
      },
    );
    const next = new ListWatch<Slim>(
      this.kind.path,
      watch,
      () => this.listAll(),
      false,
    );
    const changed = (object: Slim) => {
      if (current() && this.informer === next)
        this.onChange(this.kind.name, object);
    };
    next.on('add', changed);
    next.on('update', changed);
    next.on('delete', changed);
    next.on('error', (error: unknown) => {
      if (current()) this.failed(error);
    });
    this.lastActivity = this.now();
    this.launchedAt = this.now();
    // The previous informer keeps serving (stale data beats no data) until
    // this one has listed; then it is swapped in and the old one stopped.
    next.start().then(
      () => {
        if (!current()) {
          void next.stop();
          return;
        }
        this.launchedAt = undefined;
        if (next.latestResourceVersion() === '') return; // the list failed: `failed` ran
        const previous = this.informer;
        this.informer = next;
        if (previous && previous !== next) void previous.stop();
        this.onChange(this.kind.name);
      },
      error => {
        if (current()) this.failed(error);
      },
    );
  }

  private async listAll(): Promise<KubernetesListObject<Slim>> {
    const items: Slim[] = [];
    let continueToken: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.kind.list(this.k8s, {
        limit: this.timing.pageSize,
        ...(continueToken ? { _continue: continueToken } : {}),
      });
      for (const item of page.items ?? []) {
        items.push(this.kind.project(toWire(item as KubernetesObject) as Json));
      }
      continueToken = page.metadata?._continue || undefined;
      resourceVersion = page.metadata?.resourceVersion;
    } while (continueToken);
    this.lastActivity = this.now();
    return {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion },
      items,
    };
  }

  private failed(error: unknown): void {
    this.launchedAt = undefined;
    const code = statusCodeOf(error);
    const absent = code === 404;
    const message = messageOf(error);
    if (absent) {
      if (this.stateValue.phase !== 'absent') {
        this.logger.info(
          `The cluster does not serve ${this.kind.name}; checking again later`,
          { kind: this.kind.name },
        );
        this.stateValue = { phase: 'absent', since: this.now() };
        this.onChange(this.kind.name);
      }
    } else if (
      this.stateValue.phase !== 'error' ||
      this.stateValue.message !== message
    ) {
      this.logger.warn(`Watch of ${this.kind.name} failed: ${message}`, {
        kind: this.kind.name,
        status: code,
      });
      this.stateValue = { phase: 'error', since: this.now(), message };
      this.onChange(this.kind.name);
    }
    this.scheduleRestart(absent ? this.timing.maxBackoffMs : this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.timing.maxBackoffMs);
  }

  private scheduleRestart(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.generation++; // errors of the failed informer are no longer ours
    this.retryTimer = setTimeout(() => {
      if (this.stopped) return;
      this.restarts++;
      this.launch();
    }, delayMs);
    this.retryTimer.unref?.();
  }

  private checkLiveness(): void {
    if (this.stopped) return;
    const limit =
      this.timing.watchTimeoutSeconds * 1000 + this.timing.silenceGraceMs;
    if (this.launchedAt !== undefined) {
      // A list or watch request that never answers (a black-holed API server).
      const waited = this.now() - this.launchedAt;
      if (waited > limit)
        this.failed(new Error(`no answer for ${Math.round(waited / 1000)} s`));
      return;
    }
    if (this.stateValue.phase !== 'ok') return; // a retry is scheduled
    const silentFor = this.now() - this.lastActivity;
    if (silentFor <= limit) return;
    this.logger.warn(
      `Watch of ${this.kind.name} silent for ${Math.round(
        silentFor / 1000,
      )} s; restarting it`,
      {
        kind: this.kind.name,
      },
    );
    this.restarts++;
    this.launch();
  }
}
