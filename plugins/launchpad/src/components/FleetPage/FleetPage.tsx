import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Content, Header, Page } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import FormControl from '@material-ui/core/FormControl';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import {
  FLEET_FILTERS,
  type FleetFilter,
  type FleetResponse,
} from '@internal/plugin-launchpad-common';
import { FleetTable } from '../FleetTable';

const ALL = '*';

/**
 * The fleet page's query parameters, as the backend's: `cluster` (one name)
 * and `filter` (comma-separated, e.g. `out-of-sync,at-max`). Unknown filter
 * names are dropped rather than sent (the backend would answer 400).
 */
export function fleetPageSearch(options: {
  cluster?: string;
  filter?: FleetFilter[];
}): string {
  const params = new URLSearchParams();
  if (options.cluster) params.set('cluster', options.cluster);
  if (options.filter?.length) params.set('filter', options.filter.join(','));
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

const isFleetFilter = (f: string): f is FleetFilter =>
  (FLEET_FILTERS as readonly string[]).includes(f);

/**
 * Every Open edX instance across the clusters, with a cluster selector. The
 * cluster and the filters live in the URL, so the home page's counts link to
 * the filtered view and the browser's back button undoes a filter.
 */
export function FleetPage() {
  const [params, setParams] = useSearchParams();
  const cluster = params.get('cluster') || ALL;
  const filterParam = params.getAll('filter').join(',');
  const filters = useMemo(
    () => filterParam.split(',').filter(isFleetFilter),
    [filterParam],
  );
  const update = (next: { cluster: string; filter: FleetFilter[] }) =>
    setParams(
      new URLSearchParams(
        fleetPageSearch({
          cluster: next.cluster === ALL ? undefined : next.cluster,
          filter: next.filter,
        }),
      ),
    );
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
            onChange={e =>
              update({ cluster: String(e.target.value), filter: filters })
            }
          >
            <MenuItem value={ALL}>All clusters</MenuItem>
            {/* A cluster from the URL is listed before the answer names it. */}
            {(cluster === ALL || clusters.includes(cluster)
              ? clusters
              : [cluster, ...clusters]
            ).map(name => (
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
        filters={filters}
        onFiltersChange={filter => update({ cluster, filter })}
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
