import YAML from 'yaml';
import { startSandbox, type Sandbox } from '../sandbox';
import { SEED_INSTANCES } from './instances';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 0 });
}, 30_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

describe('default seed', () => {
  it('creates both cluster repositories with Picasso and one folder per instance', async () => {
    for (const cluster of sandbox.clusters) {
      const [owner, repo] = cluster.repository.split('/');
      const files = await sandbox.git.listFiles(owner, repo);
      expect(files).toContain('.github/workflows/build.yml');
      const slugs = SEED_INSTANCES.filter(i => i.cluster === cluster.name).map(
        i => i.slug,
      );
      for (const slug of slugs) {
        expect(files).toEqual(
          expect.arrayContaining([
            `instances/${slug}/config.yml`,
            `instances/${slug}/application.yml`,
            `instances/${slug}/env/kustomization.yml`,
          ]),
        );
      }
    }
    expect(
      sandbox.git.hasRepository('acme-edu', 'launchpad-instance-template'),
    ).toBe(true);
  });

  it('writes config.yml with the Launchpad keys and secrets, and one malformed file', async () => {
    const text = (await sandbox.git.readFile(
      'acme-edu',
      'launchpad-cluster-production',
      'instances/university/config.yml',
    ))!;
    const config = YAML.parse(text);
    expect(config).toMatchObject({
      K8S_NAMESPACE: 'university',
      LMS_HOST: 'university.learn.acme.test',
      MYSQL_DATABASE: 'launchpad-university-openedx',
      MYSQL_USERNAME: 'launchpad-university',
      FORUM_MONGODB_DATABASE: 'launchpad-university-forum',
      EDX_PLATFORM_VERSION: 'release/teak.3',
      PORTAL_OWNER: 'group:default/university-team',
    });
    for (const secret of [
      'MYSQL_PASSWORD',
      'MONGODB_PASSWORD',
      'OPENEDX_SECRET_KEY',
      'STORAGE_ACCESS_KEY_ID',
      'STORAGE_SECRET_ACCESS_KEY',
    ]) {
      expect(typeof config[secret]).toBe('string');
    }
    expect(config.STORAGE_BUCKET_NAME).toMatch(
      /^launchpad-university-[0-9a-f]{7}$/,
    );
    const broken = (await sandbox.git.readFile(
      'acme-edu',
      'launchpad-cluster-staging',
      'instances/broken-config/config.yml',
    ))!;
    expect(() => YAML.parse(broken)).toThrow();
  });

  it('leaves the out-of-sync instance one commit ahead of its synced revision', async () => {
    const head = await sandbox.git.headSha(
      'acme-edu',
      'launchpad-cluster-staging',
    );
    const res = await fetch(
      `${sandbox.clusters[0].argocdUrl}/api/v1/applications/physics-101-staging`,
      {
        headers: { Authorization: `Bearer ${sandbox.clusters[0].token}` },
      },
    );
    const app = await res.json();
    expect(app.status.sync.status).toBe('OutOfSync');
    expect(app.status.sync.revision).not.toBe(head);
    expect(app.spec.syncPolicy.automated).toBeUndefined();
  });

  it('runs the provisioning instance’s workflows and keeps the others’ history', async () => {
    const headers = { Authorization: `Bearer ${sandbox.clusters[0].token}` };
    const running = await (
      await fetch(
        `${sandbox.clusters[0].argoUrl}/api/v1/workflows/summer-school`,
        { headers },
      )
    ).json();
    sandbox.clock.advance(1_000);
    const phases = async (ns: string) =>
      (
        (
          await (
            await fetch(
              `${sandbox.clusters[0].argoUrl}/api/v1/workflows/${ns}`,
              { headers },
            )
          ).json()
        ).items as Array<{
          status: { phase: string };
        }>
      ).map(w => w.status.phase);
    expect(running.items).toHaveLength(3);
    expect(await phases('summer-school')).toEqual([
      'Running',
      'Running',
      'Running',
    ]);
    expect(await phases('demo')).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
  });

  it('brings the provisioning instance up once its workflows succeed', async () => {
    const headers = { Authorization: `Bearer ${sandbox.clusters[0].token}` };
    const app = async () =>
      (await (
        await fetch(
          `${sandbox.clusters[0].argocdUrl}/api/v1/applications/summer-school-staging`,
          { headers },
        )
      ).json()) as {
        status: { health: { status: string } };
      };
    expect((await app()).status.health.status).toBe('Progressing');
    // Idle, so its HPAs stay at their minimum and every pod there is one that came up.
    sandbox.setLoad('staging', 0, 'summer-school');
    // Three steps of ten simulated minutes each, then one health assessment.
    await sandbox.settle(3 * 600_000 + 31_000, 30_000);
    const workflows = await (
      await fetch(
        `${sandbox.clusters[0].argoUrl}/api/v1/workflows/summer-school`,
        { headers },
      )
    ).json();
    expect(
      workflows.items.map((w: { status: { phase: string } }) => w.status.phase),
    ).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    const pods = await (
      await fetch(
        `${sandbox.clusters[0].kubernetesUrl}/api/v1/namespaces/summer-school/pods`,
        { headers },
      )
    ).json();
    expect(
      pods.items.every(
        (p: { status: { phase: string } }) => p.status.phase === 'Running',
      ),
    ).toBe(true);
    expect((await app()).status.health.status).toBe('Healthy');
  });

  it('answers every list the Backstage Kubernetes plugin makes for an instance', async () => {
    const cluster = sandbox.clusters[1];
    const headers = { Authorization: `Bearer ${cluster.token}` };
    const paths = [
      'api/v1/namespaces/demo/pods',
      'api/v1/namespaces/demo/services',
      'api/v1/namespaces/demo/configmaps',
      'api/v1/namespaces/demo/limitranges',
      'api/v1/namespaces/demo/resourcequotas',
      'apis/apps/v1/namespaces/demo/deployments',
      'apis/apps/v1/namespaces/demo/replicasets',
      'apis/apps/v1/namespaces/demo/statefulsets',
      'apis/apps/v1/namespaces/demo/daemonsets',
      'apis/autoscaling/v2/namespaces/demo/horizontalpodautoscalers',
      'apis/batch/v1/namespaces/demo/jobs',
      'apis/batch/v1/namespaces/demo/cronjobs',
      'apis/networking.k8s.io/v1/namespaces/demo/ingresses',
    ];
    const counts: Record<string, number> = {};
    for (const path of paths) {
      const res = await fetch(
        `${cluster.kubernetesUrl}/${path}?labelSelector=backstage.io/kubernetes-id=demo`,
        { headers },
      );
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(Array.isArray(body.items)).toBe(true);
      counts[path.split('/').pop()!] = body.items.length;
    }
    expect(counts).toMatchObject({
      deployments: 5,
      services: 3,
      horizontalpodautoscalers: 4,
      ingresses: 1,
      cronjobs: 2,
      limitranges: 0,
    });
    expect(counts.pods).toBeGreaterThanOrEqual(5);
  });
});
