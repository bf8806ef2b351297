import {
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  FleetFilter,
  FleetSummary,
} from '@internal/plugin-launchpad-common';
import { fleetRouteRef } from '../../routes';
import { fleetPageSearch } from '../FleetPage';
import { StaleWarning } from '../StatusChips';
import {
  useClusterSummaries,
  type ClusterSummary,
} from './useClusterSummaries';

/** The counts a cluster card shows, each the fleet page's filter of that name. */
export const CLUSTER_COUNTS: Array<{
  filter: FleetFilter;
  label: string;
  count: (s: FleetSummary) => number;
}> = [
  { filter: 'out-of-sync', label: 'out of sync', count: s => s.outOfSync },
  { filter: 'degraded', label: 'degraded', count: s => s.degraded },
  { filter: 'at-max', label: 'at max replicas', count: s => s.atMax },
  {
    filter: 'backup-overdue',
    label: 'backup overdue',
    count: s => s.backupOverdue,
  },
];

const useStyles = makeStyles(theme => ({
  total: {
    fontSize: theme.typography.h3.fontSize,
    fontWeight: theme.typography.fontWeightBold as number,
    lineHeight: 1.1,
  },
  count: {
    fontWeight: theme.typography.fontWeightBold as number,
    marginRight: theme.spacing(0.5),
  },
  attention: { color: theme.palette.error.main },
  calm: { color: theme.palette.text.secondary },
}));

/** The fleet page's URL, falling back to its default path outside an app that binds it. */
function useFleetLink() {
  const fleet = useRouteRef(fleetRouteRef);
  const base = fleet?.() ?? '/launchpad/fleet';
  return (cluster: string, filter?: FleetFilter) =>
    `${base}${fleetPageSearch({
      cluster,
      filter: filter ? [filter] : undefined,
    })}`;
}

function ClusterCard(props: { value: ClusterSummary }) {
  const { cluster, summary, freshness } = props.value;
  const classes = useStyles();
  const link = useFleetLink();
  return (
    <InfoCard title={cluster} subheader="Open edX instances and their status">
      <Box mb={freshness.state === 'ok' ? 0 : 2}>
        <StaleWarning freshness={freshness} />
      </Box>
      <Link
        to={link(cluster)}
        aria-label={`${summary.total} instances on ${cluster}`}
      >
        <Typography component="span" className={classes.total}>
          {summary.total}
        </Typography>{' '}
        <Typography component="span" variant="subtitle1">
          instances
        </Typography>
      </Link>
      <Box component="ul" mt={1} mb={0} pl={0} style={{ listStyle: 'none' }}>
        {CLUSTER_COUNTS.map(({ filter, label, count }) => {
          const n = count(summary);
          return (
            <li key={filter}>
              <Link
                to={link(cluster, filter)}
                aria-label={`${n} ${label} on ${cluster}`}
                className={n > 0 ? classes.attention : classes.calm}
              >
                <span className={classes.count}>{n}</span>
                {label}
              </Link>
            </li>
          );
        })}
      </Box>
    </InfoCard>
  );
}

/**
 * "How is my fleet?": one card per cluster with its instance count and how
 * many are out of sync, degraded, at max replicas or behind on backups, each
 * number a link to the fleet page filtered that way.
 */
export function ClusterSummaryCards() {
  const { value, loading, error } = useClusterSummaries();
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.length) {
    return (
      <EmptyState
        missing="info"
        title="No clusters"
        description="launchpad.clusters in the app configuration lists none."
      />
    );
  }
  return (
    <Grid container spacing={3}>
      {value.map(v => (
        <Grid item xs={12} sm={6} lg={4} key={v.cluster}>
          <ClusterCard value={v} />
        </Grid>
      ))}
    </Grid>
  );
}
