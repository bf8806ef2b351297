// Measures how long seeding a large cluster repository takes: one
// createRepository with N instances (4 files each), one commit touching a few
// instances, and reading the whole tree back recursively. Prints figures only.
//
// Usage: yarn tsx scripts/bench-git-store.ts [instances=1000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxClock } from '../src/clock';
import { GitStore } from '../src/github/gitStore';

async function main() {
  const instances = Number(process.argv[2] ?? 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-git-store-'));
  const clock = new SandboxClock(1);
  try {
    const store = await GitStore.create({ dir, clock });
    const files: Record<string, string> = {};
    for (let i = 0; i < instances; i++) {
      const slug = `load-${String(i).padStart(4, '0')}`;
      files[
        `instances/${slug}/config.yml`
      ] = `K8S_NAMESPACE: ${slug}\nLMS_HOST: ${slug}.learn.acme.test\n`;
      files[
        `instances/${slug}/application.yml`
      ] = `kind: Application\nmetadata:\n  name: ${slug}-staging\n`;
      files[`instances/${slug}/env/kustomization.yml`] =
        'resources:\n  - deployment.yml\n';
      files[
        `instances/${slug}/env/deployment.yml`
      ] = `kind: Deployment\nmetadata:\n  name: lms\n  namespace: ${slug}\n`;
    }
    let t = performance.now();
    const { headSha } = await store.createRepository('acme-edu', 'bench', {
      files,
    });
    const seedMs = performance.now() - t;
    t = performance.now();
    await store.commitFiles('acme-edu', 'bench', {
      message: 'edit',
      changes: {
        'instances/load-0001/config.yml': 'X: 1\n',
        'instances/load-0002/': null,
      },
    });
    const commitMs = performance.now() - t;
    t = performance.now();
    const tree = await store.readTree(
      'acme-edu',
      'bench',
      (
        await store.readCommit('acme-edu', 'bench', headSha)
      ).tree,
      { recursive: true, sizes: true },
    );
    const treeMs = performance.now() - t;
    t = performance.now();
    await store.listFiles('acme-edu', 'bench', 'instances');
    const listMs = performance.now() - t;
    const head = await store.headSha('acme-edu', 'bench');
    t = performance.now();
    for (let i = 0; i < instances; i++) {
      await store.readFile(
        'acme-edu',
        'bench',
        `instances/load-${String(i).padStart(4, '0')}/application.yml`,
        head,
      );
    }
    const readShaMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < instances; i++) {
      await store.readFile(
        'acme-edu',
        'bench',
        `instances/load-${String(i).padStart(4, '0')}/config.yml`,
        'main',
      );
    }
    const readBranchMs = performance.now() - t;
    console.log(`instances=${instances} files=${Object.keys(files).length}`);
    console.log(`createRepository: ${seedMs.toFixed(0)} ms`);
    console.log(
      `commitFiles (1 change, 1 folder delete): ${commitMs.toFixed(0)} ms`,
    );
    console.log(
      `readTree recursive with sizes (${tree.length} entries): ${treeMs.toFixed(
        0,
      )} ms`,
    );
    console.log(`listFiles('instances') again: ${listMs.toFixed(0)} ms`);
    console.log(
      `readFile x${instances} at a commit sha: ${readShaMs.toFixed(
        0,
      )} ms; at a branch: ${readBranchMs.toFixed(0)} ms`,
    );
  } finally {
    clock.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
