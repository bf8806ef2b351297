import { mockServices } from '@backstage/backend-test-utils';
import type {
  LaunchpadCluster,
  LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import { BranchHeads } from './BranchHeads';

/** A GitHub that answers git/ref with an ETag and 304 to a matching If-None-Match, like api.github.com. */
function fakeGitHub() {
  const calls: Array<{ ref: string; ifNoneMatch?: string }> = [];
  let sha = 'a'.repeat(40);
  let fail: Error | undefined;
  const getRef = jest.fn(
    async (params: { ref: string; headers: Record<string, string> }) => {
      calls.push({
        ref: params.ref,
        ifNoneMatch: params.headers['if-none-match'],
      });
      if (fail) throw fail;
      const etag = `"${sha}"`;
      if (params.headers['if-none-match'] === etag) {
        throw Object.assign(new Error('Not Modified'), { status: 304 });
      }
      return { data: { object: { sha } }, headers: { etag } };
    },
  );
  const cluster = {
    name: 'staging',
    repository: {
      owner: 'acme-edu',
      repo: 'launchpad-cluster-staging',
      branch: 'main',
      octokit: async () => ({ rest: { git: { getRef } } }),
    },
  } as unknown as LaunchpadCluster;
  const clusters: LaunchpadClustersService = {
    list: () => [cluster],
    get: name => {
      if (name !== 'staging') throw new Error(`no cluster ${name}`);
      return cluster;
    },
  };
  return {
    clusters,
    calls,
    push: (next: string) => {
      sha = next;
    },
    fail: (error?: Error) => {
      fail = error;
    },
  };
}

describe('BranchHeads', () => {
  it('looks the head up once per TTL with conditional requests, never on every read', async () => {
    const github = fakeGitHub();
    let now = 1_000_000;
    const heads = new BranchHeads(github.clusters, mockServices.logger.mock(), {
      ttlMs: 30_000,
      maxAgeMs: 300_000,
      now: () => now,
    });
    // Nothing known yet: the read starts the look-up and does not wait for it.
    expect(heads.get('staging')).toBeUndefined();
    expect(heads.get('staging')).toBeUndefined();
    await heads.refresh('staging');
    expect(github.calls).toEqual([{ ref: 'heads/main' }]);
    expect(heads.get('staging')).toEqual({
      sha: 'a'.repeat(40),
      firstSeenAt: 1_000_000,
      fetchedAt: 1_000_000,
    });
    // Reads within the TTL cost nothing.
    now += 10_000;
    for (let i = 0; i < 100; i++) heads.get('staging');
    expect(github.calls).toHaveLength(1);

    // Past the TTL: one conditional request, answered 304; the head keeps when it was first seen.
    now += 30_000;
    heads.get('staging');
    await heads.refresh('staging');
    expect(github.calls[1]).toEqual({
      ref: 'heads/main',
      ifNoneMatch: `"${'a'.repeat(40)}"`,
    });
    expect(heads.get('staging')).toEqual({
      sha: 'a'.repeat(40),
      firstSeenAt: 1_000_000,
      fetchedAt: 1_040_000,
    });

    // A push: the next look-up sees the new head, first seen now.
    github.push('b'.repeat(40));
    now += 31_000;
    heads.get('staging');
    await heads.refresh('staging');
    expect(heads.get('staging')).toMatchObject({
      sha: 'b'.repeat(40),
      firstSeenAt: 1_071_000,
    });
    expect(github.calls).toHaveLength(3);
  });

  it('looks up early when ArgoCD reconciled after the last look-up, at most every few seconds', async () => {
    const github = fakeGitHub();
    let now = 0;
    const heads = new BranchHeads(github.clusters, mockServices.logger.mock(), {
      ttlMs: 30_000,
      now: () => now,
    });
    await heads.refresh('staging');
    now = 6_000;
    heads.get('staging', 5_000);
    await heads.refresh('staging');
    expect(github.calls).toHaveLength(2);
    // Again within the minimum interval: no request.
    now = 7_000;
    heads.get('staging', 6_500);
    expect(github.calls).toHaveLength(2);
  });

  it('keeps the last head through GitHub failures, warns once, and stops trusting it after maxAge', async () => {
    const github = fakeGitHub();
    const logger = mockServices.logger.mock();
    let now = 0;
    const heads = new BranchHeads(github.clusters, logger, {
      ttlMs: 30_000,
      maxAgeMs: 120_000,
      now: () => now,
    });
    await heads.refresh('staging');
    github.fail(Object.assign(new Error('Bad Gateway'), { status: 502 }));
    for (const t of [40_000, 80_000, 110_000]) {
      now = t;
      expect(heads.get('staging')?.sha).toBe('a'.repeat(40));
      await heads.refresh('staging');
    }
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(String(logger.warn.mock.calls[0][0])).toContain(
      'launchpad-cluster-staging',
    );
    now = 130_000;
    expect(heads.get('staging')).toBeUndefined();
    // An unknown cluster is no error for the caller.
    expect(heads.get('moon')).toBeUndefined();
    await heads.refresh('moon');
  });
});
