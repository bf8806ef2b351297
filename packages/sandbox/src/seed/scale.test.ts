import { startSandbox, type Sandbox } from '../sandbox';

describe('scale seeding', () => {
  let sandbox: Sandbox;
  afterAll(async () => {
    await sandbox?.stop();
  }, 60_000);

  it('seeds 1,000 extra instances into one cluster repository, each with its Application', async () => {
    const started = Date.now();
    sandbox = await startSandbox({
      speed: 0,
      scale: { cluster: 'production', instances: 1000 },
    });
    // A figure for whoever reads the log; the suite asserts behaviour, not speed.
    process.stdout.write(
      `scale seed of 1000 instances started the sandbox in ${
        Date.now() - started
      } ms\n`,
    );
    const files = await sandbox.git.listFiles(
      'acme-edu',
      'launchpad-cluster-production',
      'instances',
    );
    expect(files.filter(f => f.endsWith('/application.yml'))).toHaveLength(
      1004,
    );
    const cluster = sandbox.clusters[1];
    const res = await fetch(`${cluster.argocdUrl}/api/v1/applications`, {
      headers: { Authorization: `Bearer ${cluster.token}` },
    });
    const { items } = (await res.json()) as {
      items: Array<{
        metadata: { name: string };
        status: { sync: { status: string }; health: { status: string } };
      }>;
    };
    expect(items).toHaveLength(1004);
    const generated = items.find(
      a => a.metadata.name === 'load-1000-production',
    );
    expect(generated?.status).toMatchObject({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
    });
    // The staging repository is untouched.
    const staging = await sandbox.git.listFiles(
      'acme-edu',
      'launchpad-cluster-staging',
      'instances',
    );
    expect(staging.some(f => f.includes('load-'))).toBe(false);
  }, 60_000);
});
