import { deriveCronJobStatus } from './cronjob';

const dump = (
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'mysql-dump', namespace: 'demo' },
  spec: { schedule: '0 2 * * *', jobTemplate: { spec: {} }, ...spec },
  status,
});

describe('deriveCronJobStatus', () => {
  it('ok when the last success follows the last schedule', () => {
    expect(
      deriveCronJobStatus(
        dump({
          lastScheduleTime: '2026-12-01T02:00:00Z',
          lastSuccessfulTime: '2026-12-01T02:04:00Z',
        }),
      ),
    ).toMatchObject({
      name: 'mysql-dump',
      schedule: '0 2 * * *',
      active: false,
      verdict: 'ok',
      problems: [],
    });
  });

  it('failing when a run was scheduled after the last success and none is active', () => {
    const s = deriveCronJobStatus(
      dump({
        lastScheduleTime: '2026-12-01T02:00:00Z',
        lastSuccessfulTime: '2026-11-30T02:04:00Z',
      }),
    );
    expect(s.verdict).toBe('failing');
    expect(s.problems[0]).toMatchObject({
      severity: 'error',
      reason: 'LastRunFailed',
    });
    expect(
      deriveCronJobStatus(dump({ lastScheduleTime: '2026-12-01T02:00:00Z' }))
        .verdict,
    ).toBe('failing');
  });

  it('ok while the newest run is active', () => {
    expect(
      deriveCronJobStatus(
        dump({
          active: [{ kind: 'Job', name: 'mysql-dump-1' }],
          lastScheduleTime: '2026-12-01T02:00:00Z',
          lastSuccessfulTime: '2026-11-30T02:04:00Z',
        }),
      ),
    ).toMatchObject({ active: true, verdict: 'ok' });
  });

  it('never-run without any schedule time; suspended is a warning', () => {
    const s = deriveCronJobStatus(dump({}, { suspend: true }));
    expect(s).toMatchObject({ verdict: 'never-run', suspended: true });
    expect(s.problems[0].severity).toBe('warning');
  });

  it('batch/v1beta1 objects without lastSuccessfulTime are unknown, not failing', () => {
    expect(
      deriveCronJobStatus({
        ...dump({ lastScheduleTime: '2026-12-01T02:00:00Z' }),
        apiVersion: 'batch/v1beta1',
      }).verdict,
    ).toBe('unknown');
  });

  it.each([null, undefined, 'x', 3, [], {}, { status: {} }])(
    'never throws for %p',
    input => {
      expect(deriveCronJobStatus(input)).toMatchObject({
        verdict: 'unknown',
        active: false,
      });
    },
  );
});
