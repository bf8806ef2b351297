import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  ANNOTATIONS,
  backupCoversNamespace,
  LAUNCHPAD_FLEET_CHANNEL,
  launchpadClusterChannel,
  launchpadInstanceChannel,
  type LaunchpadSignalMessage,
} from '@internal/plugin-launchpad-common';
import type { HistoryRecordedEvent } from '../history/HistoryRecorder';
import type { ClusterStatusCache } from '../status/ClusterStatusCache';
import { FLEET_ROW_KINDS, type KindName, type Slim } from '../status/kinds';
import { Throttle } from './Throttle';

/** Per instance channel: a burst of watch events within this window is one more signal. */
export const INSTANCE_SIGNAL_WINDOW_MS = 500;
/** Per cluster on the fleet channel: 1,000 busy instances still make one signal a second. */
export const FLEET_SIGNAL_WINDOW_MS = 1_000;

/** A change of these kinds can change a fleet row. */
const FLEET_KINDS: ReadonlySet<KindName> = new Set(FLEET_ROW_KINDS);

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The instance entities of each cluster by namespace and by ArgoCD application. */
interface InstanceIndex {
  entities: Entity[];
  byNamespace: Map<string, Set<string>>;
  byApplication: Map<string, Set<string>>;
  namespaces: Map<string, Set<string>>;
}

function add(map: Map<string, Set<string>>, key: string, value: string) {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

function buildIndex(entities: Entity[]): InstanceIndex {
  const index: InstanceIndex = {
    entities,
    byNamespace: new Map(),
    byApplication: new Map(),
    namespaces: new Map(),
  };
  for (const entity of entities) {
    const annotations = entity.metadata.annotations ?? {};
    const cluster = annotations[ANNOTATIONS.cluster];
    const namespace = annotations[ANNOTATIONS.kubernetesNamespace];
    if (!cluster) continue;
    const slug = entity.metadata.name;
    if (namespace) {
      add(index.byNamespace, `${cluster}/${namespace}`, slug);
      add(index.namespaces, cluster, namespace);
    }
    const application = annotations[ANNOTATIONS.argocdAppName];
    if (application)
      add(index.byApplication, `${cluster}/${application}`, slug);
  }
  return index;
}

/** What a changed object concerns: some namespaces (and an application), or the whole cluster. */
type Scope =
  | { cluster: true }
  | { namespaces: string[]; application?: string; selection?: Slim };

function scopeOf(kind: KindName, object: Slim | undefined): Scope {
  if (!object) return { cluster: true };
  const metadata = obj(object.metadata);
  const spec = obj(object.spec);
  switch (kind) {
    case 'applications': {
      const destination = str(obj(spec.destination).namespace);
      return {
        namespaces: destination ? [destination] : [],
        application: str(metadata.name),
      };
    }
    case 'schedules':
    case 'backups': {
      // Velero's objects live in its namespace and select the ones they cover.
      const selection = kind === 'schedules' ? obj(spec.template) : spec;
      const included = Array.isArray(selection.includedNamespaces)
        ? selection.includedNamespaces
        : [];
      if (included.length === 0 || included.includes('*'))
        return { cluster: true };
      return { namespaces: [], selection: object };
    }
    default: {
      const namespace = str(metadata.namespace);
      return { namespaces: namespace ? [namespace] : [] };
    }
  }
}

/**
 * Publishes signals when the status caches change, so open pages refetch
 * through the permission-checked endpoints: per instance
 * (`launchpad:instance:<cluster>:<slug>`, kind `status` or `history`), per
 * cluster for changes every instance shows (freshness, relists, Velero
 * selections of all namespaces), and on `launchpad:fleet` for the tables.
 *
 * Recipients are `broadcast`: a message holds kind, cluster, slug and time,
 * nothing of the status itself, so a user who may not read the instance
 * learns only that something changed; the refetch is what is checked.
 * Addressing users instead would mean resolving each instance's readers
 * (owners, platform team, readers by policy) on every change.
 *
 * Every replica publishes what its own caches see: without the events
 * backend's bus, a signal reaches only the browsers connected to the
 * replica that published it (the signals backend hands it to its local
 * EventsService subscribers), so each replica must publish for its own
 * browsers; where a bus carries them across, a browser refetches twice,
 * which is harmless. History signals come from the replica that recorded
 * the row: workflow runs and ArgoCD transitions are recorded on every
 * replica, builds by the one polling GitHub.
 */
export class StatusSignals {
  private readonly instance: Throttle;
  private readonly fleet: Throttle;
  private readonly unsubscribes: Array<() => void> = [];
  private index?: InstanceIndex;
  private stopped = false;
  private failures = 0;

  static create(options: {
    caches: Map<string, Pick<ClusterStatusCache, 'onChange'>>;
    signals: SignalsService;
    /** The instance entities (InstanceEntities.list: cached, shared with the fleet route). */
    instances: { list(): Promise<Entity[]> };
    logger: LoggerService;
    now?: () => number;
    windows?: { instanceMs?: number; fleetMs?: number };
  }): StatusSignals {
    return new StatusSignals(options);
  }

  private constructor(
    private readonly options: {
      caches: Map<string, Pick<ClusterStatusCache, 'onChange'>>;
      signals: SignalsService;
      instances: { list(): Promise<Entity[]> };
      logger: LoggerService;
      now?: () => number;
      windows?: { instanceMs?: number; fleetMs?: number };
    },
  ) {
    this.instance = new Throttle(
      options.windows?.instanceMs ?? INSTANCE_SIGNAL_WINDOW_MS,
    );
    this.fleet = new Throttle(
      options.windows?.fleetMs ?? FLEET_SIGNAL_WINDOW_MS,
    );
  }

  start(): void {
    for (const [cluster, cache] of this.options.caches) {
      this.unsubscribes.push(
        cache.onChange((kind, object) => this.changed(cluster, kind, object)),
      );
    }
  }

  stop(): void {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.instance.stop();
    this.fleet.stop();
  }

  /** A history row of an instance was recorded here. */
  historyRecorded(event: HistoryRecordedEvent): void {
    if (this.stopped) return;
    const { cluster } = event;
    const slugs =
      'slug' in event
        ? Promise.resolve([event.slug])
        : this.slugs(cluster, { namespaces: [event.namespace] });
    void slugs.then(list => {
      for (const slug of list) this.instanceSignal('history', cluster, slug);
    });
  }

  private changed(cluster: string, kind: KindName, object?: Slim): void {
    if (this.stopped) return;
    if (FLEET_KINDS.has(kind)) {
      this.fleet.hit(cluster, () =>
        this.publish(LAUNCHPAD_FLEET_CHANNEL, {
          kind: 'fleet',
          cluster,
          at: this.at(),
        }),
      );
    }
    const scope = scopeOf(kind, object);
    if ('cluster' in scope) {
      this.instance.hit(`cluster|${cluster}`, () =>
        this.publish(launchpadClusterChannel(cluster), {
          kind: 'status',
          cluster,
          at: this.at(),
        }),
      );
      return;
    }
    void this.slugs(cluster, scope).then(list => {
      for (const slug of list) this.instanceSignal('status', cluster, slug);
    });
  }

  private instanceSignal(
    kind: 'status' | 'history',
    cluster: string,
    slug: string,
  ) {
    if (this.stopped) return;
    this.instance.hit(`${kind}|${cluster}|${slug}`, () =>
      this.publish(launchpadInstanceChannel(cluster, slug), {
        kind,
        cluster,
        slug,
        at: this.at(),
      }),
    );
  }

  /**
   * The instances a scope names. Namespaces without an instance entity
   * (kube-system, argocd, velero) name none. While the catalog has not
   * answered yet, an instance's namespace is taken for its slug (the
   * entity provider's default).
   */
  private async slugs(
    cluster: string,
    scope: { namespaces: string[]; application?: string; selection?: Slim },
  ): Promise<string[]> {
    const index = await this.loadIndex();
    if (!index) return scope.selection ? [] : scope.namespaces;
    const slugs = new Set<string>();
    const namespaces = scope.selection
      ? [...(index.namespaces.get(cluster) ?? [])].filter(ns =>
          backupCoversNamespace(scope.selection, ns),
        )
      : scope.namespaces;
    for (const ns of namespaces)
      for (const slug of index.byNamespace.get(`${cluster}/${ns}`) ?? [])
        slugs.add(slug);
    if (scope.application) {
      for (const slug of index.byApplication.get(
        `${cluster}/${scope.application}`,
      ) ?? [])
        slugs.add(slug);
    }
    return [...slugs];
  }

  private async loadIndex(): Promise<InstanceIndex | undefined> {
    try {
      const entities = await this.options.instances.list();
      // The list is cached upstream: rebuild only when it is a new one.
      if (this.index?.entities !== entities) this.index = buildIndex(entities);
    } catch (error) {
      this.warn(`could not read the instance entities: ${String(error)}`);
    }
    return this.index;
  }

  private at(): string {
    return new Date((this.options.now ?? Date.now)()).toISOString();
  }

  private publish(channel: string, message: LaunchpadSignalMessage) {
    if (this.stopped) return;
    this.options.signals
      .publish({ recipients: { type: 'broadcast' }, channel, message })
      .then(
        () => {
          this.failures = 0;
        },
        error => this.warn(`could not publish on ${channel}: ${String(error)}`),
      );
  }

  /** One warning per run of failures: a missing signals backend must not flood the log. */
  private warn(message: string) {
    if (this.failures++ === 0)
      this.options.logger.warn(`Live page signals: ${message}`);
  }
}
