import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATIONS,
  ENTITY_TYPES,
  LABELS,
  getConfigError,
} from '@internal/plugin-launchpad-common';
import { normalizeRelease } from './instanceCreate';
import { assertInstanceSlug } from './shared';

/*
 * The pure parts of `launchpad:fleet:upgrade`: which instances a filter
 * selects from the catalog, how they are cut into canaries and waves, the
 * build gate, and the report's table.
 */

/** Which instances of the cluster a fleet upgrade takes (all given fields must match). */
export interface FleetFilter {
  /**
   * A release name (`teak`: the entity's `launchpad.openedx.org/release`
   * label) or a full release (`release/teak.3` or `teak.3`: its
   * EDX_PLATFORM_VERSION annotation).
   */
  release?: string;
  /** The owner group's entity ref (`group:default/physics-dept`, or `physics-dept`). */
  owner?: string;
  /** An explicit list of slugs, in the order they are upgraded (the first ones are the canaries). */
  slugs?: string[];
  /** Slugs left out (e.g. the instances a halted task rolled back, in a new task). */
  exclude?: string[];
}

/** An instance left out of the plan, and why. */
export type FleetSkipped = { slug: string; reason: string };

/**
 * The instances of `cluster` the filter selects, read from the catalog with
 * the module's own credentials (as instance:create's checks: a static
 * token's restrictions do not survive into the task, see shared.ts). Sorted
 * by slug, or in `filter.slugs`' order. An explicit slug that is no instance
 * of the cluster is an InputError; one the other fields exclude, or an
 * instance whose files the catalog could not read (config-error), is
 * `skipped` with the reason.
 */
export async function selectFleet(options: {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  cluster: string;
  filter: FleetFilter;
}): Promise<{ slugs: string[]; skipped: FleetSkipped[] }> {
  const { catalog, credentials, cluster, filter } = options;
  for (const slug of [...(filter.slugs ?? []), ...(filter.exclude ?? [])]) {
    assertInstanceSlug(slug);
  }
  const owner = filter.owner
    ? stringifyEntityRef(
        parseEntityRef(filter.owner, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        }),
      )
    : undefined;
  const release = filter.release?.trim();
  const releaseName = release && /^[a-z]+$/.test(release) ? release : undefined;
  const fullRelease =
    release && !releaseName ? normalizeRelease(release) : undefined;

  const { items } = await catalog.getEntities(
    {
      filter: {
        kind: 'Component',
        'spec.type': ENTITY_TYPES.instance,
        'metadata.namespace': cluster,
      },
    },
    { credentials },
  );
  const byslug = new Map(items.map(e => [e.metadata.name, e]));
  const missing = (filter.slugs ?? []).filter(s => !byslug.has(s));
  if (missing.length) {
    throw new InputError(
      `filter.slugs: ${missing.join(', ')} ${
        missing.length === 1 ? 'is' : 'are'
      } not an instance of cluster ${cluster} in the catalog`,
    );
  }
  const order = filter.slugs?.length
    ? [...new Set(filter.slugs)]
    : [...byslug.keys()].sort();
  const excluded = new Set(filter.exclude ?? []);
  const slugs: string[] = [];
  const skipped: FleetSkipped[] = [];
  for (const slug of order) {
    if (excluded.has(slug)) continue;
    const entity = byslug.get(slug)!;
    const why: string[] = [];
    if (owner) {
      const entityOwner = String(entity.spec?.owner ?? '');
      const normalized = entityOwner
        ? stringifyEntityRef(
            parseEntityRef(entityOwner, {
              defaultKind: 'group',
              defaultNamespace: 'default',
            }),
          )
        : '';
      if (normalized !== owner) why.push(`owner is ${entityOwner || 'none'}`);
    }
    if (releaseName) {
      const label = entity.metadata.labels?.[LABELS.release];
      if (label !== releaseName) why.push(`release is ${label ?? 'unknown'}`);
    }
    if (fullRelease) {
      const version = entity.metadata.annotations?.[ANNOTATIONS.openedxRelease];
      if (version !== fullRelease) {
        why.push(`release is ${version ?? 'unknown'}`);
      }
    }
    if (why.length) {
      // Only an explicit slug is worth naming; the rest are just not selected.
      if (filter.slugs?.length) skipped.push({ slug, reason: why.join('; ') });
      continue;
    }
    const configError = getConfigError(entity);
    if (configError) {
      skipped.push({ slug, reason: `configuration error: ${configError}` });
      continue;
    }
    slugs.push(slug);
  }
  return { slugs, skipped };
}

/**
 * The candidates cut into the canary wave (the first `canaries`) and waves
 * of `waveSize`, in order.
 */
export function planWaves(
  candidates: string[],
  options: { canaries: number; waveSize: number },
): { canaries: string[]; waves: string[][] } {
  const canaries = candidates.slice(0, options.canaries);
  const rest = candidates.slice(options.canaries);
  const waves: string[][] = [];
  for (let i = 0; i < rest.length; i += options.waveSize) {
    waves.push(rest.slice(i, i + options.waveSize));
  }
  return { canaries, waves };
}

/**
 * At most `limit` functions run at once; the others wait their turn in
 * order. The fleet's build gate: a wave's upgrades run in parallel, their
 * Picasso builds `limit` at a time (a runner pool, GitHub's concurrent-job
 * limit).
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`Semaphore limit must be a positive integer: ${limit}`);
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>(resolve => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next in line (active unchanged).
      if (next) next();
      else this.active--;
    }
  }
}

/** One row of the report table. */
export interface FleetReportRow {
  slug: string;
  /** canary, wave 1, ...; or - for instances not in a wave. */
  wave: string;
  /** upgraded, rolled-back, failed, already at target, held back, untouched, skipped. */
  outcome: string;
  detail?: string;
}

/** The report as a plain-text table (the task log shows it monospaced). */
export function reportTable(rows: FleetReportRow[]): string {
  const header: FleetReportRow = {
    slug: 'instance',
    wave: 'wave',
    outcome: 'outcome',
    detail: 'detail',
  };
  const all = [header, ...rows];
  const width = (key: 'slug' | 'wave' | 'outcome') =>
    Math.max(...all.map(r => r[key].length));
  const [ws, ww, wo] = [width('slug'), width('wave'), width('outcome')];
  const line = (r: FleetReportRow) =>
    `${r.slug.padEnd(ws)}  ${r.wave.padEnd(ww)}  ${r.outcome.padEnd(wo)}  ${
      r.detail ?? ''
    }`.trimEnd();
  return [
    line(header),
    `${'-'.repeat(ws)}  ${'-'.repeat(ww)}  ${'-'.repeat(wo)}  ------`,
    ...rows.map(line),
  ].join('\n');
}
