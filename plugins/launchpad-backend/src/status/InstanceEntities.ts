import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { ENTITY_TYPES } from '@internal/plugin-launchpad-common';

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.etag',
  'metadata.annotations',
  'metadata.labels',
  'spec.type',
  'spec.owner',
];

/**
 * The instance entities the fleet table lists, read from the catalog with the
 * plugin's own credentials and kept for a few seconds: a page view costs no
 * catalog query of a thousand rows (permissions are applied per request).
 */
export class InstanceEntities {
  private cached?: { at: number; entities: Entity[] };
  private inFlight?: Promise<Entity[]>;

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly logger: LoggerService,
    private readonly maxAgeMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<Entity[]> {
    if (this.cached && this.now() - this.cached.at < this.maxAgeMs)
      return this.cached.entities;
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    try {
      return await this.inFlight;
    } catch (error) {
      // The catalog being briefly away must not blank the fleet page.
      if (this.cached) {
        this.logger.warn(
          `Catalog read failed, serving the previous instance list: ${String(
            error,
          )}`,
        );
        return this.cached.entities;
      }
      throw error;
    }
  }

  private async load(): Promise<Entity[]> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const { items } = await this.catalog.getEntities(
      {
        filter: { kind: 'Component', 'spec.type': ENTITY_TYPES.instance },
        fields: FIELDS,
      },
      { credentials },
    );
    this.cached = { at: this.now(), entities: items };
    return items;
  }
}
