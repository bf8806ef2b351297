import { Entity } from '@backstage/catalog-model';
import {
  DefaultEntityFilters,
  EntityFilter,
} from '@backstage/plugin-catalog-react';
import { LABELS } from '../../constants';

/**
 * Filters catalog entities by one of the Launchpad labels. The backend does
 * the filtering (`getCatalogFilters`); `filterEntity` keeps client-side
 * filtering consistent, case-insensitively like the catalog's own.
 */
abstract class LaunchpadLabelFilter implements EntityFilter {
  protected abstract readonly label: string;

  constructor(readonly values: string[]) {}

  getCatalogFilters(): Record<string, string[]> {
    return { [`metadata.labels.${this.label}`]: this.values };
  }

  filterEntity(entity: Entity): boolean {
    const value = entity.metadata.labels?.[this.label];
    if (value === undefined) {
      return false;
    }
    const wanted = value.toLocaleLowerCase('en-US');
    return this.values.some(v => v.toLocaleLowerCase('en-US') === wanted);
  }

  toQueryValue(): string[] {
    return this.values;
  }
}

/** Entities on the given clusters (`launchpad.openedx.org/cluster` label). */
export class EntityClusterFilter extends LaunchpadLabelFilter {
  protected readonly label = LABELS.cluster;
}

/** Instances of the given Open edX releases (`launchpad.openedx.org/release`). */
export class EntityReleaseFilter extends LaunchpadLabelFilter {
  protected readonly label = LABELS.release;
}

/** The catalog list's filters plus the Launchpad ones. */
export type LaunchpadEntityFilters = DefaultEntityFilters & {
  cluster?: EntityClusterFilter;
  release?: EntityReleaseFilter;
};
