import { useCallback, useState } from 'react';
import { Content, Header, Page } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import FormControl from '@material-ui/core/FormControl';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import type { FleetResponse } from '@internal/plugin-launchpad-common';
import { FleetTable } from '../FleetTable';

const ALL = '*';

/** Every Open edX instance across the clusters, with a cluster selector. */
export function FleetPage() {
  const [cluster, setCluster] = useState<string>(ALL);
  const [clusters, setClusters] = useState<string[]>([]);
  // Across all clusters the answer names every configured cluster.
  const onResponse = useCallback(
    (response: FleetResponse) => {
      if (cluster === ALL) setClusters(response.clusters.map(c => c.cluster));
    },
    [cluster],
  );
  return (
    <Content>
      <Box mb={2}>
        <FormControl variant="outlined" size="small" style={{ minWidth: 200 }}>
          <InputLabel id="launchpad-fleet-cluster">Cluster</InputLabel>
          <Select
            labelId="launchpad-fleet-cluster"
            label="Cluster"
            value={cluster}
            onChange={e => setCluster(String(e.target.value))}
          >
            <MenuItem value={ALL}>All clusters</MenuItem>
            {clusters.map(name => (
              <MenuItem key={name} value={name}>
                {name}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      </Box>
      <FleetTable
        cluster={cluster === ALL ? undefined : cluster}
        title={cluster === ALL ? 'All instances' : `Instances on ${cluster}`}
        onResponse={onResponse}
      />
    </Content>
  );
}

/** The fleet page with its own header, for apps on the legacy frontend system. */
export function LegacyFleetPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Fleet"
        subtitle="Sync, health, replicas, workloads and backups of every Open edX instance"
      />
      <FleetPage />
    </Page>
  );
}
