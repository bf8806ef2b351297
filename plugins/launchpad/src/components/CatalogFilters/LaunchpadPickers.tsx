import { EntityAutocompletePicker } from '@backstage/plugin-catalog-react';
import { LABELS } from '../../constants';
import {
  EntityClusterFilter,
  EntityReleaseFilter,
  LaunchpadEntityFilters,
} from './filters';

/**
 * Catalog index filter on the cluster an entity belongs to. Its options are
 * the label's values among entities of the selected kind and type, so it
 * hides itself where no entity carries the label.
 */
export function EntityClusterPicker() {
  return (
    <EntityAutocompletePicker<LaunchpadEntityFilters, 'cluster'>
      label="Cluster"
      name="cluster"
      path={`metadata.labels.${LABELS.cluster}`}
      Filter={EntityClusterFilter}
      filtersForAvailableValues={['kind', 'type']}
      showCounts
    />
  );
}

/** Catalog index filter on the Open edX release (e.g. `teak`). */
export function EntityReleasePicker() {
  return (
    <EntityAutocompletePicker<LaunchpadEntityFilters, 'release'>
      label="Open edX release"
      name="release"
      path={`metadata.labels.${LABELS.release}`}
      Filter={EntityReleaseFilter}
      filtersForAvailableValues={['kind', 'type', 'cluster']}
      showCounts
    />
  );
}
