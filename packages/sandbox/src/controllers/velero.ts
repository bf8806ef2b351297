import { createHash } from 'node:crypto';
import type { ClockTimer, SandboxClock } from '../clock';
import type { FaultRegistry } from '../faults';
import type { KubeStore, StoreChangeEvent } from '../kube/store';
import { resource } from '../kube/resources';
import { kubeTime, type KubeObject } from '../kube/types';
import { cronOccurrences, validateCron } from './cron';

export const SCHEDULES = resource('velero.io', 'schedules');
export const BACKUPS = resource('velero.io', 'backups');
export const VELERO_NAMESPACE = 'velero';
/** Annotation on a Schedule: backups that start after this time fail (simulates a broken storage location). */
export const FAIL_AFTER_ANNOTATION = 'sandbox.launchpad.openedx.org/fail-after';
/** velero pkg/apis/velero/v1/labels_annotations.go */
export const SCHEDULE_NAME_LABEL = 'velero.io/schedule-name';
export const STORAGE_LOCATION_LABEL = 'velero.io/storage-location';
/** The one BackupStorageLocation the sandbox's Velero has. */
export const DEFAULT_STORAGE_LOCATION = 'default';

const TICK_MS = 30_000;
const START_DELAY_MS = 2_000;
/** How long before completion the items are backed up and the backup is Finalizing. */
const FINALIZE_MS = 5_000;
/** Velero's server defaults (pkg/cmd/server/config): --default-backup-ttl, CSI and item-operation timeouts. */
const DEFAULT_TTL = '720h0m0s';
const DEFAULT_CSI_SNAPSHOT_TIMEOUT = '10m0s';
const DEFAULT_ITEM_OPERATION_TIMEOUT = '4h0m0s';
/** pkg/backup/backup_version.go */
const BACKUP_VERSION = 1;
const BACKUP_FORMAT_VERSION = '1.1.0';

const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's `time.ParseDuration` (what `metav1.Duration` decodes with), in ms;
 * undefined when the text is not a duration.
 */
export function parseGoDuration(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  if (body === '0') return 0;
  if (!body) return undefined;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  while (part.lastIndex < body.length) {
    const match = part.exec(body);
    if (!match) return undefined;
    total += Number(match[1]) * GO_DURATION_UNITS[match[2]];
  }
  return sign * total;
}

const durationMs = (text: string | undefined) =>
  text ? parseGoDuration(text) ?? 0 : 0;

/**
 * Whether Velero can decode a backup spec: its `metav1.Duration` fields must
 * parse (the CRD only types them as strings), or Velero's informer skips the
 * object and nothing ever processes it.
 */
function decodable(spec: BackupSpec | undefined): boolean {
  return [
    spec?.ttl,
    spec?.csiSnapshotTimeout,
    spec?.itemOperationTimeout,
  ].every(d => d === undefined || d === '' || parseGoDuration(d) !== undefined);
}

/** The validation error Velero's parseCronSchedule (schedule_controller.go) reports, if any. */
function scheduleError(schedule: string | undefined): string | undefined {
  if (!schedule?.trim())
    return 'Schedule must be a non-empty valid Cron expression';
  const error = validateCron(schedule);
  return error ? `invalid schedule: ${error}` : undefined;
}

/** Velero names scheduled backups `<schedule>-<UTC yyyyMMddHHmmss>` (Schedule.TimestampedName). */
export function backupName(schedule: string, at: Date): string {
  return `${schedule}-${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

type Outcome = 'Completed' | 'PartiallyFailed' | 'Failed';

interface BackupSpec {
  ttl?: string;
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  storageLocation?: string;
  metadata?: { labels?: Record<string, string> };
  [k: string]: unknown;
}

interface ScheduleSpec {
  schedule?: string;
  paused?: boolean;
  useOwnerReferencesInBackup?: boolean | null;
  template?: BackupSpec;
}

interface Pending {
  /** When the backup was submitted (its schedule time, or its creation). */
  start: number;
  /** The deterministic outcome of a scheduled backup; on-demand ones complete. */
  outcome?: Outcome;
  schedule?: string;
  /** `spec.includedNamespaces`, which a `backup-fails` fault may name. */
  namespaces: string[];
  /** The outcome, decided once when the items are backed up. */
  decided?: { outcome: Outcome; reason?: string };
  timers: ClockTimer[];
}

const includedNamespaces = (spec: unknown): string[] => {
  const names = (spec as { includedNamespaces?: unknown } | undefined)
    ?.includedNamespaces;
  return Array.isArray(names)
    ? names.filter((n): n is string => typeof n === 'string')
    : [];
};

const phaseOf = (obj: KubeObject) =>
  (obj.status as { phase?: string } | undefined)?.phase;

/**
 * Velero's schedule and backup controllers on the simulated clock, for the
 * `velero` namespace (the one Velero watches):
 * - each Schedule produces a Backup at every cron fire time (catching up
 *   after a clock jump, which real Velero does not: it makes one), labelled
 *   `velero.io/schedule-name`, and records `status.lastBackup` as the time it
 *   created that Backup, whatever the Backup's outcome;
 * - every Backup without a phase or in `New` — scheduled, or created by a
 *   client as `velero backup create` does — goes InProgress (2 s) →
 *   Completed / PartiallyFailed / Failed, with the fields Velero's backup
 *   controller writes (pkg/controller/backup_controller.go
 *   prepareBackupRequest / Reconcile); an unknown storage location fails
 *   validation; a `backup-fails` fault fails it;
 * - expired Backups (TTL) are collected.
 */
export class VeleroController {
  private readonly lastChecked = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private timer?: ClockTimer;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(
    private readonly store: KubeStore,
    private readonly clock: SandboxClock,
    private readonly options: {
      backupDurationMs?: number;
      backfillMs?: number;
      /** `backup-fails` faults are looked up here, matched against `cluster`. */
      faults?: FaultRegistry;
      cluster?: string;
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
    this.unsubscribe = this.store.subscribe(event => this.onEvent(event));
    for (const backup of this.store.list(BACKUPS, {
      namespace: VELERO_NAMESPACE,
    })) {
      this.adopt(backup, now);
    }
    this.tick();
  }

  stop() {
    this.stopped = true;
    this.timer?.cancel();
    this.unsubscribe?.();
    for (const entry of this.pending.values())
      entry.timers.forEach(t => t.cancel());
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

  /**
   * A Backup created by a client (or left unprocessed) is picked up as
   * Velero's backup controller does; a Schedule written is validated at once,
   * as the schedule controller reconciles on every change.
   */
  private onEvent(event: StoreChangeEvent) {
    if (this.stopped) return;
    if (event.object.metadata.namespace !== VELERO_NAMESPACE) return;
    if (event.resource === 'velero.io/schedules') {
      if (event.type !== 'DELETED') this.validateSchedule(event.object);
      return;
    }
    if (event.resource !== 'velero.io/backups') return;
    if (event.type === 'DELETED') {
      this.drop(event.object.metadata.name!);
      return;
    }
    this.adopt(event.object, this.clock.nowMs());
  }

  private adopt(backup: KubeObject, now: number) {
    const name = backup.metadata.name!;
    const phase = phaseOf(backup);
    if (this.pending.has(name) || (phase && phase !== 'New')) return;
    if (!decodable(backup.spec as BackupSpec | undefined)) return;
    this.track(name, {
      start: now,
      schedule: backup.metadata.labels?.[SCHEDULE_NAME_LABEL],
      namespaces: includedNamespaces(backup.spec),
      timers: [],
    });
  }

  /** Registers a backup and arms its two transitions on the clock. */
  private track(name: string, entry: Pending) {
    this.pending.set(name, entry);
    const now = this.clock.nowMs();
    for (const at of [
      entry.start + START_DELAY_MS,
      entry.start + this.backupDuration - FINALIZE_MS,
      entry.start + this.backupDuration,
    ]) {
      if (at > now) {
        entry.timers.push(
          this.clock.after(at - now, () =>
            this.progress(name, this.clock.nowMs()),
          ),
        );
      }
    }
  }

  private drop(name: string) {
    this.pending.get(name)?.timers.forEach(t => t.cancel());
    this.pending.delete(name);
  }

  /** Writes the phase the Schedule's cron calls for, when it differs (schedule_controller.go Reconcile). */
  private validateSchedule(schedule: KubeObject) {
    const spec = (schedule.spec ?? {}) as ScheduleSpec;
    if (!decodable(spec.template)) return;
    const error = scheduleError(spec.schedule);
    const phase = error ? 'FailedValidation' : 'Enabled';
    if ((schedule.status as { phase?: string } | undefined)?.phase === phase)
      return;
    this.store.update(
      SCHEDULES,
      VELERO_NAMESPACE,
      schedule.metadata.name!,
      obj => {
        const { validationErrors: _, ...status } = (obj.status ?? {}) as Record<
          string,
          unknown
        >;
        obj.status = {
          ...status,
          phase,
          ...(error ? { validationErrors: [error] } : {}),
        };
      },
    );
  }

  private runSchedule(schedule: KubeObject, now: number) {
    const name = schedule.metadata.name!;
    const spec = (schedule.spec ?? {}) as ScheduleSpec;
    if (!decodable(spec.template)) return;
    const created = Date.parse(schedule.metadata.creationTimestamp ?? '');
    const after =
      this.lastChecked.get(name) ?? (Number.isNaN(created) ? now : created);
    this.lastChecked.set(name, now);
    if (scheduleError(spec.schedule) || !spec.schedule) {
      this.validateSchedule(schedule);
      return;
    }
    let fireTimes = cronOccurrences(spec.schedule, after, now, 24);
    if (spec.paused) fireTimes = [];
    for (const at of fireTimes) this.createBackup(schedule, at, now);
    this.store.update(SCHEDULES, VELERO_NAMESPACE, name, obj => {
      const { validationErrors: _, ...status } = (obj.status ?? {}) as Record<
        string,
        unknown
      >;
      obj.status = {
        ...status,
        phase: 'Enabled',
        // When the Schedule submitted its newest Backup, not when one succeeded.
        ...(fireTimes.length
          ? { lastBackup: kubeTime(fireTimes[fireTimes.length - 1]) }
          : {}),
      };
    });
  }

  private scheduledOutcome(schedule: KubeObject, at: Date): Outcome {
    const failAfter = schedule.metadata.annotations?.[FAIL_AFTER_ANNOTATION];
    if (failAfter && at.getTime() > Date.parse(failAfter)) return 'Failed';
    // Deterministic by the hour it starts: the 13:00 UTC backup is always
    // PartiallyFailed (one a day for hourly schedules), one hour in 97 fails.
    const hour = Math.floor(at.getTime() / 3_600_000);
    if (hour % 97 === 0) return 'Failed';
    if (hour % 24 === 13) return 'PartiallyFailed';
    return 'Completed';
  }

  /** pkg/controller/schedule_controller.go getBackup + pkg/builder/backup_builder.go FromSchedule. */
  private createBackup(schedule: KubeObject, at: Date, now: number) {
    const spec = (schedule.spec ?? {}) as ScheduleSpec;
    const template = spec.template ?? {};
    const name = backupName(schedule.metadata.name!, at);
    if (this.store.get(BACKUPS, VELERO_NAMESPACE, name)) return;
    const ttl = template.ttl || DEFAULT_TTL;
    // History that would already have expired is not backfilled.
    if (at.getTime() + START_DELAY_MS + durationMs(ttl) <= now) return;
    const labels = {
      ...(template.metadata?.labels ?? schedule.metadata.labels ?? {}),
      [SCHEDULE_NAME_LABEL]: schedule.metadata.name!,
    };
    const backup: KubeObject = {
      metadata: {
        name,
        namespace: VELERO_NAMESPACE,
        labels,
        ...(schedule.metadata.annotations
          ? { annotations: { ...schedule.metadata.annotations } }
          : {}),
        ...(spec.useOwnerReferencesInBackup
          ? {
              ownerReferences: [
                {
                  apiVersion: 'velero.io/v1',
                  kind: 'Schedule',
                  name: schedule.metadata.name,
                  uid: schedule.metadata.uid,
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec: structuredClone(template),
      status: { phase: 'New' },
    };
    // Tracked before the create so the ADDED event does not adopt it twice.
    this.track(name, {
      start: at.getTime(),
      outcome: this.scheduledOutcome(schedule, at),
      schedule: schedule.metadata.name,
      namespaces: includedNamespaces(template),
      timers: [],
    });
    // Created when the Schedule fired, as Velero creates it then (backfilled history too).
    this.store.create(BACKUPS, backup, { createdAt: at });
    this.progress(name, now);
  }

  private progressPending(now: number) {
    for (const name of [...this.pending.keys()]) this.progress(name, now);
  }

  /** The outcome at completion: a matching `backup-fails` fault overrides the deterministic one. */
  private finalOutcome(entry: Pending): {
    outcome: Outcome;
    reason?: string;
  } {
    const fault = this.options.faults?.take(
      'backup-fails',
      f =>
        (!f.cluster || f.cluster === this.options.cluster) &&
        (!f.schedule || f.schedule === entry.schedule) &&
        (!f.namespace || entry.namespaces.includes(f.namespace)),
    );
    if (fault) {
      const outcome = fault.phase ?? 'Failed';
      return {
        outcome,
        reason: outcome === 'Failed' ? fault.message : undefined,
      };
    }
    return { outcome: entry.outcome ?? 'Completed' };
  }

  /**
   * Moves one backup to the phase its age calls for: InProgress, then (items
   * backed up) Finalizing / FinalizingPartiallyFailed or Failed, then the
   * finalizer's Completed / PartiallyFailed (backup_controller.go runBackup,
   * backup_finalizer_controller.go).
   */
  private progress(name: string, now: number) {
    const entry = this.pending.get(name);
    if (!entry) return;
    const { start } = entry;
    if (now < start + START_DELAY_MS) return;
    const itemsDone = now >= start + this.backupDuration - FINALIZE_MS;
    const done = now >= start + this.backupDuration;
    const startedAt = start + START_DELAY_MS;
    const seed = createHash('sha1').update(name).digest();
    const totalItems = 400 + (seed[1] % 200);
    if (itemsDone) entry.decided ??= this.finalOutcome(entry);
    const final = entry.decided;
    // Failed is final at once; the others wait for the finalizer.
    const finishing = !!final && !done && final.outcome !== 'Failed';
    const updated = this.store.update(BACKUPS, VELERO_NAMESPACE, name, obj => {
      const status = (obj.status ?? {}) as Record<string, unknown>;
      const spec = (obj.spec ?? {}) as BackupSpec;
      const location = spec.storageLocation || DEFAULT_STORAGE_LOCATION;
      if (!status.startTimestamp && status.phase !== 'InProgress') {
        // prepareBackupRequest: server defaults, version, expiration, the location label.
        const ttl = spec.ttl || DEFAULT_TTL;
        obj.spec = {
          ...spec,
          ttl,
          storageLocation: location,
          csiSnapshotTimeout:
            spec.csiSnapshotTimeout || DEFAULT_CSI_SNAPSHOT_TIMEOUT,
          itemOperationTimeout:
            spec.itemOperationTimeout || DEFAULT_ITEM_OPERATION_TIMEOUT,
          defaultVolumesToFsBackup: spec.defaultVolumesToFsBackup ?? false,
          snapshotMoveData: spec.snapshotMoveData ?? false,
        };
        obj.metadata.labels = {
          ...obj.metadata.labels,
          [STORAGE_LOCATION_LABEL]: location,
        };
        status.version = BACKUP_VERSION;
        status.formatVersion = BACKUP_FORMAT_VERSION;
        status.expiration = kubeTime(startedAt + durationMs(ttl));
        if (location !== DEFAULT_STORAGE_LOCATION) {
          obj.status = {
            ...status,
            phase: 'FailedValidation',
            validationErrors: [
              `an existing backup storage location was not specified at backup creation time and the default ${location} was not found. Please address this issue (see \`velero backup-location -h\` for options) and create a new backup. Error: backupstoragelocations.velero.io "${location}" not found`,
            ],
          };
          return;
        }
      }
      if (!final) {
        obj.status = {
          ...status,
          phase: 'InProgress',
          startTimestamp: kubeTime(startedAt),
          progress: {
            totalItems,
            itemsBackedUp: Math.floor(totalItems / 2),
          },
        };
        return;
      }
      const { outcome, reason } = final;
      const failed = outcome === 'Failed';
      const backedUp = failed ? Math.floor(totalItems / 3) : totalItems;
      const completedAt = failed
        ? start + this.backupDuration - FINALIZE_MS
        : start + this.backupDuration;
      let phase: string = outcome;
      if (finishing) {
        phase =
          outcome === 'Completed' ? 'Finalizing' : 'FinalizingPartiallyFailed';
      }
      obj.status = {
        ...status,
        phase,
        startTimestamp: kubeTime(startedAt),
        // runBackup stamps only terminal phases; the finalizer stamps the rest.
        ...(finishing ? {} : { completionTimestamp: kubeTime(completedAt) }),
        progress: { totalItems, itemsBackedUp: backedUp },
        // BackupStatus counts are `omitempty`: a clean backup has none.
        ...(outcome === 'Completed'
          ? {}
          : { warnings: 1 + (seed[2] % 3), errors: 1 + (seed[3] % 4) }),
        ...(outcome === 'Failed'
          ? {
              failureReason:
                reason ??
                'error checking if backup already exists in object storage: rpc error: code = Unknown desc = AccessDenied: Access Denied',
            }
          : {}),
      };
    });
    const phase = updated && phaseOf(updated);
    const settled = !!final && !finishing;
    if (!updated || settled || phase === 'FailedValidation') this.drop(name);
  }

  private collectExpired(now: number) {
    for (const backup of this.store.list(BACKUPS, {
      namespace: VELERO_NAMESPACE,
    })) {
      const expiration = (backup.status as { expiration?: string } | undefined)
        ?.expiration;
      if (expiration && Date.parse(expiration) <= now) {
        this.drop(backup.metadata.name!);
        this.store.delete(BACKUPS, VELERO_NAMESPACE, backup.metadata.name!);
      }
    }
  }
}
