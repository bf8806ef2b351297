import type { DatabaseService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { migratedClient } from '../database';

const WORKFLOWS = 'launchpad_workflow_runs';
const TRANSITIONS = 'launchpad_argocd_transitions';

export interface WorkflowRunRecord {
  uid: string;
  cluster: string;
  namespace: string;
  name: string;
  template?: string;
  phase: string;
  startedAt?: string;
  finishedAt?: string;
  failedStep?: string;
  message?: string;
  /** Waits for `argo resume` or an approval (deriveWorkflowStatus). */
  suspended?: boolean;
  /** Its node status is in Argo's database: no failed step can be named. */
  nodesOffloaded?: boolean;
}

export interface ArgocdState {
  sync: string;
  health: string;
  revision?: string;
}

export interface ArgocdTransitionRecord {
  cluster: string;
  /** The instance namespace (the Application's destination). */
  namespace: string;
  application: string;
  appUid: string;
  resourceVersion: string;
  from?: ArgocdState;
  to: ArgocdState;
  message?: string;
  at: number;
}

/**
 * The history tables (migrations/): idempotent writes keyed by what the
 * cluster says, so replicas sharing one database record each fact once —
 * a Workflow by its uid (later phases overwrite earlier ones), a transition
 * by the Application's uid and the resourceVersion it was seen at.
 */
export class HistoryStore {
  static async create(database: DatabaseService): Promise<HistoryStore> {
    return new HistoryStore(await migratedClient(database));
  }

  private constructor(private readonly knex: Knex) {}

  async upsertWorkflowRuns(
    runs: WorkflowRunRecord[],
    now = Date.now(),
  ): Promise<void> {
    if (runs.length === 0) return;
    const rows = runs.map(r => ({
      uid: r.uid,
      cluster: r.cluster,
      namespace: r.namespace,
      name: r.name,
      template: r.template ?? null,
      phase: r.phase,
      started_at: r.startedAt ?? null,
      finished_at: r.finishedAt ?? null,
      failed_step: r.failedStep?.slice(0, 255) ?? null,
      message: r.message ?? null,
      suspended: r.suspended ?? false,
      nodes_offloaded: r.nodesOffloaded ?? false,
      updated_at: now,
    }));
    // Chunks keep SQLite under its bound-variable limit.
    for (let i = 0; i < rows.length; i += 50) {
      await this.knex(WORKFLOWS)
        .insert(rows.slice(i, i + 50))
        .onConflict('uid')
        .merge([
          'phase',
          'started_at',
          'finished_at',
          'failed_step',
          'message',
          'suspended',
          'nodes_offloaded',
          'updated_at',
        ]);
    }
  }

  /** Records a transition once (a second replica's identical write is ignored). */
  async addTransition(t: ArgocdTransitionRecord): Promise<void> {
    await this.knex(TRANSITIONS)
      .insert({
        cluster: t.cluster,
        namespace: t.namespace,
        application: t.application,
        app_uid: t.appUid,
        resource_version: t.resourceVersion,
        sync_from: t.from?.sync ?? null,
        sync_to: t.to.sync,
        health_from: t.from?.health ?? null,
        health_to: t.to.health,
        revision: t.to.revision ?? null,
        message: t.message ?? null,
        at: t.at,
      })
      .onConflict(['app_uid', 'resource_version'])
      .ignore();
  }

  /** The last recorded state of every Application of a cluster, by uid. */
  async lastStates(cluster: string): Promise<Map<string, ArgocdState>> {
    const latest = this.knex(TRANSITIONS)
      .max('id as id')
      .where({ cluster })
      .groupBy('app_uid');
    const rows: Array<{
      app_uid: string;
      sync_to: string;
      health_to: string;
      revision: string | null;
    }> = await this.knex(TRANSITIONS)
      .select('app_uid', 'sync_to', 'health_to', 'revision')
      .whereIn('id', latest);
    return new Map(
      rows.map(r => [
        r.app_uid,
        {
          sync: r.sync_to,
          health: r.health_to,
          revision: r.revision ?? undefined,
        },
      ]),
    );
  }

  async workflowRuns(
    cluster: string,
    namespace: string,
    limit = 100,
  ): Promise<WorkflowRunRecord[]> {
    const rows = await this.knex(WORKFLOWS)
      .where({ cluster, namespace })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'name', order: 'asc' },
      ])
      .limit(limit);
    return rows.map(r => ({
      uid: r.uid,
      cluster: r.cluster,
      namespace: r.namespace,
      name: r.name,
      template: r.template ?? undefined,
      phase: r.phase,
      startedAt: r.started_at ?? undefined,
      finishedAt: r.finished_at ?? undefined,
      failedStep: r.failed_step ?? undefined,
      message: r.message ?? undefined,
      // SQLite answers 0/1, PostgreSQL false/true.
      suspended: Boolean(r.suspended),
      nodesOffloaded: Boolean(r.nodes_offloaded),
    }));
  }

  async transitions(
    cluster: string,
    application: string,
    limit = 100,
  ): Promise<ArgocdTransitionRecord[]> {
    const rows = await this.knex(TRANSITIONS)
      .where({ cluster, application })
      .orderBy('id', 'desc')
      .limit(limit);
    return rows.map(r => ({
      cluster: r.cluster,
      namespace: r.namespace,
      application: r.application,
      appUid: r.app_uid,
      resourceVersion: r.resource_version,
      from:
        r.sync_from !== null && r.health_from !== null
          ? { sync: r.sync_from, health: r.health_from }
          : undefined,
      to: {
        sync: r.sync_to,
        health: r.health_to,
        revision: r.revision ?? undefined,
      },
      message: r.message ?? undefined,
      at: Number(r.at),
    }));
  }

  /** Deletes what is older than the retention; returns the rows removed. */
  async prune(olderThan: number): Promise<number> {
    const transitions = await this.knex(TRANSITIONS)
      .where('at', '<', olderThan)
      .delete();
    const runs = await this.knex(WORKFLOWS)
      .where('updated_at', '<', olderThan)
      .delete();
    return transitions + runs;
  }
}
