import type { Entity } from '@backstage/catalog-model';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type {
  BackupDerivedStatus,
  InstanceStatusResponse,
} from '@internal/plugin-launchpad-common';
import { isLaunchpadInstance } from '../../entity';
import {
  Age,
  InstanceStatusCard,
  ProblemList,
  StatusText,
  formatDuration,
} from '../StatusChips';

/** The Backups card belongs on Open edX instance pages. */
export function isBackupsCardAvailable(entity: Entity): boolean {
  return isLaunchpadInstance(entity);
}

const VERDICT: Record<
  BackupDerivedStatus['verdict'],
  { level: 'ok' | 'warning' | 'error' | 'pending'; text: string }
> = {
  covered: { level: 'ok', text: 'Covered' },
  overdue: { level: 'error', text: 'Overdue' },
  failing: { level: 'error', text: 'Failing' },
  'not-covered': { level: 'error', text: 'Not covered' },
  unknown: { level: 'pending', text: 'Unknown' },
};

const CRON_LEVEL = {
  ok: 'ok',
  failing: 'error',
  'never-run': 'pending',
  unknown: 'pending',
} as const;

function Backups(props: { status: InstanceStatusResponse }) {
  const { backups, generatedAt: now, namespace } = props.status;
  const verdict = VERDICT[backups.verdict] ?? VERDICT.unknown;
  return (
    <>
      <Typography variant="h6" component="p" data-testid="backup-verdict">
        <StatusText level={verdict.level}>{verdict.text}</StatusText>
      </Typography>
      <Typography variant="body2">
        {backups.lastCompleted ? (
          <>
            Last completed Velero backup: {backups.lastCompleted.name}
            {backups.lastCompletedAgeMs !== undefined &&
              `, ${formatDuration(backups.lastCompletedAgeMs)} old`}
          </>
        ) : (
          `No completed Velero backup includes namespace ${namespace}.`
        )}
      </Typography>
      <Box mt={1}>
        <ProblemList problems={backups.problems} />
      </Box>

      {backups.schedules.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2">Velero schedules</Typography>
          <Table size="small" aria-label="Velero schedules">
            <TableHead>
              <TableRow>
                <TableCell>Schedule</TableCell>
                <TableCell>Cron</TableCell>
                <TableCell>TTL</TableCell>
                <TableCell>Last completed</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {backups.schedules.map((s, i) => (
                <TableRow key={s.name ?? i}>
                  <TableCell>
                    <StatusText level={s.fresh ? 'ok' : 'error'}>
                      {s.name ?? '?'}
                    </StatusText>
                  </TableCell>
                  <TableCell>{s.cron ?? '–'}</TableCell>
                  <TableCell>{s.ttl ?? '–'}</TableCell>
                  <TableCell>
                    <Age time={s.lastCompleted?.completedAt} now={now} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}

      {backups.recentFailures.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2">Recent failures</Typography>
          <Table size="small" aria-label="Failed backups">
            <TableBody>
              {backups.recentFailures.map((b, i) => (
                <TableRow key={b.name ?? i}>
                  <TableCell>
                    <StatusText level="error">{b.name ?? '?'}</StatusText>
                  </TableCell>
                  <TableCell>
                    {b.phase}
                    {b.errors ? `, ${b.errors} errors` : ''}
                    {b.warnings ? `, ${b.warnings} warnings` : ''}
                    {b.failureReason && (
                      <Typography variant="caption" display="block">
                        {b.failureReason}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <Age time={b.completedAt ?? b.startedAt} now={now} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}

      {backups.cronJobs.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2">Database dumps</Typography>
          <Table size="small" aria-label="Backup CronJobs">
            <TableHead>
              <TableRow>
                <TableCell>CronJob</TableCell>
                <TableCell>Schedule</TableCell>
                <TableCell>Last success</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {backups.cronJobs.map((c, i) => (
                <TableRow key={c.name ?? i}>
                  <TableCell>
                    <StatusText level={CRON_LEVEL[c.verdict] ?? 'pending'}>
                      {c.name ?? '?'}
                    </StatusText>
                    {c.suspended && ' (suspended)'}
                  </TableCell>
                  <TableCell>{c.schedule ?? '–'}</TableCell>
                  <TableCell>
                    <Age time={c.lastSuccessfulTime} now={now} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <ProblemList problems={backups.cronJobs.flatMap(c => c.problems)} />
        </Box>
      )}

      <Box mt={2}>
        <Typography variant="caption" color="textSecondary">
          Velero backs up the namespace's Kubernetes objects and volumes.
          Managed databases (MySQL, MongoDB outside the cluster) are outside
          Velero: their own backups or the dump CronJobs above cover them.
        </Typography>
      </Box>
    </>
  );
}

/** Whether Velero covers the instance's namespace, and its own database dump CronJobs. */
export function BackupsCard() {
  return (
    <InstanceStatusCard title="Backups">
      {status => <Backups status={status} />}
    </InstanceStatusCard>
  );
}
