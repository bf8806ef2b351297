import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import { deriveArgocdStatus } from '@internal/plugin-launchpad-common';
import { CoalescedPasses } from '../status/CoalescedPasses';
import type { ClusterStatusCache } from '../status/ClusterStatusCache';
import type { Slim } from '../status/kinds';
import { instanceTarget, type StatusService } from '../status/StatusService';
import {
  NotificationStore,
  type FailedBuild,
  type InstanceState,
  type InstanceTransition,
  type TransitionKind,
} from './NotificationStore';
import { buildPayload, ownerRef, transitionPayload } from './payloads';

/** Changes are gathered this long before one pass evaluates a cluster. */
const COALESCE_MS = 1_000;
/** Unsent transitions and failed builds older than this are history, not news. */
const NEWS_MS = 24 * 3600_000;

const PROBLEM_BACKUPS = ['overdue', 'failing'];

/** Which changes are worth telling the owner about. */
const WORTH: Record<TransitionKind, (from: string, to: string) => boolean> = {
  health: (from, to) => to === 'Degraded' && from !== 'Degraded',
  backup: (from, to) =>
    PROBLEM_BACKUPS.includes(to) && !PROBLEM_BACKUPS.includes(from),
};

interface Sighting {
  cluster: string;
  namespace: string;
  kind: TransitionKind;
  to: string;
  detail?: string;
  observedAt: number;
}

/**
 * Tells an instance's owner group when the instance turns Degraded, its
 * backups become overdue or failing, or a Picasso build fails.
 *
 * Runs on every replica. Each replica evaluates a cluster when its cache
 * changes (applications, schedules, backups) and on the scheduled check
 * (overdue comes with time passing, not with a change); a new state is
 * written as the next position of the instance's chain, which one replica
 * wins, and a transition is sent by the one replica whose claim changes its
 * row (NotificationStore). The first state recorded for an instance is not
 * sent (nobody saw it change); after a restart the chain's last state is the
 * comparison, so a restart sends nothing and a change while every replica was
 * down is sent once. Clusters whose cache is not `ok` are not evaluated: a
 * starting or stale cache is not a sighting.
 */
export class InstanceNotifier {
  private known?: Map<string, InstanceState>;
  private readonly passes = new CoalescedPasses(COALESCE_MS, cluster =>
    this.pass(cluster).catch(error =>
      this.options.logger.warn(
        `Could not evaluate notifications of cluster ${cluster}: ${String(
          error,
        )}`,
      ),
    ),
  );
  private readonly unsubscribes: Array<() => void> = [];
  private buildsTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly options: {
      caches: Map<string, ClusterStatusCache>;
      status: StatusService;
      entities: { list(): Promise<Entity[]> };
      store: NotificationStore;
      notifications: NotificationService;
      logger: LoggerService;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  start(): void {
    for (const [cluster, cache] of this.options.caches) {
      this.unsubscribes.push(
        cache.onChange(kind => {
          if (
            kind === 'applications' ||
            kind === 'schedules' ||
            kind === 'backups'
          ) {
            this.schedule(cluster);
          }
        }),
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    if (this.buildsTimer) clearTimeout(this.buildsTimer);
    await this.passes.stop();
  }

  /** The scheduled check: every cluster, then failed builds and unsent transitions. */
  async check(): Promise<void> {
    for (const cluster of this.options.caches.keys()) {
      await this.evaluate(cluster);
    }
    await this.sendFailedBuilds();
    await this.retryUnsent();
  }

  /** Evaluates one cluster now (tests; the scheduled check). One pass per cluster at a time. */
  async evaluate(cluster: string): Promise<void> {
    await this.passes.run(cluster);
  }

  /** Announces failed Picasso builds not claimed yet (after each build poll, and on the check). */
  async sendFailedBuilds(): Promise<void> {
    const builds = await this.options.store.unclaimedFailedBuilds();
    if (builds.length === 0) return;
    const entities = await this.options.entities.list();
    for (const build of builds) {
      const now = this.now();
      const finished = Date.parse(build.finishedAt ?? '');
      if (Number.isFinite(finished) && now - finished > NEWS_MS) {
        // First listing of an old failure (a fresh database): history only.
        await this.options.store.claimBuild(build.runId, 'skipped', now);
        continue;
      }
      if (!(await this.options.store.claimBuild(build.runId, 'sending', now)))
        continue;
      const entity = findInstance(entities, build.cluster, build.instance);
      const sent = await this.deliver(entity, e => buildPayload(e, build), {
        what: `build ${build.runId}`,
        build,
      });
      await this.options.store.finishBuild(
        build.runId,
        sent === 'failed' ? null : sent,
      );
    }
  }

  /** Build runs were written: failed ones are looked for once the poll's burst is over. */
  buildsRecorded(): void {
    if (this.stopped || this.buildsTimer) return;
    this.buildsTimer = setTimeout(() => {
      this.buildsTimer = undefined;
      this.sendFailedBuilds().catch(error =>
        this.options.logger.warn(
          `Could not notify failed builds: ${String(error)}`,
        ),
      );
    }, COALESCE_MS);
  }

  private schedule(cluster: string) {
    if (!this.stopped) this.passes.schedule(cluster);
  }

  private async pass(cluster: string): Promise<void> {
    const cache = this.options.caches.get(cluster);
    if (!cache || cache.state().state !== 'ok') return;
    this.known ??= await this.options.store.lastStates();
    const entities = await this.options.entities.list();
    const apps = new Map<string, Slim>();
    for (const app of cache.list('applications')) {
      const name = app.metadata?.name;
      // ArgoCD's own namespace first, as StatusService picks it.
      if (name && (!apps.has(name) || app.metadata?.namespace === 'argocd'))
        apps.set(name, app);
    }
    for (const entity of entities) {
      const target = instanceTarget(entity);
      if (!target || target.cluster !== cluster) continue;
      const app = target.application ? apps.get(target.application) : undefined;
      if (app) {
        const derived = deriveArgocdStatus(app);
        await this.sighted(entities, {
          cluster,
          namespace: target.namespace,
          kind: 'health',
          to: derived.health,
          detail: healthMessage(app),
          observedAt: observedAt(app) ?? this.now(),
        });
      }
      const backup = this.options.status.backupOf(cluster, target.namespace);
      if (backup) {
        await this.sighted(entities, {
          cluster,
          namespace: target.namespace,
          kind: 'backup',
          to: backup.verdict,
          detail: backup.problems[0]?.message,
          observedAt: this.now(),
        });
      }
    }
  }

  private async sighted(entities: Entity[], s: Sighting): Promise<void> {
    const key = NotificationStore.key(s.cluster, s.namespace, s.kind);
    // Unchanged for this replica: no database round trip.
    if (this.known?.get(key)?.state === s.to) return;
    const { written, last } = await this.options.store.record(
      s,
      from => WORTH[s.kind](from, s.to),
      this.now(),
    );
    if (last) this.known?.set(key, last);
    if (written?.notifyState === 'pending') {
      await this.sendTransition(entities, written);
    }
  }

  private async sendTransition(
    entities: Entity[],
    t: InstanceTransition,
  ): Promise<void> {
    if (!(await this.options.store.claimTransition(t.id, this.now()))) return;
    const entity = entities.find(e => {
      const target = instanceTarget(e);
      return target?.cluster === t.cluster && target.namespace === t.namespace;
    });
    const sent = await this.deliver(entity, e => transitionPayload(e, t), {
      what: `${t.kind} ${t.from} → ${t.to} of ${t.cluster}/${t.namespace}`,
    });
    await this.options.store.finishTransition(
      t.id,
      sent === 'failed' ? 'pending' : sent,
    );
  }

  private async retryUnsent(): Promise<void> {
    const now = this.now();
    const unsent = await this.options.store.unsentTransitions(
      now - NEWS_MS,
      now,
    );
    if (unsent.length === 0) return;
    const entities = await this.options.entities.list();
    for (const t of unsent) await this.sendTransition(entities, t);
  }

  private async deliver(
    entity: Entity | undefined,
    payload: (entity: Entity) => ReturnType<typeof transitionPayload>,
    context: { what: string; build?: FailedBuild },
  ): Promise<'sent' | 'skipped' | 'failed'> {
    const owner = entity && ownerRef(entity);
    if (!entity || !owner) {
      this.options.logger.debug(
        `Not notifying ${context.what}: no instance entity with an owner`,
      );
      return 'skipped';
    }
    try {
      // An entity recipient that is a Group reaches its members (and its
      // child groups' members): plugins/notifications-backend
      // DefaultNotificationRecipientResolver.
      await this.options.notifications.send({
        recipients: { type: 'entity', entityRef: owner },
        payload: payload(entity),
      });
      this.options.logger.info(`Notified ${owner} of ${context.what}`);
      return 'sent';
    } catch (error) {
      this.options.logger.warn(
        `Could not notify ${owner} of ${context.what}, will retry: ${String(
          error,
        )}`,
      );
      return 'failed';
    }
  }
}

function findInstance(
  entities: Entity[],
  cluster: string,
  slug: string,
): Entity | undefined {
  return entities.find(e => {
    const target = instanceTarget(e);
    return (
      target?.cluster === cluster &&
      (target.namespace === slug || e.metadata.name === slug)
    );
  });
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null ? (v as Json) : {};

function healthMessage(app: Slim): string | undefined {
  const message = obj(obj(app.status).health).message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}

/** When ArgoCD last looked (`status.reconciledAt`), the cluster's clock, as the history uses it. */
function observedAt(app: Slim): number | undefined {
  const status = obj(app.status);
  for (const value of [
    status.reconciledAt,
    obj(status.operationState).finishedAt,
  ]) {
    const at = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}
