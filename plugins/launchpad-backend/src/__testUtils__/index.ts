import type { DatabaseService } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATIONS,
  ENTITY_TYPES,
  LABELS,
} from '@internal/plugin-launchpad-common';
import {
  imagesFor,
  SEED_CLUSTERS,
  SEED_INSTANCES,
  type Sandbox,
} from '@internal/sandbox';

/** The instance entities the catalog provider emits for the sandbox's seed (the annotations status reads). */
export function seedInstanceEntities(): Entity[] {
  return SEED_INSTANCES.map(instance => {
    const cluster = SEED_CLUSTERS.find(c => c.name === instance.cluster)!;
    // config.yml's images: the out-of-sync instance's config names its second build (seedAfterStart), not what runs.
    const images =
      instance.state === 'malformed-config'
        ? undefined
        : imagesFor(
            cluster,
            instance.slug,
            instance.release,
            instance.state === 'out-of-sync' ? 2 : 1,
          );
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: instance.slug,
        namespace: instance.cluster,
        title: instance.platformName,
        annotations: {
          [ANNOTATIONS.cluster]: instance.cluster,
          [ANNOTATIONS.kubernetesNamespace]: instance.slug,
          [ANNOTATIONS.argocdAppName]: `${instance.slug}-${cluster.environment}`,
          ...(images
            ? {
                [ANNOTATIONS.openedxImage]: images.openedx,
                [ANNOTATIONS.mfeImage]: images.mfe,
              }
            : {}),
        },
        labels: {
          [LABELS.cluster]: instance.cluster,
          [LABELS.release]: instance.release.split('.')[0],
        },
      },
      spec: {
        type: ENTITY_TYPES.instance,
        lifecycle: 'experimental',
        owner: instance.owner ?? 'group:default/platform-team',
      },
    };
  });
}

/** Fast watch timings for tests: short server timeouts and retries. */
export function testStatusConfig(overrides: Record<string, number> = {}) {
  return {
    watchTimeoutSeconds: 30,
    silenceGraceSeconds: 5,
    retryInitialSeconds: 0.2,
    retryMaxSeconds: 1,
    ...overrides,
  };
}

/** Polls `probe` until it returns a value, every 100 ms, at most `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${
          last ? `: ${String(last)}` : ''
        }`,
      );
    }
    await new Promise(r => setTimeout(r, 100));
  }
}

export type { Sandbox };

/**
 * SQLite and the PostgreSQL on loopback (trust auth, as packages/backend's
 * production test uses it), for `describe.each(databases.eachSupportedId())`.
 * Call at the top level of a test file: TestDatabases registers its hooks.
 */
export function historyTestDatabases(): TestDatabases {
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??= `postgresql://${
    process.env.POSTGRES_USER ?? 'postgres'
  }@${process.env.POSTGRES_HOST ?? '127.0.0.1'}:${
    process.env.POSTGRES_PORT ?? '5432'
  }`;
  return TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
}

/** A DatabaseService handing out one test database's client. */
export function databaseOf(knex: Knex): DatabaseService {
  return { getClient: async () => knex };
}
