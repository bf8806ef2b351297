/*
 * Catalog benchmark: `source scripts/env.sh && yarn bench:catalog`.
 *
 * Starts the sandbox with 1000 instances in the staging cluster repository,
 * then runs the staging entity provider in a child process (so its peak RSS
 * is the provider's, not the sandbox's) against a capturing connection, and
 * prints: full ingest time, GitHub requests of the full read, of an unchanged
 * refresh and of a refresh after 10 instances changed, entities emitted and
 * the provider process's peak RSS.
 *
 * Options (env): BENCH_INSTANCES (default 1000), BENCH_CHANGED (default 10).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startSandbox } from '@internal/sandbox';
import type { BenchReply, BenchRequest } from './bench-provider';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1000);
const CHANGED = Number(process.env.BENCH_CHANGED ?? 10);
const CLUSTER = 'staging';

function ask(child: ChildProcess, request: BenchRequest): Promise<BenchReply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`provider process exited with ${code}`));
    const onMessage = (reply: BenchReply) => {
      child.off('exit', onExit);
      resolve(reply);
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
    child.send(request);
  });
}

async function main() {
  const t0 = performance.now();
  const sandbox = await startSandbox({
    scale: { cluster: CLUSTER, instances: INSTANCES },
  });
  const cluster = sandbox.clusters.find(c => c.name === CLUSTER);
  if (!cluster) throw new Error(`sandbox has no ${CLUSTER} cluster`);
  const [owner, repo] = cluster.repository.split('/');
  const folders = new Set(
    (await sandbox.git.listFiles(owner, repo, 'instances/')).map(
      f => f.split('/')[1],
    ),
  );
  console.log(
    `sandbox up in ${Math.round(performance.now() - t0)} ms: ${
      cluster.repository
    } has ${folders.size} instance folders`,
  );

  const child = fork(path.join(__dirname, 'bench-provider.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_SANDBOX: JSON.stringify({ github: sandbox.github, cluster }),
    },
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });

  try {
    const full = await ask(child, { cmd: 'refresh' });
    const unchanged = await ask(child, { cmd: 'refresh' });

    const slugs = [...folders].sort().slice(0, CHANGED);
    const changes: Record<string, string> = {};
    for (const slug of slugs) {
      const file = `instances/${slug}/config.yml`;
      const text = (await sandbox.git.readFile(owner, repo, file)) ?? '';
      changes[file] = `${text.replace(
        /\n?$/,
        '\n',
      )}BENCH_MARKER: "${Date.now()}"\n`;
    }
    await sandbox.git.commitFiles(owner, repo, {
      message: `Bench: change ${slugs.length} instances`,
      changes,
    });
    const afterChange = await ask(child, { cmd: 'refresh' });
    const final = await ask(child, { cmd: 'exit' });

    const rows: Array<[string, string | number]> = [
      ['instances in repository', folders.size],
      ['full ingest time (ms)', full.ms],
      ['GitHub requests, full read', `${full.requests} (${full.kinds})`],
      ['slowest request, full read', full.slowest],
      ['entities emitted', full.entities],
      [
        `unchanged refresh: requests (${unchanged.statuses})`,
        unchanged.requests,
      ],
      ['unchanged refresh time (ms)', unchanged.ms],
      [
        `refresh after ${slugs.length} changed: requests`,
        `${afterChange.requests} (${afterChange.kinds})`,
      ],
      [
        `refresh after ${slugs.length} changed: folders re-read`,
        afterChange.reread,
      ],
      [`refresh after ${slugs.length} changed: time (ms)`, afterChange.ms],
      [
        `refresh after ${slugs.length} changed: slowest request`,
        afterChange.slowest,
      ],
      ['provider process peak RSS (MiB)', final.peakRssMiB],
    ];
    console.log('\nLaunchpad catalog benchmark');
    for (const [label, value] of rows)
      console.log(`  ${label.padEnd(48)} ${value}`);
    const outcomes = [full.outcome, unchanged.outcome, afterChange.outcome];
    if (outcomes.join() !== 'updated,unchanged,updated') {
      throw new Error(`unexpected refresh outcomes: ${outcomes.join(', ')}`);
    }
  } finally {
    child.kill();
    await sandbox.stop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
