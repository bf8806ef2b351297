import { InfoCard } from '@backstage/core-components';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import { readInstance } from '../../entity';
import { ConfigErrorPanel } from '../ConfigErrorPanel';
import { DetailsTable, UrlLink, entityLinkValue } from '../DetailsTable';

function Code(props: { children: string }) {
  return (
    <Typography variant="body2" component="code">
      {props.children}
    </Typography>
  );
}

/**
 * What an Open edX instance is and where it runs, read from the annotations
 * the Launchpad entity provider writes.
 */
export function InstanceOverviewCard() {
  const { entity } = useEntity();
  const details = readInstance(entity);

  const release = details.release
    ? `${details.release}${
        details.releaseName ? ` (${details.releaseName})` : ''
      }`
    : details.releaseName;

  return (
    <InfoCard title="Open edX instance">
      <ConfigErrorPanel error={details.configError}>
        <Typography variant="body2">
          The instance's files in the cluster repository could not be read, so
          some details below may be missing or stale. Fix{' '}
          {details.sourcePath ? (
            <Code>{details.sourcePath}</Code>
          ) : (
            'the instance folder'
          )}{' '}
          in the cluster repository.
        </Typography>
      </ConfigErrorPanel>
      <DetailsTable
        rows={[
          [
            'Cluster',
            details.cluster && (
              <EntityRefLink
                entityRef={details.cluster}
                defaultKind="resource"
              />
            ),
          ],
          ['Environment', details.environment],
          ['Namespace', details.namespace],
          ['Open edX release', release],
          ['Tutor version', details.tutorVersion],
          [
            'Open edX image',
            details.openedxImage && <Code>{details.openedxImage}</Code>,
          ],
          ['MFE image', details.mfeImage && <Code>{details.mfeImage}</Code>],
          ['LMS', entityLinkValue(details.lms)],
          ['Studio', entityLinkValue(details.studio)],
          ['Preview', entityLinkValue(details.preview)],
          ['ArgoCD application', details.argocdAppName],
          [
            'Repository folder',
            details.repositoryFolderUrl && (
              <UrlLink
                url={details.repositoryFolderUrl}
                text={
                  details.repository && details.sourcePath
                    ? `${details.repository}/${details.sourcePath}`
                    : undefined
                }
              />
            ),
          ],
        ]}
      />
    </InfoCard>
  );
}
