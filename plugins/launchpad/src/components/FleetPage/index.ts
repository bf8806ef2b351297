export { FleetPage, LegacyFleetPage, fleetPageSearch } from './FleetPage';
