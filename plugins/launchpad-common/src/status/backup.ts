import { cronPeriodMs } from './cron';
import {
  asArray,
  asNumber,
  asObject,
  asString,
  asStringArray,
  path,
  timeOf,
} from './read';
import type { StatusProblem } from './problems';

/** Velero's schedule label on the Backups a Schedule creates. */
export const VELERO_SCHEDULE_LABEL = 'velero.io/schedule-name';

// Backup phases of current Velero (vmware-tanzu/velero pkg/apis/velero/v1/backup_types.go).
const IN_PROGRESS_PHASES = [
  'New',
  'Queued',
  'ReadyToStart',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
];

export interface BackupRecord {
  name?: string;
  /** `status.phase`; an empty phase (not processed yet) reads `New`, as Velero treats it. */
  phase: string;
  verdict:
    | 'completed'
    | 'partially-failed'
    | 'failed'
    | 'in-progress'
    | 'unknown';
  /** The numbers Velero reports in `status.errors` / `status.warnings`. */
  errors?: number;
  warnings?: number;
  /** The Schedule that created it (`velero.io/schedule-name`), absent for on-demand backups. */
  schedule?: string;
  startedAt?: string;
  completedAt?: string;
  expiresAt?: string;
  failureReason?: string;
  /** Why Velero refused it (`status.validationErrors`, phase FailedValidation). */
  validationErrors?: string[];
}

export interface ScheduleDerivedStatus {
  name?: string;
  cron?: string;
  paused: boolean;
  /** The TTL of the backups it creates (`spec.template.ttl`, e.g. `720h0m0s`). */
  ttl?: string;
  /** When it last created a Backup (not when one succeeded). */
  lastBackup?: string;
  verdict: 'enabled' | 'paused' | 'invalid' | 'unknown';
  validationErrors: string[];
}

/** One Velero `Backup` (velero.io/v1). Never throws. */
export function deriveBackupRecord(backup: unknown): BackupRecord {
  const status = asObject(path(backup, 'status'));
  const rawPhase = path(status, 'phase');
  const phase =
    typeof rawPhase === 'string' && rawPhase !== '' ? rawPhase : 'New';
  let verdict: BackupRecord['verdict'] = 'unknown';
  if (!asObject(backup)) verdict = 'unknown';
  else if (phase === 'Completed') verdict = 'completed';
  else if (phase === 'PartiallyFailed') verdict = 'partially-failed';
  else if (phase === 'Failed' || phase === 'FailedValidation')
    verdict = 'failed';
  else if (IN_PROGRESS_PHASES.includes(phase)) verdict = 'in-progress';
  // `Deleting` (its data is being removed) and phases Velero does not define stay unknown.
  const record: BackupRecord = {
    name: asString(path(backup, 'metadata', 'name')),
    phase,
    verdict,
  };
  const errors = asNumber(path(status, 'errors'));
  const warnings = asNumber(path(status, 'warnings'));
  if (errors !== undefined) record.errors = errors;
  if (warnings !== undefined) record.warnings = warnings;
  const schedule = asString(
    path(backup, 'metadata', 'labels', VELERO_SCHEDULE_LABEL),
  );
  if (schedule) record.schedule = schedule;
  const startedAt = asString(path(status, 'startTimestamp'));
  const completedAt = asString(path(status, 'completionTimestamp'));
  const expiresAt = asString(path(status, 'expiration'));
  const failureReason = asString(path(status, 'failureReason'));
  if (startedAt) record.startedAt = startedAt;
  if (completedAt) record.completedAt = completedAt;
  if (expiresAt) record.expiresAt = expiresAt;
  if (failureReason) record.failureReason = failureReason;
  const validationErrors = asStringArray(path(status, 'validationErrors'));
  if (validationErrors.length > 0) record.validationErrors = validationErrors;
  return record;
}

/**
 * One Velero `Schedule` (velero.io/v1). An empty or `New` phase is `unknown`
 * (Velero has not validated it yet), unless it is paused: Velero creates no
 * backup from a paused schedule whatever its phase (schedule_controller.go
 * skips it). Never throws.
 */
export function deriveScheduleStatus(schedule: unknown): ScheduleDerivedStatus {
  const paused = path(schedule, 'spec', 'paused') === true;
  const phase = asString(path(schedule, 'status', 'phase'));
  let verdict: ScheduleDerivedStatus['verdict'] = 'unknown';
  if (phase === 'FailedValidation') verdict = 'invalid';
  else if (paused) verdict = 'paused';
  else if (phase === 'Enabled') verdict = 'enabled';
  return {
    name: asString(path(schedule, 'metadata', 'name')),
    cron: asString(path(schedule, 'spec', 'schedule')),
    paused,
    ttl: asString(path(schedule, 'spec', 'template', 'ttl')),
    lastBackup: asString(path(schedule, 'status', 'lastBackup')),
    verdict,
    validationErrors: asStringArray(
      path(schedule, 'status', 'validationErrors'),
    ),
  };
}

/** gobwas/glob as Velero matches namespaces (pkg/util/collections/includes_excludes.go): `*`, `?`, `[…]`, `{a,b}`. */
function globMatches(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) return pattern === value;
      const body = pattern
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = close;
    } else if (c === '{') {
      const close = pattern.indexOf('}', i + 1);
      if (close < 0) return pattern === value;
      re += `(?:${pattern
        .slice(i + 1, close)
        .split(',')
        .map(alt => alt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|')})`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`).test(value);
  } catch {
    return pattern === value;
  }
}

function namespaceSelection(object: unknown): {
  included: string[];
  excluded: string[];
} {
  // A Schedule carries its backups' selection in spec.template; a Backup in spec.
  const template = path(object, 'spec', 'template');
  const spec = asObject(template) ? template : path(object, 'spec');
  return {
    included: asStringArray(path(spec, 'includedNamespaces')),
    excluded: asStringArray(path(spec, 'excludedNamespaces')),
  };
}

/**
 * Whether a Backup or a Schedule (its template) includes a namespace, as
 * Velero decides: excluded wins; empty or `*` included means all namespaces.
 */
export function backupCoversNamespace(
  backupOrSchedule: unknown,
  namespace: string,
): boolean {
  if (
    !asObject(backupOrSchedule) ||
    typeof namespace !== 'string' ||
    namespace === ''
  )
    return false;
  const { included, excluded } = namespaceSelection(backupOrSchedule);
  if (excluded.some(p => globMatches(p, namespace))) return false;
  return (
    included.length === 0 ||
    included.includes('*') ||
    included.some(p => globMatches(p, namespace))
  );
}

export interface CoveringSchedule extends ScheduleDerivedStatus {
  /** Longest gap between two runs of its cron expression, when it parses. */
  periodMs?: number;
  /** Its newest Completed backup of the namespace. */
  lastCompleted?: BackupRecord;
  /** Its newest backup in any phase. */
  latest?: BackupRecord;
  /** Its last completed backup is within the period (plus grace). */
  fresh: boolean;
}

export interface BackupDerivedStatus {
  namespace: string;
  verdict: 'covered' | 'overdue' | 'failing' | 'not-covered' | 'unknown';
  /** The enabled schedules whose template includes the namespace. */
  schedules: CoveringSchedule[];
  /** The newest Completed backup that includes the namespace (scheduled or on demand). */
  lastCompleted?: BackupRecord;
  /** Its age at `now`, in ms. */
  lastCompletedAgeMs?: number;
  /** Failed and partially failed backups of the namespace since the last completed one, newest first (at most 5). */
  recentFailures: BackupRecord[];
  problems: StatusProblem[];
}

const MINUTE = 60_000;
/** A run may take this long past its period before it counts as overdue: 10% of the period, at least 30 minutes. */
export function backupGraceMs(periodMs: number): number {
  return Math.max(periodMs * 0.1, 30 * MINUTE);
}
const MAX_FAILURES = 5;

function nowMs(now: unknown): number | undefined {
  if (now instanceof Date)
    return Number.isNaN(now.getTime()) ? undefined : now.getTime();
  if (typeof now === 'number' && Number.isFinite(now)) return now;
  return timeOf(now);
}

interface TimedBackup {
  record: BackupRecord;
  /** When it ran: start, else creation. */
  at: number;
  /** When it finished: completion, else start, else creation. */
  doneAt: number;
}

function timed(backup: unknown): TimedBackup {
  const record = deriveBackupRecord(backup);
  const created = timeOf(path(backup, 'metadata', 'creationTimestamp')) ?? 0;
  const started = timeOf(record.startedAt) ?? created;
  return { record, at: started, doneAt: timeOf(record.completedAt) ?? started };
}

function failureDetail(failure: BackupRecord): string {
  if (failure.failureReason) return `: ${failure.failureReason}`;
  if (failure.validationErrors)
    return `: ${failure.validationErrors.join('; ')}`;
  return failure.errors ? ` with ${failure.errors} errors` : '';
}

function ageText(ms: number): string {
  const hours = ms / 3_600_000;
  return hours < 48
    ? `${Math.round(hours)} h`
    : `${Math.round(hours / 24)} days`;
}

/**
 * Whether an instance's namespace is backed up by Velero: `covered` when an
 * enabled schedule includes it and that schedule's last Completed backup is
 * within its period (plus {@link backupGraceMs}); `failing` when it is not and
 * the schedule's latest backup failed; `overdue` otherwise; `not-covered` when
 * no enabled schedule includes the namespace. Never throws.
 */
export function deriveBackupStatus(input: {
  namespace: string;
  schedules: unknown;
  backups: unknown;
  now: Date | number | string;
}): BackupDerivedStatus {
  const namespace = typeof input?.namespace === 'string' ? input.namespace : '';
  const now = nowMs(input?.now);
  const empty = (
    verdict: BackupDerivedStatus['verdict'],
    problems: StatusProblem[] = [],
  ) => ({
    namespace,
    verdict,
    schedules: [],
    recentFailures: [],
    problems,
  });
  if (
    !namespace ||
    now === undefined ||
    !Array.isArray(input.schedules) ||
    !Array.isArray(input.backups)
  ) {
    return empty('unknown');
  }

  const backups = asArray(input.backups)
    .filter(b => backupCoversNamespace(b, namespace))
    .map(timed)
    .sort((a, b) => b.at - a.at);
  const completed = backups
    .filter(b => b.record.verdict === 'completed')
    .sort((a, b) => b.doneAt - a.doneAt);
  const lastCompleted = completed[0];

  const problems: StatusProblem[] = [];
  const including = asArray(input.schedules).filter(s =>
    backupCoversNamespace(s, namespace),
  );
  const schedules: CoveringSchedule[] = [];
  for (const raw of including) {
    const status = deriveScheduleStatus(raw);
    if (status.verdict === 'paused' || status.verdict === 'invalid') {
      problems.push({
        severity: 'warning',
        reason:
          status.verdict === 'paused' ? 'SchedulePaused' : 'ScheduleInvalid',
        message: `Schedule ${
          status.name ?? '?'
        } includes the namespace but is ${
          status.verdict === 'paused'
            ? 'paused'
            : `invalid${
                status.validationErrors.length
                  ? `: ${status.validationErrors.join('; ')}`
                  : ''
              }`
        }`,
      });
      continue;
    }
    const own = backups.filter(
      b => b.record.schedule !== undefined && b.record.schedule === status.name,
    );
    const ownCompleted = own
      .filter(b => b.record.verdict === 'completed')
      .sort((a, b) => b.doneAt - a.doneAt)[0];
    const periodMs = cronPeriodMs(status.cron);
    const fresh =
      ownCompleted !== undefined &&
      (periodMs === undefined ||
        now - ownCompleted.doneAt <= periodMs + backupGraceMs(periodMs));
    schedules.push({
      ...status,
      ...(periodMs !== undefined ? { periodMs } : {}),
      ...(ownCompleted ? { lastCompleted: ownCompleted.record } : {}),
      ...(own[0] ? { latest: own[0].record } : {}),
      fresh,
    });
  }

  const failures = backups
    .filter(
      b =>
        b.record.verdict === 'failed' ||
        b.record.verdict === 'partially-failed',
    )
    .filter(b => !lastCompleted || b.at > lastCompleted.at)
    .slice(0, MAX_FAILURES)
    .map(b => b.record);
  for (const failure of failures.slice(0, 3)) {
    problems.push({
      severity: 'error',
      reason: failure.phase,
      message: `Backup ${failure.name ?? '?'} ${
        failure.verdict === 'failed' ? 'failed' : 'partially failed'
      }${failureDetail(failure)}`,
    });
  }

  let verdict: BackupDerivedStatus['verdict'];
  if (schedules.length === 0) {
    verdict = 'not-covered';
    problems.unshift({
      severity: 'error',
      reason: 'NotCovered',
      message: `No enabled Velero schedule includes namespace ${namespace}`,
    });
  } else if (schedules.some(s => s.fresh)) {
    verdict = 'covered';
  } else if (
    schedules.some(
      s =>
        s.latest?.verdict === 'failed' ||
        s.latest?.verdict === 'partially-failed',
    )
  ) {
    verdict = 'failing';
  } else if (
    schedules.every(s => !s.latest) &&
    schedules.some(s => {
      // A schedule younger than its first period has not been due yet.
      const created = timeOf(
        path(
          including.find(r => path(r, 'metadata', 'name') === s.name),
          'metadata',
          'creationTimestamp',
        ),
      );
      return (
        s.periodMs !== undefined &&
        created !== undefined &&
        now - created <= s.periodMs + backupGraceMs(s.periodMs)
      );
    })
  ) {
    verdict = 'unknown';
    problems.push({
      severity: 'info',
      reason: 'FirstBackupNotDue',
      message: 'The first scheduled backup is not due yet',
    });
  } else {
    verdict = 'overdue';
    problems.unshift({
      severity: 'error',
      reason: 'Overdue',
      message: lastCompleted
        ? `The last completed backup is ${ageText(
            now - lastCompleted.doneAt,
          )} old, older than its schedule's period`
        : 'No backup of the namespace has completed',
    });
  }

  return {
    namespace,
    verdict,
    schedules,
    ...(lastCompleted
      ? {
          lastCompleted: lastCompleted.record,
          lastCompletedAgeMs: now - lastCompleted.doneAt,
        }
      : {}),
    recentFailures: failures,
    problems,
  };
}
