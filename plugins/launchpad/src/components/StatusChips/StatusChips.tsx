import { ReactNode } from 'react';
import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
  WarningPanel,
} from '@backstage/core-components';
import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import type {
  ArgocdHealthStatus,
  ArgocdSyncStatus,
  ClusterFreshness,
  StatusProblem,
  StatusVerdict,
} from '@internal/plugin-launchpad-common';

type Level = 'ok' | 'warning' | 'error' | 'running' | 'pending' | 'aborted';

/** Backstage's status icon for a level, with its text. */
export function StatusText(props: { level: Level; children: ReactNode }) {
  const { level, children } = props;
  switch (level) {
    case 'ok':
      return <StatusOK>{children}</StatusOK>;
    case 'warning':
      return <StatusWarning>{children}</StatusWarning>;
    case 'error':
      return <StatusError>{children}</StatusError>;
    case 'running':
      return <StatusRunning>{children}</StatusRunning>;
    case 'aborted':
      return <StatusAborted>{children}</StatusAborted>;
    default:
      return <StatusPending>{children}</StatusPending>;
  }
}

const VERDICT_LEVEL: Record<StatusVerdict, Level> = {
  ok: 'ok',
  progressing: 'running',
  warning: 'warning',
  error: 'error',
  unknown: 'pending',
};

export const VERDICT_TEXT: Record<StatusVerdict, string> = {
  ok: 'OK',
  progressing: 'Progressing',
  warning: 'Warning',
  error: 'Error',
  unknown: 'Unknown',
};

export function VerdictStatus(props: {
  verdict: StatusVerdict;
  children?: ReactNode;
}) {
  return (
    <StatusText level={VERDICT_LEVEL[props.verdict] ?? 'pending'}>
      {props.children ?? VERDICT_TEXT[props.verdict] ?? props.verdict}
    </StatusText>
  );
}

const SYNC_LEVEL: Record<ArgocdSyncStatus, Level> = {
  Synced: 'ok',
  OutOfSync: 'warning',
  Unknown: 'pending',
};

// ArgoCD's health statuses (argo-cd gitops-engine pkg/health): Suspended is
// paused on purpose, Missing is a resource that should exist and does not.
const HEALTH_LEVEL: Record<ArgocdHealthStatus, Level> = {
  Healthy: 'ok',
  Progressing: 'running',
  Degraded: 'error',
  Suspended: 'aborted',
  Missing: 'error',
  Unknown: 'pending',
};

export function SyncStatus(props: { sync: ArgocdSyncStatus }) {
  return (
    <StatusText level={SYNC_LEVEL[props.sync] ?? 'pending'}>
      {props.sync}
    </StatusText>
  );
}

export function HealthStatus(props: { health: ArgocdHealthStatus }) {
  return (
    <StatusText level={HEALTH_LEVEL[props.health] ?? 'pending'}>
      {props.health}
    </StatusText>
  );
}

export function SyncChip(props: { sync: ArgocdSyncStatus }) {
  return (
    <Chip
      variant="outlined"
      size="small"
      aria-label={`Sync: ${props.sync}`}
      label={<SyncStatus sync={props.sync} />}
    />
  );
}

export function HealthChip(props: { health: ArgocdHealthStatus }) {
  return (
    <Chip
      variant="outlined"
      size="small"
      aria-label={`Health: ${props.health}`}
      label={<HealthStatus health={props.health} />}
    />
  );
}

const SEVERITY_LEVEL: Record<StatusProblem['severity'], Level> = {
  error: 'error',
  warning: 'warning',
  info: 'pending',
};

/** What an operator should look at, worst first. */
export function ProblemList(props: { problems: StatusProblem[] }) {
  if (props.problems.length === 0) return null;
  const order = { error: 0, warning: 1, info: 2 };
  const problems = [...props.problems].sort(
    (a, b) => order[a.severity] - order[b.severity],
  );
  return (
    <List dense disablePadding aria-label="Problems">
      {problems.map((problem, i) => (
        <ListItem key={i} disableGutters>
          <ListItemText
            primary={
              <StatusText level={SEVERITY_LEVEL[problem.severity]}>
                {problem.message}
              </StatusText>
            }
            secondary={problem.reason}
          />
        </ListItem>
      ))}
    </List>
  );
}

/** `45 s`, `12 min`, `5 h`, `3 days`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

/** `5 min ago`, against the backend's clock (`generatedAt`) so ages agree with its verdicts. */
export function timeAgo(
  time: string | undefined,
  now: string,
): string | undefined {
  if (!time) return undefined;
  const at = Date.parse(time);
  const reference = Date.parse(now);
  if (Number.isNaN(at) || Number.isNaN(reference)) return time;
  return `${formatDuration(reference - at)} ago`;
}

/** A timestamp as its age, with the exact time on hover. */
export function Age(props: { time?: string; now: string }) {
  const text = timeAgo(props.time, props.now);
  if (!text) return <>never</>;
  return <span title={props.time}>{text}</span>;
}

/** Shown on every status card while the cluster's data is not current. */
export function StaleWarning(props: { freshness: ClusterFreshness }) {
  const { freshness } = props;
  if (freshness.state === 'ok') return null;
  const title =
    freshness.state === 'starting'
      ? `Cluster ${freshness.cluster} has not answered yet`
      : `Data from cluster ${freshness.cluster} is stale${
          freshness.staleSeconds !== undefined
            ? ` (last updated ${formatDuration(
                freshness.staleSeconds * 1000,
              )} ago)`
            : ''
        }`;
  return (
    <WarningPanel
      severity="warning"
      title={title}
      message={
        freshness.error ?? 'The portal keeps showing its last good data.'
      }
    />
  );
}
