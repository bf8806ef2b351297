import type { Knex } from 'knex';

const BUILDS = 'launchpad_build_runs';

/** One Picasso build.yml run of an instance, as GitHub lists it. */
export interface BuildRunRecord {
  runId: number;
  cluster: string;
  /** Instance slug, from the run-name title. */
  instance: string;
  service: string;
  /** queued, in_progress, completed, waiting, … */
  status: string;
  conclusion?: string;
  /** `run_started_at` (else `created_at`), ISO 8601. */
  startedAt: string;
  updatedAt: string;
  /** The run's `updated_at` once completed (GitHub gives no completed_at on runs). */
  finishedAt?: string;
  durationSeconds?: number;
  image?: string;
  url: string;
  headSha: string;
}

/** What is stored about a run, to tell whether a listing changed it. */
export interface StoredBuildState {
  status: string;
  conclusion?: string;
  updatedAt: string;
  image?: string;
}

/**
 * The `launchpad_build_runs` table (migrations/20261215120000_build_runs.js),
 * migrated by {@link HistoryStore.create}. Every write is an upsert by
 * GitHub's run id: a second poller (another replica, a restart that lost the
 * ETags) rewrites the same row; a found image is never overwritten by a
 * listing, which knows none.
 */
export class BuildRunsStore {
  constructor(private readonly knex: Knex) {}

  async upsert(runs: BuildRunRecord[], now = Date.now()): Promise<void> {
    const rows = runs.map(r => ({
      run_id: r.runId,
      cluster: r.cluster,
      instance: r.instance,
      service: r.service,
      status: r.status,
      conclusion: r.conclusion ?? null,
      started_at: r.startedAt,
      updated_at: r.updatedAt,
      finished_at: r.finishedAt ?? null,
      duration_seconds: r.durationSeconds ?? null,
      image: r.image ?? null,
      url: r.url,
      head_sha: r.headSha,
      recorded_at: now,
    }));
    // Chunks keep SQLite under its bound-variable limit (14 columns).
    for (let i = 0; i < rows.length; i += 50) {
      await this.knex(BUILDS)
        .insert(rows.slice(i, i + 50))
        .onConflict('run_id')
        .merge([
          'status',
          'conclusion',
          'started_at',
          'updated_at',
          'finished_at',
          'duration_seconds',
          'recorded_at',
        ]);
    }
  }

  async setImage(runId: number, image: string): Promise<void> {
    await this.knex(BUILDS).where({ run_id: runId }).update({ image });
  }

  /** The stored state of those of `runIds` already recorded. */
  async states(runIds: number[]): Promise<Map<number, StoredBuildState>> {
    const out = new Map<number, StoredBuildState>();
    for (let i = 0; i < runIds.length; i += 500) {
      const rows: Array<{
        run_id: number | string;
        status: string;
        conclusion: string | null;
        updated_at: string;
        image: string | null;
      }> = await this.knex(BUILDS)
        .select('run_id', 'status', 'conclusion', 'updated_at', 'image')
        .whereIn('run_id', runIds.slice(i, i + 500));
      for (const r of rows) {
        out.set(Number(r.run_id), {
          status: r.status,
          conclusion: r.conclusion ?? undefined,
          updatedAt: r.updated_at,
          image: r.image ?? undefined,
        });
      }
    }
    return out;
  }

  async runs(
    cluster: string,
    instance: string,
    limit = 100,
  ): Promise<BuildRunRecord[]> {
    const rows = await this.knex(BUILDS)
      .where({ cluster, instance })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'run_id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(r => ({
      // PostgreSQL returns bigint columns as strings.
      runId: Number(r.run_id),
      cluster: r.cluster,
      instance: r.instance,
      service: r.service,
      status: r.status,
      conclusion: r.conclusion ?? undefined,
      startedAt: r.started_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at ?? undefined,
      durationSeconds:
        r.duration_seconds === null ? undefined : Number(r.duration_seconds),
      image: r.image ?? undefined,
      url: r.url,
      headSha: r.head_sha,
    }));
  }

  /** Deletes rows last written before `olderThan` (ms); returns how many. */
  async prune(olderThan: number): Promise<number> {
    return this.knex(BUILDS).where('recorded_at', '<', olderThan).delete();
  }
}
