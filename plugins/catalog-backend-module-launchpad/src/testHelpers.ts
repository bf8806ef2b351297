import type {
  ExtensionPoint,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import {
  catalogProcessingExtensionPoint,
  type CatalogProcessingExtensionPoint,
  type DeferredEntity,
  type EntityProvider,
  type EntityProviderConnection,
  type EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import {
  DefaultLaunchpadClustersService,
  type GitHubClientTuning,
} from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import type { Sandbox } from '@internal/sandbox';

type ConfigData = NonNullable<ConstructorParameters<typeof ConfigReader>[0]>;

/** App config pointing the Launchpad plugins at a running sandbox. */
export function sandboxConfig(
  sandbox: Sandbox,
  extra: { defaultOwner?: string; schedule?: object } = {},
) {
  return new ConfigReader({
    // JSON by construction; its declared GitHub App type has no index signature.
    ...(sandboxLaunchpadConfig(sandbox) as unknown as ConfigData),
    catalog: {
      providers: {
        launchpad: {
          defaultOwner: extra.defaultOwner ?? 'group:default/platform-team',
          ...(extra.schedule ? { schedule: extra.schedule } : {}),
        },
      },
    },
  });
}

/** The clusters service for a sandbox config, its GitHub client tuned for tests (1 ms retry waits, a counting fetch). */
export function sandboxClusters(
  config: ConfigReader,
  options: { logger: LoggerService; github?: GitHubClientTuning },
) {
  return DefaultLaunchpadClustersService.fromConfig(config, {
    logger: options.logger,
    github: { retryAfterBaseValue: 1, writeSpacingMs: 0, ...options.github },
  });
}

/** A connection that keeps every mutation it is given. */
export function capturingConnection() {
  const mutations: EntityProviderMutation[] = [];
  const connection: EntityProviderConnection = {
    async applyMutation(mutation) {
      mutations.push(mutation);
    },
    async refresh() {},
  };
  return {
    connection,
    mutations,
    /** The entities of the last full mutation. */
    last(): DeferredEntity[] {
      const full = [...mutations].reverse().find(m => m.type === 'full');
      if (!full || full.type !== 'full')
        throw new Error('no full mutation yet');
      return full.entities;
    },
  };
}

/**
 * The `extensionPoints` of a `startTestBackend` call for the module: a
 * catalog processing extension point that records, in `added`, the entity
 * providers the module adds.
 */
export function capturingProviders() {
  const added: EntityProvider[] = [];
  const extensionPoint: [
    ExtensionPoint<CatalogProcessingExtensionPoint>,
    Partial<CatalogProcessingExtensionPoint>,
  ] = [
    catalogProcessingExtensionPoint,
    {
      addEntityProvider: (
        ...providers: Array<EntityProvider | EntityProvider[]>
      ) => added.push(...providers.flat()),
    },
  ];
  const extensionPoints: [typeof extensionPoint] = [extensionPoint];
  return { added, extensionPoints };
}
