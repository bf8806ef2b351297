export { FleetTable, FLEET_PAGE_SIZE } from './FleetTable';
export type { FleetTableProps } from './FleetTable';
export {
  ClusterFleetCard,
  isClusterFleetCardAvailable,
} from './ClusterFleetCard';
