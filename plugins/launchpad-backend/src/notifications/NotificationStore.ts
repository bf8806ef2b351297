import type { DatabaseService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { migratedClient } from '../database';

const TRANSITIONS = 'launchpad_instance_transitions';
const BUILDS = 'launchpad_build_runs';

/** The watched states of an instance that can notify. */
export type TransitionKind = 'health' | 'backup';

export interface InstanceState {
  state: string;
  /** When it was seen (ms): a sighting older than the recorded one is stale. */
  observedAt: number;
  seq: number;
}

export interface InstanceTransition {
  id: number;
  cluster: string;
  namespace: string;
  kind: TransitionKind;
  seq: number;
  from?: string;
  to: string;
  detail?: string;
  observedAt: number;
  notifyState?: string;
}

/** A failed Picasso build run still to be announced. */
export interface FailedBuild {
  runId: number;
  cluster: string;
  instance: string;
  service: string;
  conclusion: string;
  finishedAt?: string;
  url: string;
}

/** Conclusions of a run that went wrong (docs.github.com/en/rest/actions/workflow-runs); `cancelled` was someone's choice. */
export const FAILED_CONCLUSIONS = ['failure', 'timed_out', 'startup_failure'];

/** A claim taken but never finished (the replica died while sending) is free again after this. */
const SENDING_EXPIRY_MS = 5 * 60_000;

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  // PostgreSQL unique_violation; better-sqlite3's constraint codes.
  return (
    e?.code === '23505' ||
    (typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT')) ||
    (typeof e?.message === 'string' && /UNIQUE constraint/.test(e.message))
  );
}

const key = (cluster: string, namespace: string, kind: string) =>
  `${cluster}\u0000${namespace}\u0000${kind}`;

/**
 * The transition chains and the send claims (migrations/20261220120000_notifications.js).
 * Every decision that must be taken once across replicas is one statement
 * whose outcome the database decides: an insert at the next chain position,
 * an update of `notify_state` that changes one row or none.
 */
export class NotificationStore {
  static async create(database: DatabaseService): Promise<NotificationStore> {
    return new NotificationStore(await migratedClient(database));
  }

  constructor(private readonly knex: Knex) {}

  static key = key;

  /** The last recorded state of every chain, by {@link NotificationStore.key}. */
  async lastStates(): Promise<Map<string, InstanceState>> {
    const latest = this.knex(TRANSITIONS)
      .select('cluster', 'namespace', 'kind')
      .max('seq as seq')
      .groupBy('cluster', 'namespace', 'kind')
      .as('latest');
    const rows: Array<{
      cluster: string;
      namespace: string;
      kind: string;
      seq: number;
      to_state: string;
      observed_at: number | string;
    }> = await this.knex(TRANSITIONS)
      .join(latest, join =>
        join
          .on(`${TRANSITIONS}.cluster`, 'latest.cluster')
          .andOn(`${TRANSITIONS}.namespace`, 'latest.namespace')
          .andOn(`${TRANSITIONS}.kind`, 'latest.kind')
          .andOn(`${TRANSITIONS}.seq`, 'latest.seq'),
      )
      .select(
        `${TRANSITIONS}.cluster`,
        `${TRANSITIONS}.namespace`,
        `${TRANSITIONS}.kind`,
        `${TRANSITIONS}.seq`,
        `${TRANSITIONS}.to_state`,
        `${TRANSITIONS}.observed_at`,
      );
    return new Map(
      rows.map(r => [
        key(r.cluster, r.namespace, r.kind),
        {
          state: r.to_state,
          observedAt: Number(r.observed_at),
          seq: Number(r.seq),
        },
      ]),
    );
  }

  private async last(
    cluster: string,
    namespace: string,
    kind: TransitionKind,
  ): Promise<InstanceState | undefined> {
    const row = await this.knex(TRANSITIONS)
      .where({ cluster, namespace, kind })
      .orderBy('seq', 'desc')
      .first('seq', 'to_state', 'observed_at');
    return row
      ? {
          state: row.to_state,
          observedAt: Number(row.observed_at),
          seq: Number(row.seq),
        }
      : undefined;
  }

  /**
   * Records that `to` was seen at `observedAt`, unless it is already the
   * last recorded state or an older sighting than the last one (a replica
   * whose watch lags). `notify(from)` says whether the change is worth
   * sending; the first state of a chain never is (nobody saw a change).
   * Returns the written row, or `last` (what the database holds) when
   * this writer lost or had nothing to write.
   */
  async record(
    t: {
      cluster: string;
      namespace: string;
      kind: TransitionKind;
      to: string;
      detail?: string;
      observedAt: number;
    },
    notify: (from: string) => boolean,
    now = Date.now(),
  ): Promise<{ written?: InstanceTransition; last?: InstanceState }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const last = await this.last(t.cluster, t.namespace, t.kind);
      if (last && (last.state === t.to || last.observedAt > t.observedAt)) {
        return { last };
      }
      const row = {
        cluster: t.cluster,
        namespace: t.namespace,
        kind: t.kind,
        seq: (last?.seq ?? 0) + 1,
        from_state: last?.state ?? null,
        to_state: t.to,
        detail: t.detail?.slice(0, 1000) ?? null,
        observed_at: t.observedAt,
        recorded_at: now,
        notify_state: last && notify(last.state) ? 'pending' : null,
      };
      try {
        const [inserted] = await this.knex(TRANSITIONS)
          .insert(row)
          .returning('id');
        const id =
          typeof inserted === 'object' ? Number(inserted.id) : Number(inserted);
        return {
          written: {
            id,
            cluster: t.cluster,
            namespace: t.namespace,
            kind: t.kind,
            seq: row.seq,
            from: last?.state,
            to: t.to,
            detail: row.detail ?? undefined,
            observedAt: t.observedAt,
            notifyState: row.notify_state ?? undefined,
          },
          last: { state: t.to, observedAt: t.observedAt, seq: row.seq },
        };
      } catch (error) {
        // Another replica wrote this position first: look again.
        if (!isUniqueViolation(error)) throw error;
      }
    }
    return { last: await this.last(t.cluster, t.namespace, t.kind) };
  }

  /** Takes the send claim of a transition; true for exactly one caller. */
  async claimTransition(id: number, now = Date.now()): Promise<boolean> {
    const changed = await this.knex(TRANSITIONS)
      .where({ id })
      .andWhere(q =>
        q
          .where('notify_state', 'pending')
          .orWhere(s =>
            s
              .where('notify_state', 'sending')
              .andWhere('notified_at', '<', now - SENDING_EXPIRY_MS),
          ),
      )
      .update({ notify_state: 'sending', notified_at: now });
    return changed === 1;
  }

  /** After a claim: `sent`, `skipped` (nobody to tell), or back to `pending` to be retried. */
  async finishTransition(
    id: number,
    state: 'sent' | 'skipped' | 'pending',
    now = Date.now(),
  ): Promise<void> {
    await this.knex(TRANSITIONS)
      .where({ id, notify_state: 'sending' })
      .update({ notify_state: state, notified_at: now });
  }

  /** Transitions still to send (a failed send, a claim whose replica died), recorded after `since`. */
  async unsentTransitions(
    since: number,
    now = Date.now(),
  ): Promise<InstanceTransition[]> {
    const rows = await this.knex(TRANSITIONS)
      .where('recorded_at', '>=', since)
      .andWhere(q =>
        q
          .where('notify_state', 'pending')
          .orWhere(s =>
            s
              .where('notify_state', 'sending')
              .andWhere('notified_at', '<', now - SENDING_EXPIRY_MS),
          ),
      )
      .orderBy('id')
      .limit(100);
    return rows.map(r => ({
      id: Number(r.id),
      cluster: r.cluster,
      namespace: r.namespace,
      kind: r.kind,
      seq: Number(r.seq),
      from: r.from_state ?? undefined,
      to: r.to_state,
      detail: r.detail ?? undefined,
      observedAt: Number(r.observed_at),
      notifyState: r.notify_state ?? undefined,
    }));
  }

  /** Completed failed build runs nobody has claimed yet. */
  async unclaimedFailedBuilds(): Promise<FailedBuild[]> {
    const rows = await this.knex(BUILDS)
      .where({ status: 'completed' })
      .whereIn('conclusion', FAILED_CONCLUSIONS)
      .andWhere(q => this.claimable(q, Date.now()))
      .orderBy('run_id')
      .limit(100);
    return rows.map(r => ({
      runId: Number(r.run_id),
      cluster: r.cluster,
      instance: r.instance,
      service: r.service,
      conclusion: r.conclusion,
      finishedAt: r.finished_at ?? undefined,
      url: r.url,
    }));
  }

  /** Claims a build run for sending (or, with `skipped`, for never sending); true for exactly one caller. */
  async claimBuild(
    runId: number,
    state: 'sending' | 'skipped' = 'sending',
    now = Date.now(),
  ): Promise<boolean> {
    const changed = await this.knex(BUILDS)
      .where({ run_id: runId })
      .andWhere(q => this.claimable(q, now))
      .update({ notify_state: state, notified_at: now });
    return changed === 1;
  }

  /** Never claimed, or claimed by a replica that died while sending. */
  private claimable(q: Knex.QueryBuilder, now: number) {
    return q
      .whereNull('notify_state')
      .orWhere(s =>
        s
          .where('notify_state', 'sending')
          .andWhere('notified_at', '<', now - SENDING_EXPIRY_MS),
      );
  }

  /** After a build claim: `sent`/`skipped`, or released (null) to be retried. */
  async finishBuild(
    runId: number,
    state: 'sent' | 'skipped' | null,
    now = Date.now(),
  ): Promise<void> {
    await this.knex(BUILDS)
      .where({ run_id: runId, notify_state: 'sending' })
      .update({ notify_state: state, notified_at: state ? now : null });
  }

  /** Deletes chain rows older than `olderThan`, keeping each chain's last row (the state a restart compares with). */
  async prune(olderThan: number): Promise<number> {
    const latest = this.knex(TRANSITIONS)
      .max('id')
      .groupBy('cluster', 'namespace', 'kind');
    return this.knex(TRANSITIONS)
      .where('recorded_at', '<', olderThan)
      .whereNotIn('id', latest)
      .delete();
  }
}
