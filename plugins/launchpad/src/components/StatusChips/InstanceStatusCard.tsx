import { ReactNode } from 'react';
import {
  InfoCard,
  MissingAnnotationEmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import type { InstanceStatusResponse } from '@internal/plugin-launchpad-common';
import { ANNOTATIONS } from '../../constants';
import { instanceClusterRef } from '../../entity';
import { useInstanceStatus } from '../../hooks/useInstanceStatus';
import { StaleWarning } from './StatusChips';

export interface InstanceStatusCardProps {
  title: string;
  /** The card's body for a loaded status; `reload` asks the backend again. */
  children: (status: InstanceStatusResponse, reload: () => void) => ReactNode;
  /** Header actions for a loaded status (buttons). */
  action?: (status: InstanceStatusResponse) => ReactNode;
  deepLink?: (
    status: InstanceStatusResponse,
  ) => { title: string; link: string } | undefined;
}

function LoadedCard(props: InstanceStatusCardProps) {
  const { title, children, action, deepLink } = props;
  const { value, loading, error, retry } = useInstanceStatus();
  // A periodic reload keeps the last answer on screen while it runs.
  if (!value) {
    return (
      <InfoCard title={title}>
        {loading || !error ? (
          <Progress />
        ) : (
          <ResponseErrorPanel error={error} />
        )}
      </InfoCard>
    );
  }
  return (
    <InfoCard
      title={title}
      action={action?.(value)}
      deepLink={deepLink?.(value)}
    >
      {error && (
        <Box mb={2}>
          <ResponseErrorPanel error={error} />
        </Box>
      )}
      {value.freshness.state !== 'ok' && (
        <Box mb={2}>
          <StaleWarning freshness={value.freshness} />
        </Box>
      )}
      {children(value, retry)}
    </InfoCard>
  );
}

/**
 * The frame of every instance status card: the missing-annotation, loading,
 * error and stale states, around the card's own content.
 */
export function InstanceStatusCard(props: InstanceStatusCardProps) {
  const { entity } = useEntity();
  if (!instanceClusterRef(entity)) {
    return (
      <InfoCard title={props.title}>
        <MissingAnnotationEmptyState annotation={ANNOTATIONS.cluster} />
      </InfoCard>
    );
  }
  return <LoadedCard {...props} />;
}
