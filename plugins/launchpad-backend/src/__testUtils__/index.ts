import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATIONS,
  ENTITY_TYPES,
  LABELS,
} from '@internal/plugin-launchpad-common';
import { SEED_CLUSTERS, SEED_INSTANCES, type Sandbox } from '@internal/sandbox';

/** The instance entities the catalog provider emits for the sandbox's seed (the annotations status reads). */
export function seedInstanceEntities(): Entity[] {
  return SEED_INSTANCES.map(instance => {
    const cluster = SEED_CLUSTERS.find(c => c.name === instance.cluster)!;
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
