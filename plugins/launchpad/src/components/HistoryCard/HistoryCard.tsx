import { Fragment, ReactNode, useState } from 'react';
import type { Entity } from '@backstage/catalog-model';
import {
  EmptyState,
  InfoCard,
  Link,
  MissingAnnotationEmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Timeline from '@material-ui/lab/Timeline';
import TimelineConnector from '@material-ui/lab/TimelineConnector';
import TimelineContent from '@material-ui/lab/TimelineContent';
import TimelineDot from '@material-ui/lab/TimelineDot';
import TimelineItem from '@material-ui/lab/TimelineItem';
import TimelineOppositeContent from '@material-ui/lab/TimelineOppositeContent';
import TimelineSeparator from '@material-ui/lab/TimelineSeparator';
import type { InstanceStatusResponse } from '@internal/plugin-launchpad-common';
import { ANNOTATIONS, LINK_TYPES } from '../../constants';
import { instanceClusterRef, isLaunchpadInstance } from '../../entity';
import { useInstanceHistory } from '../../hooks/useInstanceHistory';
import { useInstanceStatus } from '../../hooks/useInstanceStatus';
import {
  StatusText,
  commitUrl,
  formatDuration,
  shortRevision,
  timeAgo,
  OFFLOADED_NOTE,
  suspendedNote,
} from '../StatusChips';
import {
  entryLevel,
  entryPhase,
  formatClock,
  isSuspendedRun,
  milestone,
  secondsBetween,
  storyOf,
  workflowTitle,
  type ArgocdEntry,
  type BuildEntry,
  type Level,
  type TimelineEntry,
  type WorkflowEntry,
} from './timeline';

const TITLE = 'Provisioning and builds';
/** Entries shown before "Show all": a card, not a log. */
export const HISTORY_VISIBLE = 12;

/** The history card belongs on Open edX instance pages. */
export function isHistoryCardAvailable(entity: Entity): boolean {
  return isLaunchpadInstance(entity);
}

const useStyles = makeStyles(theme => ({
  timeline: { padding: 0, margin: 0 },
  // The time column only as wide as "30 Nov 14:02"; the lab's default
  // splits the card in two halves.
  time: {
    flex: '0 0 auto',
    width: theme.spacing(13),
    paddingLeft: 0,
    paddingTop: theme.spacing(0.75),
  },
  content: { paddingTop: theme.spacing(0.5), paddingRight: 0 },
  headline: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  // Workflow names and image references are long unbroken words.
  breakable: { wordBreak: 'break-all' },
}));

type Argocd = InstanceStatusResponse['argocd'];

/** What the entries link to, from the status response when it is loaded. */
interface LinkContext {
  argocd: Argocd;
  now: string;
}

const capitalize = (text: string) =>
  text.charAt(0).toUpperCase() + text.slice(1);

function PhaseChip(props: { level: Level; label: string }) {
  return (
    <Chip
      variant="outlined"
      size="small"
      aria-label={`Phase: ${props.label}`}
      label={<StatusText level={props.level}>{props.label}</StatusText>}
    />
  );
}

function Details(props: { children: ReactNode; error?: boolean }) {
  return (
    <Typography
      variant="caption"
      display="block"
      color={props.error ? 'error' : 'textSecondary'}
    >
      {props.children}
    </Typography>
  );
}

/** `·`-separated parts, leaving out the empty ones. */
function joined(parts: ReactNode[]): ReactNode {
  const present = parts.filter(
    part => part !== undefined && part !== null && part !== false,
  );
  return present.map((part, i) => (
    <Fragment key={i}>
      {i > 0 && ' · '}
      <span>{part}</span>
    </Fragment>
  ));
}

function WorkflowContent(props: { entry: WorkflowEntry; now: string }) {
  const { entry, now } = props;
  const classes = useStyles();
  const seconds =
    entry.durationSeconds ?? secondsBetween(entry.startedAt, entry.finishedAt);
  const running = !entry.finishedAt && entry.phase === 'Running';
  const failed = entry.phase === 'Failed' || entry.phase === 'Error';
  const suspended = isSuspendedRun(entry);
  const runningFor = running ? secondsBetween(entry.startedAt, now) : undefined;
  return (
    <>
      <Box className={classes.headline}>
        <Typography variant="body2" component="span">
          <strong>{workflowTitle(entry)}</strong>
        </Typography>
        <PhaseChip level={entryLevel(entry)} label={entryPhase(entry)} />
      </Box>
      <Details>
        {joined([
          <span className={classes.breakable}>{entry.name}</span>,
          seconds !== undefined && `took ${formatDuration(seconds * 1000)}`,
          runningFor !== undefined &&
            `running for ${formatDuration(runningFor * 1000)}`,
        ])}
      </Details>
      {failed && (entry.failedStep || entry.message) && (
        <Details error>
          {entry.failedStep
            ? `Step ${entry.failedStep} failed${
                entry.message ? `: ${entry.message}` : ''
              }`
            : entry.message}
        </Details>
      )}
      {suspended && (
        <Details>{suspendedNote(entry.phase || 'Pending')}</Details>
      )}
      {entry.nodesOffloaded &&
        !entry.failedStep &&
        entry.phase !== 'Succeeded' && <Details>{OFFLOADED_NOTE}</Details>}
    </>
  );
}

function BuildContent(props: { entry: BuildEntry }) {
  const { entry } = props;
  const classes = useStyles();
  const run = `Run ${entry.runId}`;
  return (
    <>
      <Box className={classes.headline}>
        <Typography variant="body2" component="span">
          <strong>Build of the {entry.service} image</strong>
        </Typography>
        <PhaseChip level={entryLevel(entry)} label={entryPhase(entry)} />
      </Box>
      <Details>
        {joined([
          entry.url ? <Link to={entry.url}>{run}</Link> : run,
          entry.durationSeconds !== undefined &&
            `took ${formatDuration(entry.durationSeconds * 1000)}`,
          entry.image && (
            <span className={classes.breakable} title={entry.image}>
              {entry.image}
            </span>
          ),
        ])}
      </Details>
    </>
  );
}

function ArgocdContent(props: { entry: ArgocdEntry; context: LinkContext }) {
  const { entry, context } = props;
  const classes = useStyles();
  const argocd =
    context.argocd?.application === entry.application
      ? context.argocd
      : undefined;
  const revisionUrl = commitUrl(argocd?.sources[0]?.repoURL, entry.revision);
  const state = `${entry.to.sync} · ${entry.to.health}`;
  return (
    <>
      <Box className={classes.headline}>
        <Typography variant="body2" component="span">
          <strong>{capitalize(milestone(entry))}</strong>
        </Typography>
        <PhaseChip level={entryLevel(entry)} label={state} />
      </Box>
      <Details>
        {joined([
          argocd?.url ? (
            <Link to={argocd.url}>{entry.application}</Link>
          ) : (
            entry.application
          ),
          entry.from && `from ${entry.from.sync} · ${entry.from.health}`,
          entry.revision &&
            (revisionUrl ? (
              <Link to={revisionUrl} title={entry.revision}>
                {shortRevision(entry.revision)}
              </Link>
            ) : (
              <span title={entry.revision}>
                {shortRevision(entry.revision)}
              </span>
            )),
        ])}
      </Details>
      {entry.message && (
        <Details error={entry.to.health === 'Degraded'}>
          {entry.message}
        </Details>
      )}
    </>
  );
}

function EntryContent(props: { entry: TimelineEntry; context: LinkContext }) {
  const { entry, context } = props;
  switch (entry.type) {
    case 'workflow':
      return <WorkflowContent entry={entry} now={context.now} />;
    case 'build':
      return <BuildContent entry={entry} />;
    case 'argocd':
      return <ArgocdContent entry={entry} context={context} />;
    default:
      // An entry type this card does not know yet (a newer backend).
      return null;
  }
}

/** `created → provisioned → built → synced → degraded at 14:02`. */
function StoryLine(props: { entries: TimelineEntry[]; now: string }) {
  const story = storyOf(props.entries);
  if (story.steps.length === 0) return null;
  return (
    <Typography variant="body2" aria-label="Summary" paragraph>
      {story.truncated && '… → '}
      {story.steps.join(' → ')}
      {story.lastAt && (
        <>
          {' at '}
          <span title={story.lastAt}>
            {formatClock(story.lastAt, props.now)}
          </span>
        </>
      )}
    </Typography>
  );
}

function HistoryTimeline(props: {
  entries: TimelineEntry[];
  context: LinkContext;
}) {
  const { entries, context } = props;
  const classes = useStyles();
  const [showAll, setShowAll] = useState(false);
  const visible = showAll ? entries : entries.slice(0, HISTORY_VISIBLE);
  return (
    <>
      <Timeline
        align="left"
        className={classes.timeline}
        aria-label="Instance history"
      >
        {visible.map((entry, i) => (
          <TimelineItem key={`${entry.type}:${entry.at}:${i}`}>
            <TimelineOppositeContent className={classes.time}>
              <Typography variant="body2" title={entry.at}>
                {formatClock(entry.at, context.now)}
              </Typography>
              <Typography variant="caption" color="textSecondary">
                {timeAgo(entry.at, context.now)}
              </Typography>
            </TimelineOppositeContent>
            <TimelineSeparator>
              <TimelineDot
                variant="outlined"
                color={i === 0 ? 'primary' : 'grey'}
              />
              {i < visible.length - 1 && <TimelineConnector />}
            </TimelineSeparator>
            <TimelineContent className={classes.content}>
              <EntryContent entry={entry} context={context} />
            </TimelineContent>
          </TimelineItem>
        ))}
      </Timeline>
      {entries.length > HISTORY_VISIBLE && (
        <Button size="small" onClick={() => setShowAll(!showAll)}>
          {showAll ? 'Show fewer' : `Show all ${entries.length}`}
        </Button>
      )}
    </>
  );
}

function buildsLink(entity: Entity) {
  const link = (entity.metadata.links ?? []).find(
    l => l.type === LINK_TYPES.build,
  );
  return link ? { title: 'Picasso builds', link: link.url } : undefined;
}

function LoadedHistoryCard() {
  const { entity } = useEntity();
  const history = useInstanceHistory();
  // Only for links (the ArgoCD application, commits) and the backend's
  // clock: the history itself comes from the database and shows while a
  // cluster is down, so a failed status request is the status cards' to show.
  const status = useInstanceStatus();
  const { value, loading, error } = history;
  const deepLink = buildsLink(entity);
  if (!value) {
    return (
      <InfoCard title={TITLE} deepLink={deepLink}>
        {loading || !error ? (
          <Progress />
        ) : (
          <ResponseErrorPanel error={error} />
        )}
      </InfoCard>
    );
  }
  const context: LinkContext = {
    argocd: status.value?.argocd,
    now: status.value?.generatedAt ?? new Date().toISOString(),
  };
  const entries = value.items;
  let body: ReactNode;
  if (!value.enabled) {
    body = (
      <EmptyState
        missing="info"
        title="History is disabled"
        description="This portal keeps no history of its instances: launchpad.history.enabled is false in its configuration."
      />
    );
  } else if (entries.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="Nothing recorded yet"
        description="Provisioning and deprovisioning runs, image builds and ArgoCD sync and health changes of this instance appear here as the portal sees them."
      />
    );
  } else {
    body = (
      <>
        <StoryLine entries={entries} now={context.now} />
        <HistoryTimeline entries={entries} context={context} />
      </>
    );
  }
  return (
    <InfoCard title={TITLE} deepLink={deepLink}>
      {error && (
        // A periodic reload failed: the last answer stays, with the reason.
        <Box mb={2}>
          <ResponseErrorPanel error={error} />
        </Box>
      )}
      {body}
    </InfoCard>
  );
}

/**
 * The instance's workflow runs, image builds and ArgoCD sync and health
 * changes on one time line, newest first, under a one-line story
 * ("created → provisioned → built → synced → degraded at 14:02"). Read from
 * the backend's history tables, so runs Argo has already removed still show.
 */
export function HistoryCard() {
  const { entity } = useEntity();
  if (!instanceClusterRef(entity)) {
    return (
      <InfoCard title={TITLE}>
        <MissingAnnotationEmptyState annotation={ANNOTATIONS.cluster} />
      </InfoCard>
    );
  }
  return <LoadedHistoryCard />;
}
