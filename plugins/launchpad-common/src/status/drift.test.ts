import {
  compareImages,
  deriveImageDrift,
  deriveInstanceDrift,
  deriveRevisionDrift,
  parseImageReference,
  repositoryOfUrl,
} from './drift';

const OLD = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const NOW = Date.parse('2026-12-01T12:00:00Z');
const REPO = 'acme-edu/launchpad-cluster-staging';

const deployment = (
  name: string,
  containers: Array<{ name: string; image: string }>,
  initContainers: Array<{ name: string; image: string }> = [],
) => ({
  metadata: { name, namespace: 'demo' },
  spec: { template: { spec: { containers, initContainers } } },
});

describe('parseImageReference', () => {
  it('normalises Docker Hub names, registry hosts, tags and digests', () => {
    expect(parseImageReference('nginx')).toEqual({
      repository: 'docker.io/library/nginx',
      tag: 'latest',
    });
    expect(parseImageReference('docker.io/acme/openedx:teak.3-1')).toEqual({
      repository: 'docker.io/acme/openedx',
      tag: 'teak.3-1',
    });
    expect(parseImageReference('index.docker.io/acme/openedx:x')).toEqual(
      parseImageReference('acme/openedx:x'),
    );
    // A port makes the first component a host; a tag is after the last slash.
    expect(parseImageReference('registry.local:5000/team/openedx:v1')).toEqual({
      repository: 'registry.local:5000/team/openedx',
      tag: 'v1',
    });
    expect(parseImageReference('localhost/openedx')).toEqual({
      repository: 'localhost/openedx',
      tag: 'latest',
    });
    const digest = `sha256:${'c'.repeat(64)}`;
    expect(parseImageReference(`ghcr.io/acme/mfe@${digest}`)).toEqual({
      repository: 'ghcr.io/acme/mfe',
      digest,
    });
    expect(parseImageReference(`acme/mfe:v2@${digest}`)).toEqual({
      repository: 'docker.io/acme/mfe',
      tag: 'v2',
      digest,
    });
    expect(parseImageReference('')).toBeUndefined();
    expect(parseImageReference('acme/mfe@sha256:short')).toBeUndefined();
    expect(parseImageReference('two words')).toBeUndefined();
  });
});

describe('compareImages', () => {
  it('matches what the runtime would pull the same, and says unknown for tag against digest', () => {
    expect(
      compareImages('acme/openedx:teak.3', 'docker.io/acme/openedx:teak.3'),
    ).toEqual({ state: 'in-sync' });
    expect(compareImages('acme/openedx:2', 'acme/openedx:1')).toEqual({
      state: 'drifted',
      reason: 'runs tag 1, config.yml names 2',
    });
    expect(compareImages('acme/openedx:1', 'other/openedx:1').state).toBe(
      'drifted',
    );
    const d1 = `sha256:${'1'.repeat(64)}`;
    const d2 = `sha256:${'2'.repeat(64)}`;
    expect(compareImages(`acme/o@${d1}`, `acme/o:v@${d1}`).state).toBe(
      'in-sync',
    );
    expect(compareImages(`acme/o:v@${d1}`, `acme/o:v@${d2}`).state).toBe(
      'drifted',
    );
    expect(compareImages('acme/o:v', `acme/o@${d1}`)).toEqual({
      state: 'unknown',
      reason: 'a tag and a digest cannot be compared without the registry',
    });
    expect(compareImages('acme/o:v', 'not an image').state).toBe('unknown');
  });
});

describe('deriveImageDrift', () => {
  const config = {
    openedx: 'acme-edu/openedx-demo:teak.3-new',
    mfe: 'acme-edu/openedx-mfe-demo:teak.3-1',
  };

  it('names each Deployment that runs an older image than config.yml', () => {
    const drift = deriveImageDrift({
      config,
      deployments: [
        deployment('lms', [
          { name: 'lms', image: 'acme-edu/openedx-demo:teak.3-old' },
        ]),
        // A sidecar in a Tutor Deployment is not the Open edX image.
        deployment('cms', [
          { name: 'cms', image: 'docker.io/acme-edu/openedx-demo:teak.3-new' },
          { name: 'proxy', image: 'caddy:2' },
        ]),
        deployment('mfe', [
          { name: 'mfe', image: 'acme-edu/openedx-mfe-demo:teak.3-1' },
        ]),
        // Same repository elsewhere counts, also in init containers.
        deployment(
          'celery-beat',
          [{ name: 'beat', image: 'redis:7' }],
          [{ name: 'migrate', image: 'acme-edu/openedx-demo:teak.3-new' }],
        ),
        deployment('redis', [{ name: 'redis', image: 'redis:7' }]),
      ],
    });
    expect(drift.images).toBe('drifted');
    expect(
      drift.imageDetails.map(d => [
        d.service,
        d.deployment,
        d.container,
        d.state,
      ]),
    ).toEqual([
      ['openedx', 'lms', 'lms', 'drifted'],
      ['openedx', 'cms', 'cms', 'in-sync'],
      ['openedx', 'celery-beat', 'migrate', 'in-sync'],
      ['mfe', 'mfe', 'mfe', 'in-sync'],
    ]);
    expect(drift.imageDetails[0]).toMatchObject({
      runningImage: 'acme-edu/openedx-demo:teak.3-old',
      configImage: config.openedx,
      reason: 'runs tag teak.3-old, config.yml names teak.3-new',
    });
  });

  it('is in sync when every named image runs; a service config.yml does not name is left out', () => {
    const drift = deriveImageDrift({
      config: { openedx: config.openedx },
      deployments: [
        deployment('lms', [{ name: 'lms', image: config.openedx }]),
        deployment('mfe', [{ name: 'mfe', image: 'overhangio/mfe:20' }]),
      ],
    });
    expect(drift.images).toBe('in-sync');
    expect(drift.imageDetails).toHaveLength(1);
  });

  it('says unknown, never drifted, when nothing runs yet, nothing is named, or only digests run', () => {
    expect(deriveImageDrift({ config, deployments: [] })).toMatchObject({
      images: 'unknown',
      imageDetails: [
        {
          service: 'openedx',
          state: 'unknown',
          reason: 'no Deployment runs it',
        },
        { service: 'mfe', state: 'unknown' },
      ],
    });
    expect(deriveImageDrift({ config: {}, deployments: [] })).toEqual({
      images: 'unknown',
      imageDetails: [],
    });
    const pinned = deriveImageDrift({
      config: { openedx: config.openedx },
      deployments: [
        deployment('lms', [
          {
            name: 'lms',
            image: `acme-edu/openedx-demo@sha256:${'e'.repeat(64)}`,
          },
        ]),
      ],
    });
    expect(pinned.images).toBe('unknown');
    // A Deployment being deleted and garbage never count.
    expect(
      deriveImageDrift({
        config: { openedx: config.openedx },
        deployments: [
          {
            metadata: {
              name: 'lms',
              deletionTimestamp: '2026-12-01T11:00:00Z',
            },
            spec: {
              containers: [{ name: 'lms', image: 'acme-edu/openedx-demo:x' }],
            },
          },
          null,
          'junk',
        ],
      }).images,
    ).toBe('unknown');
  });

  it('reads the slim projection (spec.containers) as well as a full Deployment', () => {
    expect(
      deriveImageDrift({
        config: { openedx: 'acme-edu/openedx-demo:2' },
        deployments: [
          {
            metadata: { name: 'lms' },
            spec: {
              containers: [{ name: 'lms', image: 'acme-edu/openedx-demo:1' }],
            },
          },
        ],
      }).images,
    ).toBe('drifted');
  });
});

describe('repositoryOfUrl', () => {
  it('reads https, ssh and scp-like URLs', () => {
    expect(repositoryOfUrl(`https://github.com/${REPO}.git`)).toBe(REPO);
    expect(repositoryOfUrl(`https://github.com/${REPO}/`)).toBe(REPO);
    expect(repositoryOfUrl(`git@github.com:${REPO}.git`)).toBe(REPO);
    expect(repositoryOfUrl(`ssh://git@github.com/${REPO}`)).toBe(REPO);
    expect(repositoryOfUrl('https://charts.example.com')).toBeUndefined();
  });
});

describe('deriveRevisionDrift', () => {
  const app = (
    status: Record<string, unknown>,
    source: Record<string, unknown> = {},
  ) => ({
    spec: {
      source: {
        repoURL: `https://github.com/${REPO}.git`,
        path: 'instances/demo/env',
        targetRevision: 'main',
        ...source,
      },
    },
    status,
  });
  const head = (firstSeenAgoMs = 3_600_000, fetchedAgoMs = 10_000) => ({
    sha: HEAD,
    firstSeenAt: NOW - firstSeenAgoMs,
    fetchedAt: NOW - fetchedAgoMs,
  });
  const derive = (application: unknown, h = head()) =>
    deriveRevisionDrift({
      application,
      repository: REPO,
      branch: 'main',
      head: h,
      now: NOW,
    });

  it('is in sync when ArgoCD compared the head and found it Synced, even if the last sync was older (a commit to another instance)', () => {
    expect(
      derive(
        app({
          sync: { status: 'Synced', revision: HEAD },
          history: [{ id: 1, revision: OLD }],
          reconciledAt: '2026-12-01T11:59:00Z',
        }),
      ),
    ).toEqual({
      revision: 'in-sync',
      syncedRevision: OLD,
      comparedRevision: HEAD,
      headRevision: HEAD,
    });
  });

  it('is behind when ArgoCD is OutOfSync at the head (how ArgoCD reports it) or at its old revision (how the sandbox does)', () => {
    const outOfSync = (compared: string) =>
      app({
        sync: { status: 'OutOfSync', revision: compared },
        operationState: { phase: 'Succeeded', syncResult: { revision: OLD } },
      });
    for (const compared of [HEAD, OLD]) {
      expect(derive(outOfSync(compared))).toEqual({
        revision: 'behind',
        revisionReason: 'ArgoCD last synced aaaaaaa; main is at bbbbbbb',
        syncedRevision: OLD,
        comparedRevision: compared,
        headRevision: HEAD,
      });
    }
    // OutOfSync although the head was synced: someone changed the live objects; not a revision drift.
    expect(
      derive(
        app({
          sync: { status: 'OutOfSync', revision: HEAD },
          history: [{ revision: HEAD }],
        }),
      ).revision,
    ).toBe('in-sync');
  });

  it('waits ArgoCD’s refresh interval before calling a Synced app behind a newer head', () => {
    const stuck = app({
      sync: { status: 'Synced', revision: OLD },
      reconciledAt: '2026-12-01T11:00:00Z',
    });
    expect(derive(stuck, head(60_000))).toMatchObject({
      revision: 'unknown',
      revisionReason:
        'main moved to bbbbbbb 1 min ago; ArgoCD has not refreshed yet',
    });
    expect(derive(stuck, head(600_000))).toMatchObject({
      revision: 'behind',
      revisionReason:
        "ArgoCD has not compared main's head bbbbbbb for 10 min (it compared aaaaaaa)",
      syncedRevision: OLD,
    });
    // ArgoCD reconciled after the head was last confirmed: it may have seen a newer head than ours.
    const fresh = app({
      sync: { status: 'Synced', revision: OLD },
      reconciledAt: '2026-12-01T11:59:59Z',
    });
    expect(derive(fresh, head(600_000, 60_000)).revision).toBe('unknown');
  });

  it('picks the cluster repository’s source of a multi-source app', () => {
    const multi = {
      spec: {
        sources: [
          {
            repoURL: 'https://charts.example.com',
            chart: 'redis',
            targetRevision: '7.0',
          },
          { repoURL: `git@github.com:${REPO}.git`, targetRevision: 'main' },
        ],
      },
      status: {
        sync: { status: 'Synced', revisions: ['7.0.1', HEAD] },
        history: [{ revisions: ['7.0.1', OLD] }],
      },
    };
    expect(derive(multi)).toMatchObject({
      revision: 'in-sync',
      comparedRevision: HEAD,
      syncedRevision: OLD,
    });
  });

  it('says unknown when it cannot compare', () => {
    expect(derive(undefined).revisionReason).toBe('no ArgoCD application');
    expect(
      derive(
        app(
          { sync: { status: 'Synced', revision: HEAD } },
          { targetRevision: 'v1.2' },
        ),
      ).revisionReason,
    ).toBe('the application tracks v1.2, not main');
    expect(
      derive(
        app(
          { sync: { status: 'Synced', revision: HEAD } },
          { repoURL: 'https://github.com/x/y' },
        ),
      ).revisionReason,
    ).toBe(`the application does not deploy from ${REPO}`);
    expect(
      deriveRevisionDrift({
        application: app({ sync: { status: 'Synced', revision: OLD } }),
        repository: REPO,
        branch: 'main',
        now: NOW,
      }),
    ).toEqual({
      revision: 'unknown',
      revisionReason: 'the branch head is not known yet',
      syncedRevision: OLD,
      comparedRevision: OLD,
    });
    expect(derive(app({ sync: { status: 'Unknown' } })).revision).toBe(
      'unknown',
    );
    expect(derive(app({})).revision).toBe('unknown');
    expect(derive('junk').revision).toBe('unknown');
  });
});

describe('deriveInstanceDrift', () => {
  it('is drifted when the images drifted or the revision is behind', () => {
    const base = {
      config: { openedx: 'acme/o:2' },
      deployments: [deployment('lms', [{ name: 'lms', image: 'acme/o:2' }])],
      repository: REPO,
      branch: 'main',
      head: { sha: HEAD, firstSeenAt: NOW, fetchedAt: NOW },
      now: NOW,
    };
    const synced = {
      spec: { source: { repoURL: `https://github.com/${REPO}` } },
      status: { sync: { status: 'Synced', revision: HEAD } },
    };
    expect(deriveInstanceDrift({ ...base, application: synced })).toMatchObject(
      {
        images: 'in-sync',
        revision: 'in-sync',
        drifted: false,
      },
    );
    expect(
      deriveInstanceDrift({
        ...base,
        config: { openedx: 'acme/o:3' },
        application: synced,
      }).drifted,
    ).toBe(true);
    expect(
      deriveInstanceDrift({
        ...base,
        application: {
          ...synced,
          status: {
            sync: { status: 'OutOfSync', revision: OLD },
            history: [{ revision: OLD }],
          },
        },
      }),
    ).toMatchObject({ images: 'in-sync', revision: 'behind', drifted: true });
  });
});
