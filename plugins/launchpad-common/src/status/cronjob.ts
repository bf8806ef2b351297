import { asArray, asObject, asString, path, timeOf } from './read';
import type { StatusProblem } from './problems';

export interface CronJobDerivedStatus {
  name?: string;
  schedule?: string;
  suspended: boolean;
  /** A Job it started is running now. */
  active: boolean;
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
  verdict: 'ok' | 'failing' | 'never-run' | 'unknown';
  problems: StatusProblem[];
}

/**
 * Whether a `CronJob` (batch/v1; batch/v1beta1 lacks lastSuccessfulTime) such
 * as a MySQL or MongoDB dump runs and succeeds. A run scheduled after the last
 * success, with no Job active, has failed (the CronJob controller sets
 * lastSuccessfulTime only when a Job completes). Never throws.
 */
export function deriveCronJobStatus(cronJob: unknown): CronJobDerivedStatus {
  const status = asObject(path(cronJob, 'status'));
  const lastScheduleTime = asString(path(status, 'lastScheduleTime'));
  const lastSuccessfulTime = asString(path(status, 'lastSuccessfulTime'));
  const active = asArray(path(status, 'active')).length > 0;
  const suspended = path(cronJob, 'spec', 'suspend') === true;
  const problems: StatusProblem[] = [];
  if (suspended) {
    problems.push({
      severity: 'warning',
      reason: 'Suspended',
      message: 'The CronJob is suspended: no new runs start',
    });
  }

  let verdict: CronJobDerivedStatus['verdict'];
  const scheduled = timeOf(lastScheduleTime);
  const succeeded = timeOf(lastSuccessfulTime);
  if (!asObject(cronJob) || !asObject(path(cronJob, 'spec'))) {
    verdict = 'unknown';
  } else if (scheduled === undefined && succeeded === undefined) {
    verdict = active ? 'ok' : 'never-run';
  } else if (
    succeeded !== undefined &&
    (scheduled === undefined || succeeded >= scheduled)
  ) {
    verdict = 'ok';
  } else if (active) {
    verdict = 'ok';
  } else if (
    succeeded === undefined &&
    asString(path(cronJob, 'apiVersion')) === 'batch/v1beta1'
  ) {
    // batch/v1beta1 has no lastSuccessfulTime: a run happened, its outcome is not recorded here.
    verdict = 'unknown';
  } else {
    verdict = 'failing';
    problems.push({
      severity: 'error',
      reason: 'LastRunFailed',
      message: lastSuccessfulTime
        ? `The run scheduled at ${lastScheduleTime} has not succeeded (last success ${lastSuccessfulTime})`
        : `No run has succeeded (last scheduled ${lastScheduleTime})`,
    });
  }

  return {
    name: asString(path(cronJob, 'metadata', 'name')),
    schedule: asString(path(cronJob, 'spec', 'schedule')),
    suspended,
    active,
    lastScheduleTime,
    lastSuccessfulTime,
    verdict,
    problems,
  };
}
