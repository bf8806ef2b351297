import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type LoggerService,
  type SchedulerService,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type { EventParams, EventsService } from '@backstage/plugin-events-node';
import {
  describeGitHubError,
  githubError,
  type ClusterRepositoryRead,
  type LaunchpadCluster,
  type LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import {
  buildClusterEntity,
  buildInstanceEntities,
  isInstanceFolderName,
  type InstanceEntities,
} from './entities';
import { REFRESH_TOPICS, refreshReason } from './refreshEvents';

/** Default when `catalog.providers.launchpad.schedule` is absent. */
export const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  // An unchanged repository costs one conditional request (a 304), so a
  // short period keeps the catalog fresh cheaply.
  frequency: { minutes: 2 },
  // A first read of a large fleet (one blob per file) can take minutes.
  timeout: { minutes: 10 },
  initialDelay: { seconds: 15 },
};

export const DEFAULT_OWNER = 'group:default/platform-team';

export type RefreshResult =
  | { outcome: 'updated'; entities: number; requests: number; reread: string[] }
  | { outcome: 'unchanged'; requests: number }
  | { outcome: 'failed'; error: Error };

export interface LaunchpadEntityProviderOptions {
  /** The cluster's handle from the clusters service (config, repository reader). */
  cluster: LaunchpadCluster;
  logger: LoggerService;
  defaultOwner: string;
  /** Without it, `connect` does not schedule and the caller calls `refresh()`. */
  scheduler?: SchedulerService;
  schedule?: SchedulerServiceTaskScheduleDefinition;
  /**
   * Where `launchpad.repository.changed` and `github.push` events arrive;
   * without it the provider refreshes on its schedule only.
   */
  events?: EventsService;
}

/**
 * Emits one cluster's entities (the cluster, its instances, their databases
 * and buckets) from its cluster repository, as full mutations keyed by the
 * provider name. When the repository has not changed (the branch head answers
 * 304) nothing is emitted: the catalog keeps the previous mutation. Besides
 * its schedule it refreshes at once on a `launchpad.repository.changed` event
 * for its cluster or a GitHub push to its branch.
 */
export class LaunchpadEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private inFlight?: Promise<RefreshResult>;
  /** The one refresh queued behind the running one (see requestRefresh). */
  private queued?: Promise<RefreshResult>;
  private readonly logger: LoggerService;
  /** Entities built per instance folder, keyed by its tree SHA: unchanged folders are not re-parsed. */
  private built = new Map<
    string,
    { treeSha: string; result: InstanceEntities }
  >();

  /** One provider per cluster of the clusters service, each on its cluster's handle. */
  static fromConfig(
    config: Config,
    options: {
      clusters: LaunchpadClustersService;
      logger: LoggerService;
      scheduler?: SchedulerService;
      events?: EventsService;
    },
  ): LaunchpadEntityProvider[] {
    const clusters = options.clusters.list();
    if (clusters.length === 0) {
      options.logger.warn(
        'No clusters in launchpad.clusters: the catalog has no Launchpad entities until one is configured',
      );
    }
    const providerConfig = config.getOptionalConfig(
      'catalog.providers.launchpad',
    );
    const defaultOwner =
      providerConfig?.getOptionalString('defaultOwner') ?? DEFAULT_OWNER;
    const schedule = providerConfig?.has('schedule')
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          providerConfig.getConfig('schedule'),
        )
      : DEFAULT_SCHEDULE;
    return clusters.map(
      cluster =>
        new LaunchpadEntityProvider({
          cluster,
          logger: options.logger,
          defaultOwner,
          scheduler: options.scheduler,
          schedule,
          events: options.events,
        }),
    );
  }

  constructor(private readonly options: LaunchpadEntityProviderOptions) {
    this.logger = options.logger.child({
      target: this.getProviderName(),
      cluster: options.cluster.name,
      repository: options.cluster.config.repository,
    });
  }

  getProviderName(): string {
    return `launchpad-provider:${this.options.cluster.name}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    const { scheduler, schedule, events } = this.options;
    if (events) {
      await events.subscribe({
        // Stable and unique per provider: the events backend's bus keys
        // delivery on it when several backend instances run.
        id: this.getProviderName(),
        topics: REFRESH_TOPICS,
        onEvent: async event => this.onEvent(event),
      });
    }
    if (!scheduler) return;
    await scheduler.scheduleTask({
      id: `${this.getProviderName()}:refresh`,
      ...(schedule ?? DEFAULT_SCHEDULE),
      // refresh() logs its own failures; nothing is thrown out of the task.
      fn: async () => {
        await this.refresh();
      },
    });
  }

  /**
   * Reads the cluster repository and emits a full mutation if it changed.
   * Failures are logged and leave the catalog as it was (no empty mutation).
   * A call while a refresh runs joins it (the reader's cache is not shared
   * between two reads at once).
   */
  async refresh(): Promise<RefreshResult> {
    if (!this.connection) {
      throw new Error(`${this.getProviderName()} is not connected`);
    }
    if (!this.inFlight) {
      this.inFlight = this.doRefresh(this.connection).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  /**
   * A refresh that reads the repository after this call: started at once
   * when none runs; otherwise one refresh queued behind the running one
   * (which may have read the branch before the change being signalled),
   * shared by every request made meanwhile. Never two reads at once.
   */
  requestRefresh(): Promise<RefreshResult> {
    if (!this.inFlight) return this.refresh();
    if (!this.queued) {
      const queued = this.inFlight.then(() => {
        this.queued = undefined;
        return this.refresh();
      });
      this.queued = queued;
    }
    return this.queued;
  }

  private async onEvent(event: EventParams): Promise<void> {
    const reason = refreshReason(event, this.options.cluster.config);
    if (!reason) return;
    if (!this.connection) {
      // Not connected yet: the first scheduled refresh reads everything anyway.
      this.logger.debug(`Ignoring ${reason}: not connected yet`);
      return;
    }
    this.logger.info(`Refreshing the cluster repository at once: ${reason}`);
    // Not awaited: a webhook delivery must not wait for a full read (GitHub
    // gives up on a delivery after 10 s); refresh() logs its own outcome.
    this.requestRefresh().catch(() => {});
  }

  private async doRefresh(
    connection: EntityProviderConnection,
  ): Promise<RefreshResult> {
    const cluster = this.options.cluster.config;
    const reader = this.options.cluster.repository.reader;
    try {
      let read: ClusterRepositoryRead;
      try {
        read = await reader.read();
      } catch (error) {
        // Typed (ServiceUnavailableError, NotFoundError, NotAllowedError...)
        // with the cluster and repository; the token is never in it.
        return this.failed(
          describeGitHubError(error),
          githubError(error, {
            action: 'read the cluster repository',
            cluster: cluster.name,
            repository: cluster.repository,
          }),
        );
      }
      if (!read.changed) {
        this.logger.debug(`Cluster repository unchanged at ${read.commitSha}`);
        return { outcome: 'unchanged', requests: read.requests };
      }
      const ctx = {
        cluster,
        defaultOwner: this.options.defaultOwner,
        repositoryHtmlUrl: read.htmlUrl,
      };
      const entities: Entity[] = [buildClusterEntity(ctx)];
      const built = new Map<
        string,
        { treeSha: string; result: InstanceEntities }
      >();
      let errors = 0;
      for (const folder of read.instances) {
        if (!isInstanceFolderName(folder.slug)) {
          this.logger.warn(
            `Skipping ${folder.path}: the folder name is not a valid instance name (DNS-1123 label that fits the catalog's entity names)`,
          );
          continue;
        }
        const cached = this.built.get(folder.slug);
        const result =
          cached?.treeSha === folder.treeSha
            ? cached.result
            : buildInstanceEntities(folder, ctx);
        built.set(folder.slug, { treeSha: folder.treeSha, result });
        if (result.configError) {
          errors++;
          // Logged when built, so an unchanged broken folder does not repeat the warning.
          if (result !== cached?.result) {
            this.logger.warn(
              `Malformed instance configuration in ${cluster.repository}/${folder.path}: ${result.configError}`,
              { instance: folder.slug, path: folder.path },
            );
          }
        }
        entities.push(...result.entities);
      }
      try {
        await connection.applyMutation({
          type: 'full',
          entities: entities.map(entity => ({
            entity,
            locationKey: this.getProviderName(),
          })),
        });
      } catch (error) {
        // The catalog did not take this read: forget the cache so the next
        // refresh emits again instead of answering "unchanged".
        reader.reset();
        throw error;
      }
      this.built = built;
      this.logger.info(
        `Emitted ${entities.length} entities for ${read.instances.length} instance folders at ${read.commitSha} (${read.reread.length} re-read, ${errors} with config errors, ${read.requests} GitHub requests)`,
      );
      return {
        outcome: 'updated',
        entities: entities.length,
        requests: read.requests,
        reread: read.reread,
      };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      return this.failed(error.message, error);
    }
  }

  private failed(reason: string, error: Error): RefreshResult {
    this.logger.error(
      `Failed to read cluster repository ${this.options.cluster.config.repository}; the catalog keeps the previous entities: ${reason}`,
    );
    return { outcome: 'failed', error };
  }
}
