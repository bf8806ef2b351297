import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  ANNOTATIONS,
  backupCoversNamespace,
  deriveArgocdStatus,
  deriveAutoscalerStatus,
  deriveBackupStatus,
  deriveCronJobStatus,
  deriveWorkflowStatus,
  deriveWorkloadsStatus,
  deriveInstanceVerdict,
  deriveInstanceDrift,
  fleetRowStatus,
  LABELS,
  type BackupDerivedStatus,
  type ClusterFreshness,
  type FleetFilter,
  type FleetResponse,
  type FleetRow,
  type FleetSortKey,
  type FleetSummary,
  type InstanceDrift,
  type InstanceStatusResponse,
  type StatusVerdict,
} from '@internal/plugin-launchpad-common';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import type { BranchHeads } from './BranchHeads';
import type { ClusterStatusCache } from './ClusterStatusCache';
import { FLEET_ROW_KINDS, type Slim } from './kinds';

/** Velero backs up the namespace's Kubernetes objects and volumes; a managed database lives outside it. */
export const MANAGED_DATABASES_NOTE =
  "Velero backs up the namespace (objects and volumes). Managed MySQL and MongoDB databases are outside the cluster and not covered: their dumps (CronJobs) and the provider's own backups are what protects them.";

const BACKUP_MEMO_MS = 30_000;
const ROWS_MEMO_MS = 10_000;

/** The instance's coordinates in its cluster, from the annotations the catalog provider writes. */
export interface InstanceTarget {
  entityRef: string;
  cluster: string;
  namespace: string;
  application?: string;
  /** The images config.yml names (the catalog provider's annotations), for the drift. */
  images?: { openedx?: string; mfe?: string };
}

export function instanceTarget(entity: Entity): InstanceTarget | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const cluster = annotations[ANNOTATIONS.cluster];
  const namespace = annotations[ANNOTATIONS.kubernetesNamespace];
  if (!cluster || !namespace) return undefined;
  return {
    entityRef: stringifyEntityRef(entity),
    cluster,
    namespace,
    application: annotations[ANNOTATIONS.argocdAppName],
    images: {
      openedx: annotations[ANNOTATIONS.openedxImage],
      mfe: annotations[ANNOTATIONS.mfeImage],
    },
  };
}

function freshnessOf(cache: ClusterStatusCache, now: number): ClusterFreshness {
  const state = cache.state();
  return {
    cluster: state.cluster,
    state: state.state,
    ...(state.lastGoodAt !== undefined
      ? { lastGoodAt: new Date(state.lastGoodAt).toISOString() }
      : {}),
    ...(state.state === 'stale' && state.lastGoodAt !== undefined
      ? {
          staleSeconds: Math.max(
            0,
            Math.round((now - state.lastGoodAt) / 1000),
          ),
        }
      : {}),
    ...(state.error ? { error: state.error } : {}),
  };
}

/**
 * Backups grouped by their namespace selection, each group trimmed to what
 * deriveBackupStatus reads (per schedule: newest first, down to its last
 * Completed one), so a fleet of namespaces costs groups × namespaces, not
 * backups × namespaces.
 */
function backupGroups(
  backups: ReadonlyArray<Slim>,
): Array<{ sample: Slim; backups: Slim[] }> {
  const groups = new Map<string, Slim[]>();
  for (const backup of backups) {
    const spec = (backup.spec ?? {}) as {
      includedNamespaces?: string[];
      excludedNamespaces?: string[];
    };
    const key = JSON.stringify([
      [...(spec.includedNamespaces ?? [])].sort(),
      [...(spec.excludedNamespaces ?? [])].sort(),
    ]);
    const list = groups.get(key) ?? [];
    list.push(backup);
    groups.set(key, list);
  }
  const startOf = (b: Slim) => {
    const status = (b.status ?? {}) as { startTimestamp?: string };
    return (
      Date.parse(
        status.startTimestamp ??
          b.metadata?.creationTimestamp?.toString() ??
          '',
      ) || 0
    );
  };
  return [...groups.values()].map(list => {
    const bySchedule = new Map<string, Slim[]>();
    for (const b of [...list].sort((x, y) => startOf(y) - startOf(x))) {
      const label = b.metadata?.labels?.['velero.io/schedule-name'] ?? '';
      const kept = bySchedule.get(label) ?? [];
      const done = kept.some(
        k =>
          (k.status as { phase?: string } | undefined)?.phase === 'Completed',
      );
      if (!done) kept.push(b);
      bySchedule.set(label, kept);
    }
    return { sample: list[0], backups: [...bySchedule.values()].flat() };
  });
}

interface Memo<T> {
  key: string;
  at: number;
  value: T;
}

function compare(
  a: string | number | undefined,
  b: string | number | undefined,
): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return typeof a === 'number' && typeof b === 'number'
    ? a - b
    : String(a).localeCompare(String(b));
}

const DRIFT_RANK = { drifted: 0, unknown: 1, 'in-sync': 2 } as const;

const VERDICT_RANK: Record<StatusVerdict, number> = {
  error: 0,
  warning: 1,
  progressing: 2,
  unknown: 3,
  ok: 4,
};
const BACKUP_RANK: Record<BackupDerivedStatus['verdict'], number> = {
  failing: 0,
  overdue: 1,
  'not-covered': 2,
  unknown: 3,
  covered: 4,
};

/**
 * Instance and fleet status, from the per-cluster caches only: the cost of an
 * answer never reaches a cluster.
 */
export class StatusService {
  private readonly backupMemo = new Map<
    string,
    Memo<Map<string, BackupDerivedStatus>>
  >();
  private readonly rowsMemo = new Map<string, Memo<Map<string, FleetRow>>>();

  static create(options: {
    caches: Map<string, ClusterStatusCache>;
    clusters: LaunchpadClustersService;
    logger: LoggerService;
    /** The branch heads for the revision drift; without it the revision drift is `unknown`. */
    heads?: BranchHeads;
    now?: () => number;
  }) {
    return new StatusService(
      options.caches,
      options.clusters,
      options.now ?? Date.now,
      options.heads,
    );
  }

  private constructor(
    private readonly caches: Map<string, ClusterStatusCache>,
    private readonly clusters: LaunchpadClustersService,
    private readonly now: () => number,
    private readonly heads?: BranchHeads,
  ) {}

  cache(cluster: string): ClusterStatusCache | undefined {
    return this.caches.get(cluster);
  }

  /** One namespace's backup verdict as the cards and the fleet see it (notifications compare it over time). */
  backupOf(
    cluster: string,
    namespace: string,
  ): BackupDerivedStatus | undefined {
    const cache = this.caches.get(cluster);
    return cache ? this.backupStatus(cache, namespace, this.now()) : undefined;
  }

  clusterStates(): ClusterFreshness[] {
    const now = this.now();
    return [...this.caches.values()].map(c => freshnessOf(c, now));
  }

  /** Everything the instance cards show, in one answer. 503 while its cluster has never answered. */
  instanceStatus(target: InstanceTarget): InstanceStatusResponse {
    const cache = this.caches.get(target.cluster);
    if (!cache) {
      throw new ServiceUnavailableError(
        `Cluster "${target.cluster}" is not configured in launchpad.clusters`,
      );
    }
    const now = this.now();
    const freshness = freshnessOf(cache, now);
    if (freshness.state === 'starting' && freshness.error) {
      throw new ServiceUnavailableError(
        `Cluster "${target.cluster}" is not answering: ${freshness.error}`,
      );
    }
    const ns = target.namespace;
    const app = target.application
      ? this.application(cache, target.application)
      : undefined;
    const argocd = app
      ? {
          ...deriveArgocdStatus(app),
          application: target.application!,
          ...this.argocdUrl(target.cluster, target.application!),
        }
      : undefined;
    const autoscalers = cache
      .list('hpas', ns)
      .map(deriveAutoscalerStatus)
      .sort((a, b) => compare(a.name, b.name));
    const deployments = cache.list('deployments', ns);
    const workloads = deriveWorkloadsStatus({
      deployments,
      pods: cache.list('pods', ns),
      jobs: cache.list('jobs', ns),
    });
    const drift = this.drift(target, app, deployments, now);
    const backups = {
      ...this.backupStatus(cache, ns, now),
      cronJobs: cache
        .list('cronjobs', ns)
        .map(deriveCronJobStatus)
        .sort((a, b) => compare(a.name, b.name)),
    };
    const workflows = cache
      .list('workflows', ns)
      .map(wf => {
        const labels = wf.metadata?.labels ?? {};
        const spec = (wf.spec ?? {}) as {
          workflowTemplateRef?: { name?: string };
        };
        return {
          name: wf.metadata?.name ?? '?',
          template:
            spec.workflowTemplateRef?.name ??
            labels['workflows.argoproj.io/cluster-workflow-template'] ??
            labels['workflows.argoproj.io/workflow-template'],
          created: wf.metadata?.creationTimestamp?.toString() ?? '',
          ...deriveWorkflowStatus(wf),
        };
      })
      .sort((a, b) => b.created.localeCompare(a.created))
      .map(({ created: _created, ...run }) => run);

    return {
      entityRef: target.entityRef,
      cluster: target.cluster,
      namespace: ns,
      freshness,
      ...(argocd ? { argocd } : {}),
      autoscalers,
      workloads,
      backups,
      workflows,
      ...(drift ? { drift } : {}),
      verdict: deriveInstanceVerdict({
        argocd,
        autoscalers,
        workloads,
        backup: backups,
        cronJobs: backups.cronJobs,
      }),
      generatedAt: new Date(now).toISOString(),
    };
  }

  /**
   * One row per instance entity of the selected clusters, filtered, sorted
   * and paged here (the summary counts every selected instance).
   */
  fleet(
    entities: Entity[],
    query: {
      cluster?: string[];
      filter?: FleetFilter[];
      q?: string;
      sort?: FleetSortKey;
      order?: 'asc' | 'desc';
      offset: number;
      limit: number;
    },
  ): FleetResponse {
    const now = this.now();
    const selected = new Set(
      query.cluster?.length ? query.cluster : [...this.caches.keys()],
    );
    const rows: FleetRow[] = [];
    for (const entity of entities) {
      const target = instanceTarget(entity);
      if (!target || !selected.has(target.cluster)) continue;
      const cache = this.caches.get(target.cluster);
      if (!cache) continue;
      rows.push(this.row(cache, entity, target, now));
    }
    const summary = this.summarise(rows);
    const text = query.q?.trim().toLowerCase();
    const filtered = rows.filter(
      row =>
        (!text ||
          row.name.includes(text) ||
          (row.title ?? '').toLowerCase().includes(text) ||
          row.namespace.includes(text)) &&
        (query.filter ?? []).every(f => matches(row, f)),
    );
    const sort = query.sort ?? 'name';
    const direction = query.order === 'desc' ? -1 : 1;
    filtered.sort(
      (a, b) =>
        direction *
        (compareRows(a, b, sort) ||
          compare(a.name, b.name) ||
          compare(a.cluster, b.cluster)),
    );
    return {
      items: filtered.slice(query.offset, query.offset + query.limit),
      totalCount: filtered.length,
      offset: query.offset,
      limit: query.limit,
      summary,
      clusters: [...selected].flatMap(name => {
        const cache = this.caches.get(name);
        return cache ? [freshnessOf(cache, now)] : [];
      }),
      generatedAt: new Date(now).toISOString(),
    };
  }

  private row(
    cache: ClusterStatusCache,
    entity: Entity,
    target: InstanceTarget,
    now: number,
  ): FleetRow {
    const key = cache.version(...FLEET_ROW_KINDS);
    // A moved branch head changes every row's revision drift.
    const head = this.heads?.get(cache.name);
    const rowsKey = `${key}|${head?.sha ?? ''}`;
    let memo = this.rowsMemo.get(cache.name);
    if (!memo || memo.key !== rowsKey || now - memo.at > ROWS_MEMO_MS) {
      memo = { key: rowsKey, at: now, value: new Map() };
      this.rowsMemo.set(cache.name, memo);
    }
    const memoKey = `${target.entityRef}|${entity.metadata.etag ?? ''}|${
      target.application ?? ''
    }`;
    const cached = memo.value.get(memoKey);
    if (cached) return cached;

    const ns = target.namespace;
    const app = target.application
      ? this.application(cache, target.application)
      : undefined;
    const argocd = app ? deriveArgocdStatus(app) : undefined;
    const hpas = cache.list('hpas', ns).map(deriveAutoscalerStatus);
    const deployments = cache.list('deployments', ns);
    const workloads = deriveWorkloadsStatus({
      deployments,
      pods: cache.list('pods', ns),
      jobs: cache.list('jobs', ns),
    });
    const drift = this.drift(target, app, deployments, now);
    const backup = this.backupStatus(cache, ns, now);
    const cronJobs = cache.list('cronjobs', ns).map(deriveCronJobStatus);
    const state = cache.state();
    const row: FleetRow = {
      entityRef: target.entityRef,
      name: entity.metadata.name,
      ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
      cluster: target.cluster,
      namespace: ns,
      ...(typeof entity.spec?.owner === 'string'
        ? { owner: entity.spec.owner }
        : {}),
      ...(entity.metadata.labels?.[LABELS.release]
        ? { release: entity.metadata.labels[LABELS.release] }
        : {}),
      ...fleetRowStatus({
        argocd,
        autoscalers: hpas,
        workloads,
        backup,
        cronJobs,
      }),
      ...(drift
        ? {
            drift: {
              images: drift.images,
              revision: drift.revision,
              drifted: drift.drifted,
              ...(drift.syncedRevision
                ? { syncedRevision: drift.syncedRevision }
                : {}),
              ...(drift.headRevision
                ? { headRevision: drift.headRevision }
                : {}),
              ...(drift.revisionReason
                ? { revisionReason: drift.revisionReason }
                : {}),
            },
          }
        : {}),
      stale: state.state !== 'ok',
    };
    memo.value.set(memoKey, row);
    return row;
  }

  /**
   * The instance's drift: config.yml's images (from the entity) against its
   * Deployments, ArgoCD's revision against the cluster branch's head (cached
   * by BranchHeads, so no request waits on GitHub). Undefined for a cluster
   * that is not configured.
   */
  private drift(
    target: InstanceTarget,
    app: Slim | undefined,
    deployments: ReadonlyArray<Slim>,
    now: number,
  ): InstanceDrift | undefined {
    let repository: { repository: string; branch: string };
    try {
      const { owner, repo, branch } = this.clusters.get(
        target.cluster,
      ).repository;
      repository = { repository: `${owner}/${repo}`, branch };
    } catch {
      return undefined;
    }
    const reconciledAt = Date.parse(
      String(
        (app?.status as { reconciledAt?: string } | undefined)?.reconciledAt,
      ),
    );
    return deriveInstanceDrift({
      config: target.images ?? {},
      deployments: [...deployments],
      application: app,
      ...repository,
      head: this.heads?.get(
        target.cluster,
        Number.isNaN(reconciledAt) ? undefined : reconciledAt,
      ),
      now,
    });
  }

  private application(
    cache: ClusterStatusCache,
    name: string,
  ): Slim | undefined {
    // Applications live in ArgoCD's namespace (`argocd`), or with apps-in-any-namespace elsewhere.
    const all = cache.list('applications');
    return (
      all.find(
        a => a.metadata?.name === name && a.metadata?.namespace === 'argocd',
      ) ?? all.find(a => a.metadata?.name === name)
    );
  }

  private argocdUrl(cluster: string, application: string): { url?: string } {
    try {
      const client = this.clusters.get(cluster).argocd;
      return client
        ? {
            url: `${client.uiUrl.replace(
              /\/$/,
              '',
            )}/applications/${encodeURIComponent(application)}`,
          }
        : {};
    } catch {
      return {};
    }
  }

  private backupStatus(
    cache: ClusterStatusCache,
    namespace: string,
    now: number,
  ): BackupDerivedStatus {
    const key = cache.version('schedules', 'backups');
    let memo = this.backupMemo.get(cache.name);
    if (!memo || memo.key !== key || now - memo.at > BACKUP_MEMO_MS) {
      memo = { key, at: now, value: new Map() };
      this.backupMemo.set(cache.name, memo);
      this.groupsMemo.set(cache.name, backupGroups(cache.list('backups')));
    }
    const cached = memo.value.get(namespace);
    if (cached) return cached;
    const groups = this.groupsMemo.get(cache.name) ?? [];
    const status = deriveBackupStatus({
      namespace,
      schedules: [...cache.list('schedules')],
      backups: groups
        .filter(g => backupCoversNamespace(g.sample, namespace))
        .flatMap(g => g.backups),
      now,
    });
    memo.value.set(namespace, status);
    return status;
  }

  private readonly groupsMemo = new Map<
    string,
    Array<{ sample: Slim; backups: Slim[] }>
  >();

  private summarise(rows: FleetRow[]): FleetSummary {
    const byVerdict: Record<StatusVerdict, number> = {
      ok: 0,
      progressing: 0,
      warning: 0,
      error: 0,
      unknown: 0,
    };
    const summary: FleetSummary = {
      total: rows.length,
      outOfSync: 0,
      degraded: 0,
      atMax: 0,
      crashLooping: 0,
      backupOverdue: 0,
      drifted: 0,
      byVerdict,
    };
    for (const row of rows) {
      byVerdict[row.verdict]++;
      if (matches(row, 'out-of-sync')) summary.outOfSync++;
      if (matches(row, 'degraded')) summary.degraded++;
      if (matches(row, 'at-max')) summary.atMax++;
      if (matches(row, 'crash-looping')) summary.crashLooping++;
      if (matches(row, 'backup-overdue')) summary.backupOverdue++;
      if (matches(row, 'drifted')) summary.drifted++;
    }
    return summary;
  }
}

function matches(row: FleetRow, filter: FleetFilter): boolean {
  switch (filter) {
    case 'out-of-sync':
      return row.sync === 'OutOfSync';
    case 'degraded':
      return row.health === 'Degraded' || row.health === 'Missing';
    case 'at-max':
      return row.replicas.atMax;
    case 'crash-looping':
      return row.workloads.crashLooping > 0;
    case 'backup-overdue':
      return row.backup === 'overdue' || row.backup === 'failing';
    case 'progressing':
      return row.verdict === 'progressing';
    case 'error':
      return row.verdict === 'error';
    case 'drifted':
      return row.drift?.drifted === true;
    default:
      return true;
  }
}

function compareRows(a: FleetRow, b: FleetRow, key: FleetSortKey): number {
  switch (key) {
    case 'cluster':
      return compare(a.cluster, b.cluster);
    case 'sync':
      return compare(a.sync, b.sync);
    case 'health':
      return compare(a.health, b.health);
    case 'replicas':
      return compare(a.replicas.current, b.replicas.current);
    case 'workloads':
      return compare(
        a.workloads.ready - a.workloads.desired,
        b.workloads.ready - b.workloads.desired,
      );
    case 'backup':
      return compare(BACKUP_RANK[a.backup], BACKUP_RANK[b.backup]);
    case 'release':
      return compare(a.release, b.release);
    case 'verdict':
      return compare(VERDICT_RANK[a.verdict], VERDICT_RANK[b.verdict]);
    case 'drift':
      return compare(
        a.drift?.drifted ? 0 : DRIFT_RANK[a.drift?.images ?? 'unknown'],
        b.drift?.drifted ? 0 : DRIFT_RANK[b.drift?.images ?? 'unknown'],
      );
    default:
      return compare(a.name, b.name);
  }
}
