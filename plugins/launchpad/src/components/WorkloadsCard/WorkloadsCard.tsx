import type { Entity } from '@backstage/catalog-model';
import { EmptyState } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type {
  DeploymentSummary,
  InstanceStatusResponse,
  InstanceWorkflowRun,
} from '@internal/plugin-launchpad-common';
import { isLaunchpadInstance } from '../../entity';
import {
  Age,
  InstanceStatusCard,
  StatusText,
  VerdictStatus,
  OFFLOADED_NOTE,
  suspendedNote,
} from '../StatusChips';

const WORKFLOW_LEVEL = {
  pending: 'pending',
  running: 'running',
  succeeded: 'ok',
  failed: 'error',
  unknown: 'pending',
} as const;

/**
 * A run's phase. A suspended run (spec.suspend or a Suspend step waiting, as
 * deriveWorkflowStatus reads Argo's IsWorkflowSuspended) stays phase Running
 * while it waits, so it shows as Suspended; a finished run shows its phase.
 */
function WorkflowPhase(props: { run: InstanceWorkflowRun }) {
  const { run } = props;
  const finished = run.verdict === 'succeeded' || run.verdict === 'failed';
  if (run.suspended && !finished) {
    return (
      <>
        <StatusText level="warning">Suspended</StatusText>
        <Typography variant="caption" display="block">
          {suspendedNote(run.phase ?? 'Pending')}
        </Typography>
      </>
    );
  }
  return (
    <StatusText level={WORKFLOW_LEVEL[run.verdict] ?? 'pending'}>
      {run.phase ?? 'Pending'}
    </StatusText>
  );
}

/** Argo Workflows in the namespace (provisioning, deprovisioning), newest first. */
function Workflows(props: { status: InstanceStatusResponse }) {
  const { workflows, generatedAt } = props.status;
  if (workflows.length === 0) return null;
  return (
    <Box mt={2}>
      <Typography variant="subtitle2">Workflows</Typography>
      <Table size="small" aria-label="Workflows">
        <TableHead>
          <TableRow>
            <TableCell>Workflow</TableCell>
            <TableCell>Phase</TableCell>
            <TableCell>Started</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {workflows.map(run => (
            <TableRow key={run.name}>
              <TableCell>
                {run.name}
                {run.template && (
                  <Typography variant="caption" display="block">
                    {run.template}
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                <WorkflowPhase run={run} />
                {run.failedSteps.map(step => (
                  <Typography
                    key={step.name}
                    variant="caption"
                    display="block"
                    color="error"
                  >
                    {step.name}
                    {step.message && `: ${step.message}`}
                  </Typography>
                ))}
                {run.failedSteps.length === 0 &&
                  run.verdict === 'failed' &&
                  run.message && (
                    <Typography variant="caption" display="block">
                      {run.message}
                    </Typography>
                  )}
                {run.nodesOffloaded &&
                  run.failedSteps.length === 0 &&
                  run.verdict !== 'succeeded' && (
                    <Typography variant="caption" display="block">
                      {OFFLOADED_NOTE}
                    </Typography>
                  )}
              </TableCell>
              <TableCell>
                <Age time={run.startedAt} now={generatedAt} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

const DEPLOYMENT_TEXT: Record<DeploymentSummary['verdict'], string> = {
  ok: 'Available',
  progressing: 'Rolling out',
  error: 'Failing',
};

/**
 * A Deployment's status. A paused one (spec.paused) keeps the verdict `ok`
 * while its rollouts wait; the workloads verdict warns (DeploymentPaused), so
 * it shows as a warning, not as Available.
 */
function DeploymentStatus(props: { deployment: DeploymentSummary }) {
  const { deployment: d } = props;
  const resume = 'rollout paused: kubectl rollout resume';
  if (d.paused && d.verdict !== 'error') {
    return (
      <>
        <StatusText level="warning">Paused</StatusText>
        <Typography variant="caption" display="block">
          {resume}
        </Typography>
      </>
    );
  }
  return (
    <>
      <VerdictStatus verdict={d.verdict}>
        {DEPLOYMENT_TEXT[d.verdict]}
      </VerdictStatus>
      {d.message && (
        <Typography variant="caption" display="block">
          {d.message}
        </Typography>
      )}
      {d.paused && (
        <Typography variant="caption" display="block">
          {resume}
        </Typography>
      )}
    </>
  );
}

/** The Workloads card belongs on Open edX instance pages. */
export function isWorkloadsCardAvailable(entity: Entity): boolean {
  return isLaunchpadInstance(entity);
}

function Workloads(props: { status: InstanceStatusResponse }) {
  const { workloads, namespace, generatedAt, workflows } = props.status;
  if (
    workloads.deployments.length === 0 &&
    workloads.waiting.length === 0 &&
    workloads.failedJobs.length === 0
  ) {
    return workflows.length > 0 ? (
      <Workflows status={props.status} />
    ) : (
      <EmptyState
        missing="data"
        title="No workloads"
        description={`Namespace ${namespace} has no Deployments yet.`}
      />
    );
  }
  return (
    <>
      <Table size="small" aria-label="Deployments">
        <TableHead>
          <TableRow>
            <TableCell>Deployment</TableCell>
            <TableCell>Ready</TableCell>
            <TableCell>Status</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {workloads.deployments.map(d => (
            <TableRow key={d.name}>
              <TableCell>{d.name}</TableCell>
              <TableCell>
                {d.ready}/{d.desired}
              </TableCell>
              <TableCell>
                <DeploymentStatus deployment={d} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {workloads.waiting.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2">Containers waiting</Typography>
          <Table size="small" aria-label="Containers waiting">
            <TableHead>
              <TableRow>
                <TableCell>Pod / container</TableCell>
                <TableCell>Reason</TableCell>
                <TableCell>Restarts</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {workloads.waiting.map(w => (
                <TableRow key={`${w.pod}/${w.container}`}>
                  <TableCell>
                    {w.pod} / {w.container}
                    {w.init && ' (init)'}
                  </TableCell>
                  <TableCell>
                    <StatusText level="error">{w.reason}</StatusText>
                    {w.message && (
                      <Typography variant="caption" display="block">
                        {w.message}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>{w.restarts}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      {workloads.failedJobs.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2">Failed Jobs</Typography>
          <Table size="small" aria-label="Failed Jobs">
            <TableHead>
              <TableRow>
                <TableCell>Job</TableCell>
                <TableCell>Reason</TableCell>
                <TableCell>Failed</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {workloads.failedJobs.map(job => (
                <TableRow key={job.name}>
                  <TableCell>{job.name}</TableCell>
                  <TableCell>
                    <StatusText level="error">
                      {job.reason ?? 'Failed'}
                    </StatusText>
                    {job.message && (
                      <Typography variant="caption" display="block">
                        {job.message}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <Age time={job.failedAt} now={generatedAt} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      <Workflows status={props.status} />
    </>
  );
}

/** The instance's Deployments, containers waiting (CrashLoopBackOff, ImagePullBackOff) and failed Jobs. */
export function WorkloadsCard() {
  return (
    <InstanceStatusCard title="Workloads">
      {status => <Workloads status={status} />}
    </InstanceStatusCard>
  );
}
