import {
  backupCoversNamespace,
  deriveBackupRecord,
  deriveBackupStatus,
  deriveScheduleStatus,
} from './backup';
import { cronPeriodMs } from './cron';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const schedule = (
  name: string,
  cron: string,
  template: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  apiVersion: 'velero.io/v1',
  kind: 'Schedule',
  metadata: {
    name,
    namespace: 'velero',
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: {
    schedule: cron,
    template: { ttl: '720h0m0s', ...template },
    ...extra,
  },
  status: { phase: 'Enabled', lastBackup: iso(NOW - HOUR) },
});

const backup = (
  name: string,
  phase: string,
  completedAgoMs: number,
  labels: Record<string, string> = {},
  spec: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
) => ({
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: {
    name,
    namespace: 'velero',
    labels,
    creationTimestamp: iso(NOW - completedAgoMs - 600_000),
  },
  spec,
  status: {
    phase,
    startTimestamp: iso(NOW - completedAgoMs - 300_000),
    ...(phase === 'Completed' ||
    phase === 'PartiallyFailed' ||
    phase === 'Failed'
      ? { completionTimestamp: iso(NOW - completedAgoMs) }
      : {}),
    ...status,
  },
});

describe('deriveBackupRecord', () => {
  it.each([
    ['Completed', 'completed'],
    ['PartiallyFailed', 'partially-failed'],
    ['Failed', 'failed'],
    ['FailedValidation', 'failed'],
    ['New', 'in-progress'],
    ['Queued', 'in-progress'],
    ['ReadyToStart', 'in-progress'],
    ['InProgress', 'in-progress'],
    ['WaitingForPluginOperations', 'in-progress'],
    ['WaitingForPluginOperationsPartiallyFailed', 'in-progress'],
    ['Finalizing', 'in-progress'],
    ['FinalizingPartiallyFailed', 'in-progress'],
    ['Deleting', 'unknown'],
    ['SomethingElse', 'unknown'],
  ])('phase %s is %s', (phase, verdict) => {
    expect(deriveBackupRecord(backup('b', phase, 0)).verdict).toBe(verdict);
  });

  it('reads counts, schedule, timestamps; an empty phase is New', () => {
    const r = deriveBackupRecord(
      backup(
        'daily-20261201020000',
        'PartiallyFailed',
        HOUR,
        { 'velero.io/schedule-name': 'daily' },
        {},
        { errors: 2, warnings: 5, expiration: '2026-12-31T02:00:00Z' },
      ),
    );
    expect(r).toEqual({
      name: 'daily-20261201020000',
      phase: 'PartiallyFailed',
      verdict: 'partially-failed',
      errors: 2,
      warnings: 5,
      schedule: 'daily',
      startedAt: iso(NOW - HOUR - 300_000),
      completedAt: iso(NOW - HOUR),
      expiresAt: '2026-12-31T02:00:00Z',
    });
    expect(
      deriveBackupRecord({ metadata: { name: 'fresh' }, spec: {} }),
    ).toEqual({ name: 'fresh', phase: 'New', verdict: 'in-progress' });
  });

  it.each([null, undefined, 3, 'x', []])('never throws for %p', input => {
    expect(deriveBackupRecord(input).verdict).toBe('unknown');
  });
});

describe('deriveBackupRecord validation errors', () => {
  it('keeps the validationErrors of a FailedValidation backup', () => {
    expect(
      deriveBackupRecord({
        metadata: { name: 'b' },
        status: { phase: 'FailedValidation', validationErrors: ['bad ttl'] },
      }),
    ).toMatchObject({ verdict: 'failed', validationErrors: ['bad ttl'] });
  });
});

describe('deriveScheduleStatus', () => {
  it('a paused schedule is paused before Velero validates it, invalid wins', () => {
    expect(
      deriveScheduleStatus({ spec: { schedule: '@daily', paused: true } })
        .verdict,
    ).toBe('paused');
    expect(
      deriveScheduleStatus({
        spec: { schedule: 'x', paused: true },
        status: { phase: 'FailedValidation' },
      }).verdict,
    ).toBe('invalid');
  });

  it('enabled, paused, invalid, and unknown before validation', () => {
    expect(deriveScheduleStatus(schedule('daily', '0 2 * * *'))).toMatchObject({
      name: 'daily',
      cron: '0 2 * * *',
      ttl: '720h0m0s',
      paused: false,
      verdict: 'enabled',
    });
    expect(
      deriveScheduleStatus(schedule('daily', '0 2 * * *', {}, { paused: true }))
        .verdict,
    ).toBe('paused');
    expect(
      deriveScheduleStatus({
        ...schedule('bad', 'nope'),
        status: {
          phase: 'FailedValidation',
          validationErrors: ['invalid schedule: expected 5 to 6 fields'],
        },
      }),
    ).toMatchObject({
      verdict: 'invalid',
      validationErrors: ['invalid schedule: expected 5 to 6 fields'],
    });
    expect(
      deriveScheduleStatus({
        ...schedule('n', '@daily'),
        status: { phase: 'New' },
      }).verdict,
    ).toBe('unknown');
    expect(
      deriveScheduleStatus({ ...schedule('n', '@daily'), status: {} }).verdict,
    ).toBe('unknown');
    expect(deriveScheduleStatus(null)).toMatchObject({
      verdict: 'unknown',
      paused: false,
    });
  });
});

describe('backupCoversNamespace', () => {
  it('empty or * includes everything, excluded wins, globs match as Velero does', () => {
    expect(backupCoversNamespace(schedule('a', '@daily'), 'demo')).toBe(true);
    expect(
      backupCoversNamespace(
        schedule('a', '@daily', { includedNamespaces: ['*'] }),
        'demo',
      ),
    ).toBe(true);
    expect(
      backupCoversNamespace(
        schedule('a', '@daily', {
          includedNamespaces: ['*'],
          excludedNamespaces: ['demo'],
        }),
        'demo',
      ),
    ).toBe(false);
    expect(
      backupCoversNamespace(
        schedule('a', '@daily', { includedNamespaces: ['other'] }),
        'demo',
      ),
    ).toBe(false);
    expect(
      backupCoversNamespace(
        schedule('a', '@daily', { includedNamespaces: ['de*'] }),
        'demo',
      ),
    ).toBe(true);
    expect(
      backupCoversNamespace(
        schedule('a', '@daily', {
          excludedNamespaces: ['kube-*', '{argo,argocd}'],
        }),
        'argocd',
      ),
    ).toBe(false);
    expect(
      backupCoversNamespace(
        backup('b', 'Completed', 0, {}, { includedNamespaces: ['demo'] }),
        'demo',
      ),
    ).toBe(true);
    expect(
      backupCoversNamespace(
        backup('b', 'Completed', 0, {}, { includedNamespaces: ['x'] }),
        'demo',
      ),
    ).toBe(false);
    expect(backupCoversNamespace(null, 'demo')).toBe(false);
    expect(backupCoversNamespace({}, 'demo')).toBe(true);
  });
});

describe('cronPeriodMs', () => {
  it.each([
    ['@hourly', HOUR],
    ['@daily', 24 * HOUR],
    ['@every 6h', 6 * HOUR],
    ['@every 1h30m', 1.5 * HOUR],
    ['0 * * * *', HOUR],
    ['0 */6 * * *', 6 * HOUR],
    ['30 2 * * *', 24 * HOUR],
    ['CRON_TZ=Europe/Paris 0 3 * * *', 24 * HOUR],
    ['0 3 * * 0', 7 * 24 * HOUR],
    ['0 3 * * SUN', 7 * 24 * HOUR],
    ['0 1 * * 1-5', 3 * 24 * HOUR],
    ['0 0,12 * * *', 12 * HOUR],
  ])('%s runs at most every %d ms', (cron, period) => {
    expect(cronPeriodMs(cron)).toBe(period);
  });

  it.each(['nope', '', '* * *', '61 * * * *', 5, null])(
    '%p does not parse',
    cron => {
      expect(cronPeriodMs(cron)).toBeUndefined();
    },
  );
});

describe('deriveBackupStatus', () => {
  const hourly = schedule('hourly', '0 * * * *');
  const daily = schedule('daily', '0 2 * * *', { includedNamespaces: ['*'] });
  const now = new Date(NOW);

  it('covered when a covering schedule completed a backup within its period', () => {
    const s = deriveBackupStatus({
      namespace: 'demo',
      schedules: [hourly, daily],
      backups: [
        backup('hourly-1', 'Completed', 0.5 * HOUR, {
          'velero.io/schedule-name': 'hourly',
        }),
        backup('daily-1', 'Completed', 10 * HOUR, {
          'velero.io/schedule-name': 'daily',
        }),
      ],
      now,
    });
    expect(s.verdict).toBe('covered');
    expect(s.lastCompleted?.name).toBe('hourly-1');
    expect(s.lastCompletedAgeMs).toBe(0.5 * HOUR);
    expect(s.schedules.map(x => [x.name, x.fresh, x.periodMs])).toEqual([
      ['hourly', true, HOUR],
      ['daily', true, 24 * HOUR],
    ]);
    expect(s.problems).toEqual([]);
  });

  it('overdue when the last completed backup is older than the period (status.lastBackup does not count)', () => {
    const s = deriveBackupStatus({
      namespace: 'archive',
      schedules: [daily],
      backups: [
        backup('daily-old', 'Completed', 30 * HOUR, {
          'velero.io/schedule-name': 'daily',
        }),
        backup('daily-now', 'InProgress', 0, {
          'velero.io/schedule-name': 'daily',
        }),
      ],
      now: NOW,
    });
    expect(s.verdict).toBe('overdue');
    expect(s.problems[0]).toMatchObject({
      severity: 'error',
      reason: 'Overdue',
    });
    expect(s.problems[0].message).toContain('30 h');
  });

  it('failing when the latest backup of the schedule failed and none is fresh', () => {
    const s = deriveBackupStatus({
      namespace: 'demo',
      schedules: [daily],
      backups: [
        backup(
          'daily-2',
          'PartiallyFailed',
          2 * HOUR,
          { 'velero.io/schedule-name': 'daily' },
          {},
          { errors: 3 },
        ),
        backup('daily-1', 'Completed', 26 * HOUR + 2 * HOUR, {
          'velero.io/schedule-name': 'daily',
        }),
      ],
      now: NOW,
    });
    expect(s.verdict).toBe('failing');
    expect(s.recentFailures.map(f => f.name)).toEqual(['daily-2']);
    expect(s.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: 'Backup daily-2 partially failed with 3 errors',
        }),
      ]),
    );
  });

  it('not covered when no enabled schedule includes the namespace; an on-demand backup still shows as the last completed', () => {
    const s = deriveBackupStatus({
      namespace: 'demo',
      schedules: [
        schedule('other', '@daily', { includedNamespaces: ['other'] }),
        schedule('paused', '@daily', {}, { paused: true }),
      ],
      backups: [
        backup(
          'manual',
          'Completed',
          HOUR,
          {},
          { includedNamespaces: ['demo'] },
        ),
      ],
      now: NOW,
    });
    expect(s.verdict).toBe('not-covered');
    expect(s.lastCompleted?.name).toBe('manual');
    expect(s.problems.map(p => p.reason)).toEqual([
      'NotCovered',
      'SchedulePaused',
    ]);
  });

  it('a backup labelled with a schedule but excluding the namespace does not count for it', () => {
    const s = deriveBackupStatus({
      namespace: 'demo',
      schedules: [hourly],
      backups: [
        backup(
          'hourly-x',
          'Completed',
          0.2 * HOUR,
          { 'velero.io/schedule-name': 'hourly' },
          { excludedNamespaces: ['demo'] },
        ),
      ],
      now: NOW,
    });
    expect(s.verdict).toBe('overdue');
  });

  it('a schedule younger than its period without backups is not overdue yet', () => {
    const young = {
      ...hourly,
      metadata: {
        ...hourly.metadata,
        creationTimestamp: iso(NOW - 10 * 60_000),
      },
    };
    expect(
      deriveBackupStatus({
        namespace: 'demo',
        schedules: [young],
        backups: [],
        now: NOW,
      }).verdict,
    ).toBe('unknown');
  });

  it.each([
    { namespace: 'demo', schedules: null, backups: [], now: NOW },
    { namespace: '', schedules: [], backups: [], now: NOW },
    { namespace: 'demo', schedules: [], backups: [], now: 'not a time' },
    null,
    undefined,
  ])('never throws: %p is unknown', input => {
    // @ts-expect-error -- wrong inputs on purpose
    expect(deriveBackupStatus(input).verdict).toBe('unknown');
  });
});
