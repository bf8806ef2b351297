import { useCallback, useRef, useState } from 'react';
import {
  ResponseErrorPanel,
  Table,
  type TableColumn,
  type TableProps,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { assertError } from '@backstage/errors';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import {
  FLEET_SORT_KEYS,
  LAUNCHPAD_FLEET_CHANNEL,
  type FleetFilter,
  type FleetResponse,
  type FleetRow,
  type FleetSortKey,
  type FleetSummary,
} from '@internal/plugin-launchpad-common';
import { launchpadApiRef } from '../../api';
import {
  useFallbackRefresh,
  useSignalRefresh,
} from '../../hooks/useLiveRefresh';
import {
  HealthStatus,
  StaleWarning,
  StatusText,
  SyncStatus,
  VerdictStatus,
} from '../StatusChips';

export const FLEET_PAGE_SIZE = 20;
/** Fleet signals come once a second per cluster; the table asks at most this often. */
export const FLEET_LIVE_MIN_INTERVAL_MS = 2_000;

/** The filters offered, with the summary count each one matches. */
const FILTERS: Array<{
  filter: FleetFilter;
  label: string;
  count: (s: FleetSummary) => number;
}> = [
  { filter: 'out-of-sync', label: 'Out of sync', count: s => s.outOfSync },
  { filter: 'degraded', label: 'Degraded', count: s => s.degraded },
  { filter: 'at-max', label: 'At max replicas', count: s => s.atMax },
  {
    filter: 'crash-looping',
    label: 'Crash-looping',
    count: s => s.crashLooping,
  },
  {
    filter: 'backup-overdue',
    label: 'Backup overdue',
    count: s => s.backupOverdue,
  },
  {
    filter: 'progressing',
    label: 'Progressing',
    count: s => s.byVerdict.progressing,
  },
  { filter: 'error', label: 'Error', count: s => s.byVerdict.error },
  { filter: 'drifted', label: 'Drifted', count: s => s.drifted },
];

const BACKUP_LEVEL = {
  covered: 'ok',
  overdue: 'error',
  failing: 'error',
  'not-covered': 'warning',
  unknown: 'pending',
} as const;

// Status words wrap mid-word in narrow cells ("Sync ed"): keep them whole,
// with half the default cell padding; the verdict comes first after the name
// so it stays in view when a narrow screen scrolls the table.
const nowrap = {
  whiteSpace: 'nowrap',
  paddingLeft: 8,
  paddingRight: 8,
} as const;
const narrowHeader = { paddingLeft: 8, paddingRight: 8 } as const;

/** Drifted (images or revision), none, or unknown; the reason on hover. */
function DriftCell(props: { row: FleetRow }) {
  const { drift } = props.row;
  if (!drift) return <>–</>;
  const parts = [
    drift.images === 'drifted' && 'images',
    drift.revision === 'behind' && 'revision',
  ].filter(Boolean);
  if (drift.drifted) {
    return (
      <span title={drift.revisionReason}>
        <StatusText level="warning">drifted</StatusText>
        <Typography variant="caption" display="block" color="textSecondary">
          {parts.join(', ')}
        </Typography>
      </span>
    );
  }
  return drift.images === 'in-sync' && drift.revision === 'in-sync' ? (
    <StatusText level="ok">none</StatusText>
  ) : (
    <span title={drift.revisionReason}>
      <StatusText level="pending">unknown</StatusText>
    </span>
  );
}

const columns: TableColumn<FleetRow>[] = [
  {
    title: 'Instance',
    field: 'name',
    highlight: true,
    render: row => (
      <>
        <EntityRefLink entityRef={row.entityRef} hideIcon>
          {row.name}
        </EntityRefLink>
        {row.title && (
          <Typography variant="caption" display="block" color="textSecondary">
            {row.title}
          </Typography>
        )}
        {row.stale && (
          <Typography variant="caption" display="block" color="error">
            stale
          </Typography>
        )}
      </>
    ),
  },
  {
    title: 'Verdict',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
    field: 'verdict',
    render: row => (
      <span title={row.problems.join('\n')}>
        <VerdictStatus verdict={row.verdict} />
      </span>
    ),
  },
  {
    title: 'Cluster',
    field: 'cluster',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
  },
  {
    title: 'Sync',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
    field: 'sync',
    render: row => <SyncStatus sync={row.sync} />,
  },
  {
    title: 'Health',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
    field: 'health',
    render: row => <HealthStatus health={row.health} />,
  },
  {
    title: 'Replicas',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
    field: 'replicas',
    render: row =>
      row.replicas.current === undefined ? (
        '–'
      ) : (
        <>
          {row.replicas.current}/{row.replicas.max ?? '?'}
          {row.replicas.atMax && (
            <Box component="span" ml={1}>
              <StatusText level="warning">at max</StatusText>
            </Box>
          )}
        </>
      ),
  },
  {
    title: 'Workloads',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
    field: 'workloads',
    render: row => (
      <>
        <VerdictStatus verdict={row.workloads.verdict}>
          {row.workloads.ready}/{row.workloads.desired}
        </VerdictStatus>
        {row.workloads.crashLooping > 0 && (
          <Typography variant="caption" display="block" color="error">
            {row.workloads.crashLooping} crash-looping
          </Typography>
        )}
        {row.workloads.failedJobs > 0 && (
          <Typography variant="caption" display="block" color="error">
            {row.workloads.failedJobs} failed jobs
          </Typography>
        )}
      </>
    ),
  },
  {
    title: 'Backup',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
    field: 'backup',
    render: row => (
      <StatusText level={BACKUP_LEVEL[row.backup] ?? 'pending'}>
        {row.backup}
      </StatusText>
    ),
  },
  {
    title: 'Drift',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
    field: 'drift',
    render: row => <DriftCell row={row} />,
  },
  {
    title: 'Release',
    field: 'release',
    cellStyle: nowrap,
    headerStyle: narrowHeader,
  },
];

type DataFunction = Extract<
  TableProps<FleetRow>['data'],
  (...args: never[]) => unknown
>;
type Query = Parameters<DataFunction>[0];

function sortKeyOf(query: Query): FleetSortKey | undefined {
  const field = query.orderBy?.field;
  return typeof field === 'string' &&
    (FLEET_SORT_KEYS as readonly string[]).includes(field)
    ? (field as FleetSortKey)
    : undefined;
}

export interface FleetTableProps {
  /** One cluster's instances; all clusters when absent. */
  cluster?: string;
  title?: string;
  pageSize?: number;
  /** Called with every answer (the fleet page learns the clusters from it). */
  onResponse?: (response: FleetResponse) => void;
  /**
   * The selected filters, when the caller keeps them (the fleet page keeps
   * them in its URL, so a link can open the table filtered); the table keeps
   * its own otherwise.
   */
  filters?: FleetFilter[];
  onFiltersChange?: (filters: FleetFilter[]) => void;
}

/**
 * One row per Open edX instance, paged, sorted, searched and filtered by the
 * `launchpad` backend (the table only shows the page it answers).
 */
export function FleetTable(props: FleetTableProps) {
  const {
    cluster,
    title = 'Fleet',
    pageSize = FLEET_PAGE_SIZE,
    onResponse,
  } = props;
  const api = useApi(launchpadApiRef);
  const [ownFilters, setOwnFilters] = useState<FleetFilter[]>([]);
  const filters = props.filters ?? ownFilters;
  const setFilters = (next: FleetFilter[]) =>
    (props.onFiltersChange ?? setOwnFilters)(next);
  const [last, setLast] = useState<FleetResponse>();
  const [error, setError] = useState<Error>();
  // The search text survives the table's remount on a filter change.
  const search = useRef('');
  // Live: a fleet signal of a shown cluster asks for the current page again.
  const tableRef = useRef<{ onQueryChange: () => void } | null>(null);
  const reload = useCallback(() => tableRef.current?.onQueryChange(), []);
  const live = useSignalRefresh(LAUNCHPAD_FLEET_CHANNEL, reload, {
    accept: message => !cluster || message.cluster === cluster,
    minIntervalMs: FLEET_LIVE_MIN_INTERVAL_MS,
  });
  useFallbackRefresh(live, reload);

  const data = useCallback<DataFunction>(
    async query => {
      search.current = query.search ?? '';
      try {
        const response = await api.getFleet({
          ...(cluster ? { cluster } : {}),
          ...(filters.length ? { filter: filters } : {}),
          ...(query.search ? { q: query.search } : {}),
          ...(sortKeyOf(query)
            ? {
                sort: sortKeyOf(query),
                order: query.orderDirection === 'desc' ? 'desc' : 'asc',
              }
            : {}),
          offset: query.page * query.pageSize,
          limit: query.pageSize,
        });
        setLast(response);
        onResponse?.(response);
        setError(undefined);
        return {
          data: response.items,
          page: Math.floor(response.offset / Math.max(1, query.pageSize)),
          totalCount: response.totalCount,
        };
      } catch (e) {
        assertError(e);
        setError(e);
        return { data: [], page: 0, totalCount: 0 };
      }
    },
    [api, cluster, filters, onResponse],
  );

  const toggle = (filter: FleetFilter) =>
    setFilters(
      filters.includes(filter)
        ? filters.filter(f => f !== filter)
        : [...filters, filter],
    );

  const summary = last?.summary;
  return (
    <>
      {error && (
        <Box mb={2}>
          <ResponseErrorPanel error={error} />
        </Box>
      )}
      {last?.clusters
        .filter(c => c.state !== 'ok')
        .map(c => (
          <Box mb={2} key={c.cluster}>
            <StaleWarning freshness={c} />
          </Box>
        ))}
      <Box
        display="flex"
        flexWrap="wrap"
        gridGap={8}
        mb={2}
        role="group"
        aria-label="Fleet filters"
      >
        <Chip
          label={`All${summary ? ` (${summary.total})` : ''}`}
          color={filters.length === 0 ? 'primary' : 'default'}
          variant={filters.length === 0 ? 'default' : 'outlined'}
          onClick={() => setFilters([])}
          aria-pressed={filters.length === 0}
        />
        {FILTERS.map(({ filter, label, count }) => {
          const selected = filters.includes(filter);
          return (
            <Chip
              key={filter}
              label={`${label}${summary ? ` (${count(summary)})` : ''}`}
              color={selected ? 'primary' : 'default'}
              variant={selected ? 'default' : 'outlined'}
              onClick={() => toggle(filter)}
              aria-pressed={selected}
            />
          );
        })}
      </Box>
      <Table<FleetRow>
        // A new filter starts again from the first page.
        key={`${cluster ?? '*'}|${filters.join(',')}`}
        tableRef={tableRef}
        title={title}
        columns={columns}
        data={data}
        options={{
          paging: true,
          pageSize,
          pageSizeOptions: [10, 20, 50, 100],
          search: true,
          searchText: search.current,
          debounceInterval: 300,
          padding: 'dense',
          sorting: true,
        }}
      />
    </>
  );
}
