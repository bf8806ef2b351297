/*
 * The provider side of the catalog benchmark (see bench.ts), run in its own
 * process: builds the staging provider against the sandbox with a
 * request-counting fetch and answers `refresh` / `exit` messages.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import type { EntityProviderMutation } from '@backstage/plugin-catalog-node';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import {
  countingFetch,
  sandboxLaunchpadConfig,
} from '@internal/plugin-launchpad-node/testUtils';
import { LaunchpadEntityProvider } from '../src/LaunchpadEntityProvider';

export type BenchRequest = { cmd: 'refresh' } | { cmd: 'exit' };
export interface BenchReply {
  outcome: string;
  ms: number;
  requests: number;
  statuses: string;
  /** Requests by kind: ref, repository, tree, tarball, graphql, blob. */
  kinds: string;
  entities: number;
  reread: number;
  peakRssMiB: number;
  /** The slowest request: path pattern and ms. */
  slowest: string;
}

/** Warnings and errors only, to stderr: the benchmark prints its own figures. */
const logger: LoggerService = {
  error: (message: string) => console.error(`error: ${message}`),
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => logger,
};

let peakRss = process.memoryUsage().rss;
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20).unref();

async function main() {
  const { github, cluster } = JSON.parse(process.env.BENCH_SANDBOX ?? '{}');
  const counter = countingFetch();
  const config = new ConfigReader(
    sandboxLaunchpadConfig({ github, clusters: [cluster] }),
  );
  const [provider] = LaunchpadEntityProvider.fromConfig(config, {
    logger,
    clusters: DefaultLaunchpadClustersService.fromConfig(config, {
      logger,
      github: { fetch: counter.fetch },
    }),
  });
  let lastEntities = 0;
  await provider.connect({
    async applyMutation(mutation: EntityProviderMutation) {
      if (mutation.type === 'full') lastEntities = mutation.entities.length;
    },
    async refresh() {},
  });

  process.on('message', async (request: BenchRequest) => {
    if (request.cmd === 'exit') {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      process.send!(
        { peakRssMiB: Math.round(peakRss / 1048576) } as BenchReply,
        () => process.exit(0),
      );
      return;
    }
    counter.take();
    const start = performance.now();
    const result = await provider.refresh();
    const ms = Math.round(performance.now() - start);
    const requests = counter.take();
    const statuses = Object.entries(
      requests.reduce<Record<number, number>>((acc, r) => {
        acc[r.status] = (acc[r.status] ?? 0) + 1;
        return acc;
      }, {}),
    )
      .map(([status, n]) => `${n}×${status}`)
      .join(', ');
    const kindOf = (p: string) => {
      if (p === '/graphql') return 'graphql';
      if (p.includes('/git/ref/')) return 'ref';
      if (p.includes('/git/trees/')) return 'tree';
      if (p.includes('/git/blobs/')) return 'blob';
      if (p.includes('/tarball/')) return 'tarball';
      return /^\/repos\/[^/]+\/[^/?]+$/.test(p) ? 'repository' : 'other';
    };
    const kinds = Object.entries(
      requests.reduce<Record<string, number>>((acc, r) => {
        acc[kindOf(r.path)] = (acc[kindOf(r.path)] ?? 0) + 1;
        return acc;
      }, {}),
    )
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    const slow = [...requests].sort((a, b) => b.ms - a.ms)[0];
    const slowest = slow
      ? `${slow.path
          .replace(/[0-9a-f]{40}/g, '<sha>')
          .replace(/^\/repos\/[^/]+\/[^/]+/, '')} ${slow.ms} ms`
      : '-';
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (result.outcome === 'failed') console.error(result.error);
    process.send!({
      outcome: result.outcome,
      ms,
      requests: requests.length,
      statuses,
      kinds,
      entities: result.outcome === 'updated' ? lastEntities : 0,
      reread: result.outcome === 'updated' ? result.reread.length : 0,
      peakRssMiB: Math.round(peakRss / 1048576),
      slowest,
    } satisfies BenchReply);
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
