import { useState } from 'react';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import {
  EmptyState,
  Link,
  MissingAnnotationEmptyState,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { assertError } from '@backstage/errors';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import useInterval from 'react-use/esm/useInterval';
import {
  launchpadArgocdSyncPermission,
  type InstanceDrift,
  type InstanceStatusResponse,
} from '@internal/plugin-launchpad-common';
import { launchpadApiRef } from '../../api';
import { useSignalsAvailable } from '../../hooks/useLiveRefresh';
import { ANNOTATIONS } from '../../constants';
import { isLaunchpadInstance, readInstance } from '../../entity';
import {
  Age,
  HealthChip,
  InstanceStatusCard,
  ProblemList,
  StatusText,
  SyncChip,
  commitUrl,
  shortRevision,
} from '../StatusChips';

const TITLE = 'ArgoCD';
/**
 * Without signals, while an operation runs the card asks again this often;
 * with signals every change of the Application is pushed instead.
 */
export const OPERATION_REFRESH_MS = 3_000;
const ACTIVE_PHASES = ['Pending', 'Running', 'Terminating'];

/** The ArgoCD card belongs on Open edX instance pages. */
export function isArgocdCardAvailable(entity: Entity): boolean {
  return isLaunchpadInstance(entity);
}

type Argocd = NonNullable<InstanceStatusResponse['argocd']>;

function Revision(props: { argocd: Argocd; revision?: string }) {
  const { argocd, revision } = props;
  if (!revision) return <>–</>;
  const url = commitUrl(argocd.sources[0]?.repoURL, revision);
  const text = shortRevision(revision);
  return url ? (
    <Link to={url} title={revision}>
      {text}
    </Link>
  ) : (
    <span title={revision}>{text}</span>
  );
}

const DRIFT_LEVEL = {
  'in-sync': 'ok',
  drifted: 'warning',
  behind: 'warning',
  unknown: 'pending',
} as const;
const DRIFT_TEXT = {
  'in-sync': 'in sync',
  drifted: 'drifted',
  behind: 'behind',
  unknown: 'unknown',
} as const;

/**
 * What differs from the repository: config.yml's images against the ones the
 * Deployments run, and the revision ArgoCD synced against the branch head.
 */
function DriftRow(props: { argocd: Argocd; drift: InstanceDrift }) {
  const { argocd, drift } = props;
  const drifted = drift.imageDetails.filter(d => d.state === 'drifted');
  const unknownImage = drift.imageDetails.find(d => d.state === 'unknown');
  let summary: { level: 'ok' | 'warning' | 'pending'; text: string } = {
    level: 'pending',
    text: 'Unknown',
  };
  if (drift.drifted) summary = { level: 'warning', text: 'Drifted' };
  else if (drift.images === 'in-sync' && drift.revision === 'in-sync')
    summary = { level: 'ok', text: 'None' };
  return (
    <TableRow>
      <TableCell component="th">Drift</TableCell>
      <TableCell>
        <Box display="flex" gridGap={8} alignItems="center">
          <StatusText level={summary.level}>{summary.text}</StatusText>
        </Box>
        <Box mt={0.5} aria-label="Image drift">
          <Typography variant="body2" component="div">
            Images:{' '}
            <StatusText level={DRIFT_LEVEL[drift.images]}>
              {DRIFT_TEXT[drift.images]}
            </StatusText>
            {drift.images === 'unknown' && unknownImage?.reason && (
              <>
                {' '}
                ({unknownImage.service}: {unknownImage.reason})
              </>
            )}
          </Typography>
          {drifted.map(d => (
            <Typography
              key={`${d.deployment}/${d.container}`}
              variant="caption"
              display="block"
            >
              {d.deployment}
              {d.container !== d.deployment ? `/${d.container}` : ''} runs{' '}
              <code>{d.runningImage}</code>; config.yml names{' '}
              <code>{d.configImage}</code>
            </Typography>
          ))}
        </Box>
        <Box mt={0.5} aria-label="Revision drift">
          <Typography variant="body2" component="div">
            Revision:{' '}
            <StatusText level={DRIFT_LEVEL[drift.revision]}>
              {DRIFT_TEXT[drift.revision]}
            </StatusText>
            {drift.syncedRevision && (
              <>
                {' '}
                synced{' '}
                <Revision argocd={argocd} revision={drift.syncedRevision} />
              </>
            )}
            {drift.headRevision && (
              <>
                {', '}
                branch head{' '}
                <Revision argocd={argocd} revision={drift.headRevision} />
              </>
            )}
          </Typography>
          {drift.revision !== 'in-sync' && drift.revisionReason && (
            <Typography variant="caption" display="block" color="textSecondary">
              {drift.revisionReason}
            </Typography>
          )}
        </Box>
      </TableCell>
    </TableRow>
  );
}

type ActionResult =
  | { kind: 'success'; message: string }
  | { kind: 'error'; message: string };

function SyncButtons(props: {
  entity: Entity;
  application: string;
  onDone: () => void;
}) {
  const { entity, application, onDone } = props;
  const api = useApi(launchpadApiRef);
  const { allowed } = usePermission({
    permission: launchpadArgocdSyncPermission,
    resourceRef: stringifyEntityRef(entity),
  });
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionResult>();

  if (!allowed) return null;

  const run = async (action: 'sync' | 'refresh') => {
    setConfirming(false);
    setBusy(true);
    setResult(undefined);
    try {
      const ref = getCompoundEntityRef(entity);
      if (action === 'sync') await api.syncInstance(ref);
      else await api.refreshInstance(ref);
      setResult({
        kind: 'success',
        message:
          action === 'sync'
            ? `Sync of ${application} started`
            : `Refresh of ${application} requested`,
      });
      onDone();
    } catch (e) {
      assertError(e);
      setResult({
        kind: 'error',
        message: `${action === 'sync' ? 'Sync' : 'Refresh'} failed: ${
          e.message
        }`,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box mb={2}>
      <Box display="flex" gridGap={8}>
        <Button
          variant="contained"
          color="primary"
          size="small"
          disabled={busy}
          onClick={() => setConfirming(true)}
        >
          Sync
        </Button>
        <Button
          variant="outlined"
          size="small"
          disabled={busy}
          onClick={() => run('refresh')}
        >
          Refresh
        </Button>
      </Box>
      {result && (
        <Box mt={1}>
          <Alert severity={result.kind} onClose={() => setResult(undefined)}>
            {result.message}
          </Alert>
        </Box>
      )}
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        aria-labelledby="launchpad-sync-title"
      >
        <DialogTitle id="launchpad-sync-title">Sync {application}?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            ArgoCD applies the repository's manifests to the cluster now,
            pruning what the repository no longer holds if the application says
            so.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
          <Button
            color="primary"
            variant="contained"
            onClick={() => run('sync')}
          >
            Confirm sync
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

function ArgocdDetails(props: {
  argocd: Argocd;
  drift?: InstanceDrift;
  now: string;
  reload: () => void;
}) {
  const { argocd, drift, now, reload } = props;
  const { entity } = useEntity();
  const operation = argocd.operation;
  const active = operation ? ACTIVE_PHASES.includes(operation.phase) : false;
  const live = useSignalsAvailable();
  useInterval(reload, active && !live ? OPERATION_REFRESH_MS : null);
  const history = [...argocd.history].reverse();

  return (
    <>
      <SyncButtons
        entity={entity}
        application={argocd.application}
        onDone={reload}
      />
      <Box display="flex" gridGap={8} mb={2} alignItems="center">
        <SyncChip sync={argocd.sync} />
        <HealthChip health={argocd.health} />
        {argocd.deleting && (
          <Typography variant="body2" color="error">
            Being deleted
          </Typography>
        )}
      </Box>
      <Table size="small" aria-label="ArgoCD application">
        <TableBody>
          <TableRow>
            <TableCell component="th">Application</TableCell>
            <TableCell>{argocd.application}</TableCell>
          </TableRow>
          <TableRow>
            <TableCell component="th">Revision</TableCell>
            <TableCell>
              <Revision argocd={argocd} revision={argocd.revision} />
              {argocd.sources[0]?.targetRevision &&
                ` (${argocd.sources[0].targetRevision})`}
            </TableCell>
          </TableRow>
          <TableRow>
            <TableCell component="th">Last sync</TableCell>
            <TableCell>
              {operation && !active ? (
                <>
                  {operation.phase}{' '}
                  <Age time={operation.finishedAt} now={now} />
                  {operation.initiatedBy && ` by ${operation.initiatedBy}`}
                </>
              ) : (
                '–'
              )}
            </TableCell>
          </TableRow>
          {operation && active && (
            <TableRow>
              <TableCell component="th">Operation</TableCell>
              <TableCell>
                Sync {operation.phase.toLowerCase()}
                {operation.startedAt && (
                  <>
                    {' '}
                    since <Age time={operation.startedAt} now={now} />
                  </>
                )}
                {operation.message && `: ${operation.message}`}
              </TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
      {drift && (
        <Table size="small" aria-label="Drift">
          <TableBody>
            <DriftRow argocd={argocd} drift={drift} />
          </TableBody>
        </Table>
      )}
      <Box mt={2}>
        <ProblemList problems={argocd.problems} />
      </Box>
      {history.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2">History</Typography>
          <Table size="small" aria-label="Sync history">
            <TableHead>
              <TableRow>
                <TableCell>Revision</TableCell>
                <TableCell>Deployed</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {history.map((entry, i) => (
                <TableRow key={entry.id ?? i}>
                  <TableCell>
                    <Revision
                      argocd={argocd}
                      revision={entry.revision ?? entry.revisions?.[0]}
                    />
                  </TableCell>
                  <TableCell>
                    <Age time={entry.deployedAt} now={now} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
    </>
  );
}

/** Sync and health of the instance's ArgoCD application, with Sync and Refresh for those allowed. */
export function ArgocdCard() {
  const { entity } = useEntity();
  const { argocdAppName } = readInstance(entity);
  return (
    <InstanceStatusCard
      title={TITLE}
      deepLink={status =>
        status.argocd?.url
          ? { title: 'Open in ArgoCD', link: status.argocd.url }
          : undefined
      }
    >
      {(status, reload) => {
        if (status.argocd) {
          return (
            <ArgocdDetails
              argocd={status.argocd}
              drift={status.drift}
              now={status.generatedAt}
              reload={reload}
            />
          );
        }
        if (!argocdAppName) {
          return (
            <MissingAnnotationEmptyState
              annotation={ANNOTATIONS.argocdAppName}
            />
          );
        }
        return (
          <EmptyState
            missing="data"
            title="No ArgoCD application"
            description={`The ${status.cluster} cluster has no ArgoCD application named ${argocdAppName}.`}
          />
        );
      }}
    </InstanceStatusCard>
  );
}
