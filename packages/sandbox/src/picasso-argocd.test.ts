import { Octokit } from '@octokit/rest';
import { startSandbox, type Sandbox } from './sandbox';

/**
 * The whole GitOps loop across the sandbox's services: a Picasso build
 * dispatched through the GitHub API commits a new image tag, and ArgoCD
 * (auto-sync) takes the instance OutOfSync → Synced at that commit.
 */
describe('Picasso build → ArgoCD sync', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
  }, 60_000);
  afterAll(async () => {
    await sandbox.stop();
  }, 60_000);

  /** Dispatches a Picasso build and runs the sandbox's clock until it commits; the new head. */
  async function build(repository: string, instance: string, service: string) {
    const [owner, repo] = repository.split('/');
    const octokit = new Octokit({
      baseUrl: sandbox.github.url,
      auth: sandbox.github.token,
    });
    const before = await sandbox.git.headSha(owner, repo);
    await octokit.rest.actions.createWorkflowDispatch({
      owner,
      repo,
      workflow_id: 'build.yml',
      ref: 'main',
      inputs: { INSTANCE_NAME: instance, SERVICE: service },
    });
    let head = before;
    for (let i = 0; i < 60 && head === before; i++) {
      await sandbox.settle(1_000);
      await new Promise(resolve => setTimeout(resolve, 10));
      head = await sandbox.git.headSha(owner, repo);
    }
    expect(head).not.toBe(before);
    return head;
  }

  it('syncs the instance to the commit the build made', async () => {
    const cluster = sandbox.clusters[1];
    const [owner, repo] = cluster.repository.split('/');
    const head = await build(cluster.repository, 'university', 'openedx');
    const app = async () =>
      (await (
        await fetch(
          `${cluster.argocdUrl}/api/v1/applications/university-production`,
          {
            headers: { Authorization: `Bearer ${cluster.token}` },
          },
        )
      ).json()) as {
        status: {
          sync: { status: string; revision: string };
          summary: { images: string[] };
        };
      };

    const config = (await sandbox.git.readFile(
      owner,
      repo,
      'instances/university/config.yml',
    ))!;
    const image = /DOCKER_IMAGE_OPENEDX: (\S+)/.exec(config)![1];

    await sandbox.settle(10_000);
    const synced = await app();
    expect(synced.status.sync).toMatchObject({
      status: 'Synced',
      revision: head,
    });
    expect(synced.status.summary.images).toContain(image);
  });

  it("renders a new instance's env/ on its first build, as tutor k8s render does", async () => {
    const [owner, repo] = sandbox.clusters[0].repository.split('/');
    const demo = (await sandbox.git.readFile(
      owner,
      repo,
      'instances/demo/config.yml',
    ))!;
    // A folder as launchpad:instance:create writes it: config.yml, no env/.
    await sandbox.git.commitFiles(owner, repo, {
      message: 'new instance',
      changes: {
        'instances/fresh/config.yml': demo
          .replace(/demo/g, 'fresh')
          .replace(/^(DOCKER_IMAGE_OPENEDX|MFE_DOCKER_IMAGE):.*\n/gm, ''),
      },
    });
    await build(sandbox.clusters[0].repository, 'fresh', 'mfe');
    const files = await sandbox.git.listFiles(
      owner,
      repo,
      'instances/fresh/env',
    );
    expect(files.sort()).toEqual([
      'instances/fresh/env/k8s/deployments.yml',
      'instances/fresh/env/k8s/services.yml',
      'instances/fresh/env/kustomization.yml',
    ]);
    const config = (await sandbox.git.readFile(
      owner,
      repo,
      'instances/fresh/config.yml',
    ))!;
    const mfe = /MFE_DOCKER_IMAGE: (\S+)/.exec(config)![1];
    const deployments = (await sandbox.git.readFile(
      owner,
      repo,
      'instances/fresh/env/k8s/deployments.yml',
    ))!;
    // The built image, and Tutor's default for the image not built yet.
    expect(deployments).toContain(`image: ${mfe}`);
    expect(deployments).toMatch(/image: docker\.io\/overhangio\/openedx:/);
    // The next build re-tags what the first one rendered.
    await build(sandbox.clusters[0].repository, 'fresh', 'openedx');
    const openedx = /DOCKER_IMAGE_OPENEDX: (\S+)/.exec(
      (await sandbox.git.readFile(owner, repo, 'instances/fresh/config.yml'))!,
    )![1];
    const retagged = (await sandbox.git.readFile(
      owner,
      repo,
      'instances/fresh/env/k8s/deployments.yml',
    ))!;
    expect(retagged).toContain(`image: ${openedx}`);
    expect(retagged).toContain(`image: ${mfe}`);
    expect(retagged).not.toMatch(/overhangio\/openedx:/);
  });
});
