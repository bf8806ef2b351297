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
import {
  ClusterRepositoryReader,
  createGitHubClient,
  describeGitHubError,
  readLaunchpadConfig,
  splitRepository,
  type LaunchpadClusterConfig,
  type LaunchpadOctokit,
} from '@internal/plugin-launchpad-node';
import {
  buildClusterEntity,
  buildInstanceEntities,
  isInstanceFolderName,
  type InstanceEntities,
} from './entities';

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
  cluster: LaunchpadClusterConfig;
  octokit: LaunchpadOctokit;
  logger: LoggerService;
  defaultOwner: string;
  /** Without it, `connect` does not schedule and the caller calls `refresh()`. */
  scheduler?: SchedulerService;
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

/**
 * Emits one cluster's entities (the cluster, its instances, their databases
 * and buckets) from its cluster repository, as full mutations keyed by the
 * provider name. When the repository has not changed (the branch head answers
 * 304) nothing is emitted: the catalog keeps the previous mutation.
 */
export class LaunchpadEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private inFlight?: Promise<RefreshResult>;
  private readonly reader: ClusterRepositoryReader;
  private readonly logger: LoggerService;
  /** Entities built per instance folder, keyed by its tree SHA: unchanged folders are not re-parsed. */
  private built = new Map<
    string,
    { treeSha: string; result: InstanceEntities }
  >();

  /** One provider per cluster in `launchpad.clusters`, sharing one GitHub client. */
  static fromConfig(
    config: Config,
    options: {
      logger: LoggerService;
      scheduler?: SchedulerService;
      /** A prebuilt client (tests, benchmarks); default: built from `launchpad.github`. */
      octokit?: LaunchpadOctokit;
    },
  ): LaunchpadEntityProvider[] {
    const launchpad = readLaunchpadConfig(config);
    if (launchpad.clusters.length === 0) {
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
    const octokit =
      options.octokit ??
      createGitHubClient({
        baseUrl: launchpad.github.baseUrl,
        token: launchpad.github.token,
        logger: options.logger.child({ client: 'github' }),
      });
    return launchpad.clusters.map(
      cluster =>
        new LaunchpadEntityProvider({
          cluster,
          octokit,
          logger: options.logger,
          defaultOwner,
          scheduler: options.scheduler,
          schedule,
        }),
    );
  }

  constructor(private readonly options: LaunchpadEntityProviderOptions) {
    const { owner, repo } = splitRepository(options.cluster.repository);
    this.logger = options.logger.child({
      target: this.getProviderName(),
      repository: options.cluster.repository,
    });
    this.reader = new ClusterRepositoryReader({
      octokit: options.octokit,
      owner,
      repo,
      branch: options.cluster.branch,
      logger: this.logger,
    });
  }

  getProviderName(): string {
    return `launchpad-provider:${this.options.cluster.name}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    const { scheduler, schedule } = this.options;
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

  private async doRefresh(
    connection: EntityProviderConnection,
  ): Promise<RefreshResult> {
    const { cluster } = this.options;
    try {
      const read = await this.reader.read();
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
        this.reader.reset();
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
      this.logger.error(
        `Failed to read cluster repository ${
          cluster.repository
        }; the catalog keeps the previous entities: ${describeGitHubError(
          error,
        )}`,
      );
      return { outcome: 'failed', error };
    }
  }
}
