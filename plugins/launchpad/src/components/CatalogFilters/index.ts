export { EntityClusterPicker, EntityReleasePicker } from './LaunchpadPickers';
export { EntityClusterFilter, EntityReleaseFilter } from './filters';
export type { LaunchpadEntityFilters } from './filters';
