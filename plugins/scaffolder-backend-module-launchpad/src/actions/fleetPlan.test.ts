import { mockCredentials } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { planWaves, reportTable, selectFleet, Semaphore } from './fleetPlan';

/** An instance entity as the Launchpad provider emits it (the fields the filter reads). */
function instance(
  cluster: string,
  slug: string,
  options: { owner?: string; release?: string; configError?: string } = {},
): Entity {
  const release = options.release ?? 'release/teak.3';
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: slug,
      namespace: cluster,
      labels: {
        'launchpad.openedx.org/release': /release\/([a-z]+)/.exec(release)![1],
      },
      annotations: {
        'launchpad.openedx.org/openedx-release': release,
        ...(options.configError
          ? { 'launchpad.openedx.org/config-error': options.configError }
          : {}),
      },
    },
    spec: {
      type: 'openedx-instance',
      lifecycle: 'staging',
      owner: options.owner ?? 'group:default/platform-team',
    },
  };
}

describe('selectFleet', () => {
  const catalog = catalogServiceMock({
    entities: [
      instance('staging', 'zeta'),
      instance('staging', 'alpha', { owner: 'physics-dept' }),
      instance('staging', 'beta', { release: 'release/sumac.2' }),
      instance('staging', 'broken', { configError: 'config.yml is invalid' }),
      instance('production', 'alpha'),
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'website', namespace: 'staging' },
        spec: { type: 'service', lifecycle: 'production', owner: 'x' },
      },
    ],
  });
  const select = (filter: Parameters<typeof selectFleet>[0]['filter']) =>
    selectFleet({
      catalog,
      credentials: mockCredentials.service(),
      cluster: 'staging',
      filter,
    });

  it("takes the cluster's instances sorted by slug, skipping one with a config error", async () => {
    expect(await select({})).toEqual({
      slugs: ['alpha', 'beta', 'zeta'],
      skipped: [
        {
          slug: 'broken',
          reason: 'configuration error: config.yml is invalid',
        },
      ],
    });
  });

  it('filters by release name or full release, and by owner (a bare name is a group in default)', async () => {
    expect((await select({ release: 'teak' })).slugs).toEqual([
      'alpha',
      'zeta',
    ]);
    expect((await select({ release: 'sumac.2' })).slugs).toEqual(['beta']);
    expect((await select({ owner: 'physics-dept' })).slugs).toEqual(['alpha']);
    expect(
      (await select({ owner: 'group:default/platform-team', release: 'teak' }))
        .slugs,
    ).toEqual(['zeta']);
  });

  it('keeps an explicit list in its order, names what the other fields exclude, and refuses a slug not in the cluster', async () => {
    expect(
      await select({ slugs: ['zeta', 'beta', 'alpha'], release: 'teak' }),
    ).toEqual({
      slugs: ['zeta', 'alpha'],
      skipped: [{ slug: 'beta', reason: 'release is sumac' }],
    });
    await expect(
      select({ slugs: ['alpha', 'website', 'nope'] }),
    ).rejects.toThrow(
      'filter.slugs: website, nope are not an instance of cluster staging in the catalog',
    );
    await expect(select({ slugs: ['Bad_Slug'] })).rejects.toThrow(
      /slug "Bad_Slug" is invalid/,
    );
    expect((await select({ exclude: ['beta', 'zeta'] })).slugs).toEqual([
      'alpha',
    ]);
  });
});

describe('planWaves', () => {
  it('cuts the canaries off the front, then waves of waveSize', () => {
    expect(
      planWaves(['a', 'b', 'c', 'd', 'e', 'f'], { canaries: 1, waveSize: 2 }),
    ).toEqual({ canaries: ['a'], waves: [['b', 'c'], ['d', 'e'], ['f']] });
    expect(planWaves(['a', 'b'], { canaries: 0, waveSize: 5 })).toEqual({
      canaries: [],
      waves: [['a', 'b']],
    });
    expect(planWaves([], { canaries: 1, waveSize: 5 })).toEqual({
      canaries: [],
      waves: [],
    });
  });
});

describe('Semaphore', () => {
  it('runs at most limit functions at once, in order, and frees a slot on failure', async () => {
    const gate = new Semaphore(2);
    let active = 0;
    let most = 0;
    const order: number[] = [];
    const work = (n: number) =>
      gate.run(async () => {
        active++;
        most = Math.max(most, active);
        await new Promise(resolve => setTimeout(resolve, 5));
        order.push(n);
        active--;
        if (n === 1) throw new Error('boom');
        return n;
      });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(work));
    expect(most).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(results.map(r => r.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(() => new Semaphore(0)).toThrow(/positive integer/);
  });
});

describe('reportTable', () => {
  it('aligns the columns', () => {
    expect(
      reportTable([
        { slug: 'demo', wave: 'canary', outcome: 'upgraded' },
        {
          slug: 'physics-101',
          wave: 'wave 1',
          outcome: 'rolled-back',
          detail: 'build: concluded failure',
        },
      ]),
    ).toBe(
      [
        'instance     wave    outcome      detail',
        '-----------  ------  -----------  ------',
        'demo         canary  upgraded',
        'physics-101  wave 1  rolled-back  build: concluded failure',
      ].join('\n'),
    );
  });
});
