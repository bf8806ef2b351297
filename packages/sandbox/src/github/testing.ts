import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SandboxClock } from '../clock';
import { FaultRegistry } from '../faults';
import { createGitHubApi } from './api';
import type { GitHubApi, GitHubApiOptions } from './api';
import { GitStore } from './gitStore';
import { GitHubSpec } from './openapi';
import type { SchemaError } from './openapi';

export interface TestGitHub {
  url: string;
  token: string;
  clock: SandboxClock;
  faults: FaultRegistry;
  git: GitStore;
  api: GitHubApi;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Serves the sandbox's GitHub API on a free loopback port, with response
 * validation against GitHub's OpenAPI description switched on: a response
 * that drifts from GitHub's shape fails the test with a 500 naming the field.
 */
export async function startTestGitHub(
  options: Pick<GitHubApiOptions, 'rateLimit' | 'extraTokens' | 'app'> & {
    token?: string;
  } = {},
): Promise<TestGitHub> {
  const token = options.token ?? 'test-github-token';
  const dir = await fs.promises.mkdtemp(
    path.join(os.tmpdir(), 'sandbox-github-'),
  );
  const clock = new SandboxClock(1);
  const faults = new FaultRegistry();
  const git = await GitStore.create({ dir: path.join(dir, 'repos'), clock });
  const api = createGitHubApi({
    git,
    faults,
    clock,
    token,
    validateResponses: true,
    rateLimit: options.rateLimit,
    extraTokens: options.extraTokens,
    app: options.app,
  });
  await api.ready;
  const server = http.createServer(api.app);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    clock,
    faults,
    git,
    api,
    dir,
    async stop() {
      api.stop();
      clock.stop();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Checks a body against the response schema GitHub documents for an operation. */
export async function validateGitHubResponse(
  operationId: string,
  status: number,
  body: unknown,
): Promise<SchemaError[]> {
  const spec = await GitHubSpec.load();
  return spec.validateResponse(operationId, status, body);
}
