import type { Entity } from '@backstage/catalog-model';
import { EmptyState } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { AutoscalerDerivedStatus } from '@internal/plugin-launchpad-common';
import { isLaunchpadInstance } from '../../entity';
import { InstanceStatusCard, ProblemList, VerdictStatus } from '../StatusChips';

const useStyles = makeStyles(theme => ({
  bar: {
    height: theme.spacing(1),
    borderRadius: theme.shape.borderRadius,
    backgroundColor: theme.palette.action.hover,
  },
  ok: { backgroundColor: theme.palette.success.main },
  atMax: { backgroundColor: theme.palette.warning.main },
  hpa: {
    '& + &': {
      marginTop: theme.spacing(3),
      paddingTop: theme.spacing(2),
      borderTop: `1px solid ${theme.palette.divider}`,
    },
  },
}));

/** The Autoscaling card belongs on Open edX instance pages. */
export function isAutoscalingCardAvailable(entity: Entity): boolean {
  return isLaunchpadInstance(entity);
}

const SCALING_TEXT: Record<AutoscalerDerivedStatus['scaling'], string> = {
  up: 'scaling up',
  down: 'scaling down',
  steady: 'steady',
  unknown: 'unknown',
};

function Autoscaler(props: { hpa: AutoscalerDerivedStatus }) {
  const { hpa } = props;
  const classes = useStyles();
  const name = hpa.name ?? hpa.target ?? 'autoscaler';
  const max = hpa.maxReplicas;
  const current = hpa.currentReplicas;
  // The bar runs from 0 to maxReplicas; the text says where min is.
  const value =
    max && current !== undefined ? Math.min(100, (current / max) * 100) : 0;
  return (
    <div className={classes.hpa} data-testid={`hpa-${name}`}>
      <Box display="flex" justifyContent="space-between" alignItems="baseline">
        <Typography variant="subtitle2">
          {name}
          {hpa.target && hpa.target !== name && (
            <Typography
              variant="caption"
              component="span"
              color="textSecondary"
            >
              {' '}
              → {hpa.target}
            </Typography>
          )}
        </Typography>
        <VerdictStatus verdict={hpa.verdict} />
      </Box>
      <Typography variant="body2">
        {current ?? '?'} of {hpa.minReplicas ?? '?'}–{max ?? '?'} replicas
        {hpa.desiredReplicas !== undefined &&
          hpa.desiredReplicas !== current &&
          `, ${hpa.desiredReplicas} desired`}{' '}
        ({SCALING_TEXT[hpa.scaling]})
      </Typography>
      <LinearProgress
        variant="determinate"
        value={value}
        aria-label={`${name} replicas`}
        classes={{
          root: classes.bar,
          bar: hpa.atMax ? classes.atMax : classes.ok,
        }}
      />
      {hpa.metrics.length > 0 && (
        <Table size="small" aria-label={`${name} metrics`}>
          <TableHead>
            <TableRow>
              <TableCell>Metric</TableCell>
              <TableCell>Current</TableCell>
              <TableCell>Target</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {hpa.metrics.map(metric => (
              <TableRow key={`${metric.type}/${metric.name}`}>
                <TableCell>{metric.name}</TableCell>
                <TableCell>{metric.current ?? 'unavailable'}</TableCell>
                <TableCell>{metric.target ?? '–'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Box mt={1}>
        <ProblemList problems={hpa.problems} />
      </Box>
    </div>
  );
}

/** Each HorizontalPodAutoscaler of the instance: replicas within min–max, metrics against targets. */
export function AutoscalingCard() {
  return (
    <InstanceStatusCard title="Autoscaling">
      {status =>
        status.autoscalers.length === 0 ? (
          <EmptyState
            missing="data"
            title="No autoscalers"
            description={`Namespace ${status.namespace} has no HorizontalPodAutoscaler: its replicas are fixed.`}
          />
        ) : (
          status.autoscalers.map((hpa, i) => (
            <Autoscaler key={hpa.name ?? i} hpa={hpa} />
          ))
        )
      }
    </InstanceStatusCard>
  );
}
