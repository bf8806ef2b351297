/* eslint-disable no-console */
/**
 * The backend side of `yarn bench:status`, in its own process so its memory is
 * measured alone: the launchpad plugin on startTestBackend, a catalog holding
 * the instance entities and config it is sent, the clusters of a running
 * sandbox. Sends its URL, then answers `memory` messages with its RSS, and
 * reports each signal the plugin publishes (channel, time) for the signal
 * latency figure.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Entity } from '@backstage/catalog-model';
import type { AddressInfo } from 'node:net';
import { launchpadPlugin } from '../src/plugin';

interface BenchInput {
  config: Record<string, unknown>;
  entities: Entity[];
}

async function main() {
  // The input (a thousand entities) comes over IPC: too large for the environment.
  const input = await new Promise<BenchInput>(resolve => {
    process.once('message', message =>
      resolve((message as { input: BenchInput }).input),
    );
    process.send?.({ type: 'hello' });
  });
  const backend = await startTestBackend({
    features: [
      launchpadPlugin,
      catalogServiceMock.factory({ entities: input.entities }),
      mockServices.rootConfig.factory({ data: input.config as never }),
      // Stands in for the signals backend: the time of each publish goes to the bench.
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({
          async publish(signal) {
            process.send?.({
              type: 'signal',
              channel: signal.channel,
              at: Date.now(),
            });
          },
        }),
      }),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'memory') {
      global.gc?.();
      process.send?.({
        type: 'memory',
        rss: process.memoryUsage().rss,
        heapUsed: process.memoryUsage().heapUsed,
      });
    }
    if (message.type === 'stop') {
      void backend.stop().then(() => process.exit(0));
    }
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
