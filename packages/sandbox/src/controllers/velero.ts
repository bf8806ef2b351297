import { createHash } from 'node:crypto';
import type { ClockTimer, SandboxClock } from '../clock';
import type { KubeStore } from '../kube/store';
import { resource } from '../kube/resources';
import { kubeTime, type KubeObject } from '../kube/types';
import { cronOccurrences } from './cron';

export const SCHEDULES = resource('velero.io', 'schedules');
export const BACKUPS = resource('velero.io', 'backups');
export const VELERO_NAMESPACE = 'velero';
/** Annotation on a Schedule: backups that start after this time fail (simulates a broken storage location). */
export const FAIL_AFTER_ANNOTATION = 'sandbox.launchpad.openedx.org/fail-after';

const TICK_MS = 30_000;
const START_DELAY_MS = 2_000;
const DEFAULT_TTL = '720h0m0s';

function durationMs(text: string | undefined): number {
  let total = 0;
  for (const m of (text ?? '').matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) {
    total +=
      Number(m[1]) *
      { h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'h' | 'm' | 's'];
  }
  return total;
}

/** Velero names scheduled backups `<schedule>-<UTC yyyyMMddHHmmss>`. */
export function backupName(schedule: string, at: Date): string {
  return `${schedule}-${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

type Outcome = 'Completed' | 'PartiallyFailed' | 'Failed';

interface ScheduleSpec {
  schedule: string;
  paused?: boolean;
  template: {
    ttl?: string;
    includedNamespaces?: string[];
    storageLocation?: string;
    [k: string]: unknown;
  };
}

/**
 * Velero's schedule and backup controllers on the simulated clock: each
 * Schedule in `velero` produces a Backup at every cron fire time (catching up
 * after a clock jump), backups go New → InProgress → Completed (a
 * deterministic few PartiallyFailed / Failed), expired ones are collected.
 */
export class VeleroController {
  private readonly lastChecked = new Map<string, number>();
  private readonly pending = new Map<
    string,
    { start: number; outcome: Outcome }
  >();
  private timer?: ClockTimer;
  private stopped = false;

  constructor(
    private readonly store: KubeStore,
    private readonly clock: SandboxClock,
    private readonly options: {
      backupDurationMs?: number;
      backfillMs?: number;
    } = {},
  ) {}

  /** Starts ticking; schedules present now are backfilled over `backfillMs` of history. */
  start() {
    const now = this.clock.nowMs();
    for (const schedule of this.store.list(SCHEDULES, {
      namespace: VELERO_NAMESPACE,
    })) {
      this.lastChecked.set(
        schedule.metadata.name!,
        now - (this.options.backfillMs ?? 0),
      );
    }
    this.tick();
  }

  stop() {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One pass; re-armed relative to the clock so a big jump costs one catch-up pass. */
  tick() {
    if (this.stopped) return;
    this.timer?.cancel();
    const now = this.clock.nowMs();
    for (const schedule of this.store.list(SCHEDULES, {
      namespace: VELERO_NAMESPACE,
    })) {
      this.runSchedule(schedule, now);
    }
    this.progressPending(now);
    this.collectExpired(now);
    this.timer = this.clock.after(TICK_MS, () => this.tick());
  }

  private get backupDuration() {
    return this.options.backupDurationMs ?? 120_000;
  }

  private runSchedule(schedule: KubeObject, now: number) {
    const name = schedule.metadata.name!;
    const spec = schedule.spec as ScheduleSpec;
    const created = Date.parse(schedule.metadata.creationTimestamp ?? '');
    const after =
      this.lastChecked.get(name) ?? (Number.isNaN(created) ? now : created);
    this.lastChecked.set(name, now);
    if (spec.paused) return;
    let fireTimes: Date[];
    try {
      fireTimes = cronOccurrences(spec.schedule, after, now, 24);
    } catch (e) {
      this.store.update(SCHEDULES, VELERO_NAMESPACE, name, obj => {
        obj.status = {
          phase: 'FailedValidation',
          validationErrors: [`invalid schedule: ${(e as Error).message}`],
        };
      });
      return;
    }
    for (const at of fireTimes) this.createBackup(schedule, at, now);
    this.store.update(SCHEDULES, VELERO_NAMESPACE, name, obj => {
      const status = (obj.status ?? {}) as Record<string, unknown>;
      obj.status = {
        ...status,
        phase: 'Enabled',
        ...(fireTimes.length
          ? { lastBackup: kubeTime(fireTimes[fireTimes.length - 1]) }
          : {}),
      };
    });
  }

  private outcome(schedule: KubeObject, at: Date): Outcome {
    const failAfter = schedule.metadata.annotations?.[FAIL_AFTER_ANNOTATION];
    if (failAfter && at.getTime() > Date.parse(failAfter)) return 'Failed';
    // Deterministic by the hour it starts: the 13:00 UTC backup is always
    // PartiallyFailed (one a day for hourly schedules), one hour in 97 fails.
    const hour = Math.floor(at.getTime() / 3_600_000);
    if (hour % 97 === 0) return 'Failed';
    if (hour % 24 === 13) return 'PartiallyFailed';
    return 'Completed';
  }

  private createBackup(schedule: KubeObject, at: Date, now: number) {
    const spec = schedule.spec as ScheduleSpec;
    const name = backupName(schedule.metadata.name!, at);
    if (this.store.get(BACKUPS, VELERO_NAMESPACE, name)) return;
    const outcome = this.outcome(schedule, at);
    const ttl = spec.template.ttl ?? DEFAULT_TTL;
    const expiration = at.getTime() + durationMs(ttl);
    if (expiration <= now) return;
    const backup: KubeObject = {
      metadata: {
        name,
        namespace: VELERO_NAMESPACE,
        labels: {
          'velero.io/schedule-name': schedule.metadata.name!,
          'velero.io/storage-location':
            spec.template.storageLocation ?? 'default',
        },
      },
      spec: { ...spec.template, ttl },
      status: {
        version: 1,
        formatVersion: '1.1.0',
        phase: 'New',
        expiration: kubeTime(expiration),
      },
    };
    this.store.create(BACKUPS, backup);
    this.pending.set(name, { start: at.getTime(), outcome });
    this.progress(name, now);
  }

  private progressPending(now: number) {
    for (const name of [...this.pending.keys()]) this.progress(name, now);
  }

  /** Moves one backup to the phase its age calls for. */
  private progress(name: string, now: number) {
    const entry = this.pending.get(name);
    if (!entry) return;
    const { start, outcome } = entry;
    if (now < start + START_DELAY_MS) return;
    const done = now >= start + this.backupDuration;
    const seed = createHash('sha1').update(name).digest();
    const totalItems = 400 + (seed[1] % 200);
    this.store.update(BACKUPS, VELERO_NAMESPACE, name, obj => {
      const status = (obj.status ?? {}) as Record<string, unknown>;
      if (!done) {
        obj.status = {
          ...status,
          phase: 'InProgress',
          startTimestamp: kubeTime(start + START_DELAY_MS),
          progress: { totalItems, itemsBackedUp: Math.floor(totalItems / 2) },
        };
        return;
      }
      const backedUp =
        outcome === 'Failed' ? Math.floor(totalItems / 3) : totalItems;
      obj.status = {
        ...status,
        phase: outcome,
        startTimestamp: kubeTime(start + START_DELAY_MS),
        completionTimestamp: kubeTime(start + this.backupDuration),
        progress: { totalItems, itemsBackedUp: backedUp },
        warnings: outcome === 'Completed' ? 0 : 1 + (seed[2] % 3),
        errors: outcome === 'Completed' ? 0 : 1 + (seed[3] % 4),
        ...(outcome === 'Failed'
          ? {
              failureReason:
                'error checking if backup already exists in object storage: rpc error: code = Unknown desc = AccessDenied: Access Denied',
            }
          : {}),
      };
    });
    if (done) this.pending.delete(name);
  }

  private collectExpired(now: number) {
    for (const backup of this.store.list(BACKUPS, {
      namespace: VELERO_NAMESPACE,
    })) {
      const expiration = (backup.status as { expiration?: string } | undefined)
        ?.expiration;
      if (expiration && Date.parse(expiration) <= now) {
        this.pending.delete(backup.metadata.name!);
        this.store.delete(BACKUPS, VELERO_NAMESPACE, backup.metadata.name!);
      }
    }
  }
}
