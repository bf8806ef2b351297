import { InfoCard, WarningPanel } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import { readCluster } from '../../entity';
import { DetailsTable, UrlLink } from '../DetailsTable';

/** Where a Kubernetes cluster is and which repository drives it. */
export function ClusterOverviewCard() {
  const { entity } = useEntity();
  const details = readCluster(entity);
  return (
    <InfoCard title="Kubernetes cluster">
      {details.configError && (
        <Box mb={2}>
          <WarningPanel
            severity="error"
            title="Configuration error"
            message={details.configError}
            defaultExpanded
          />
        </Box>
      )}
      <DetailsTable
        rows={[
          ['Cluster', details.name],
          ['Environment', details.environment],
          ['Domain', details.domain],
          [
            'Cluster repository',
            details.repositoryUrl && (
              <UrlLink url={details.repositoryUrl} text={details.repository} />
            ),
          ],
          ['API server', details.apiServer],
        ]}
      />
    </InfoCard>
  );
}
