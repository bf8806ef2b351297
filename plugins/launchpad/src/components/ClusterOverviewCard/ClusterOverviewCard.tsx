import { InfoCard } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { readCluster } from '../../entity';
import { ConfigErrorPanel } from '../ConfigErrorPanel';
import { DetailsTable, UrlLink } from '../DetailsTable';

/** Where a Kubernetes cluster is and which repository drives it. */
export function ClusterOverviewCard() {
  const { entity } = useEntity();
  const details = readCluster(entity);
  return (
    <InfoCard title="Kubernetes cluster">
      <ConfigErrorPanel error={details.configError} />
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
