import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { SandboxClock } from '../clock';
import { FaultRegistry } from '../faults';
import { GitStore } from './gitStore';
import {
  PICASSO_BUILD_WORKFLOW,
  retagManifests,
  runPicassoBuild,
  setTopLevelScalar,
} from './picasso';

describe('Picasso simulation', () => {
  it('ships a build.yml whose dispatch inputs are the ones Launchpad sends', () => {
    const workflow = parse(PICASSO_BUILD_WORKFLOW);
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(inputs.INSTANCE_NAME).toMatchObject({ required: true });
    expect(inputs.SERVICE).toMatchObject({
      required: true,
      type: 'choice',
      options: ['openedx', 'mfe'],
    });
    expect(inputs.STRAIN_REPOSITORY_BRANCH.required).toBe(false);
    expect(inputs.EDX_PLATFORM_VERSION.required).toBe(false);
  });

  it('replaces a scalar in place, keeping comments, quoting and spacing', () => {
    const text =
      '# header\nA: 1   # keep me\nIMAGE: "acme/x:1" # quoted\nB: [1, 2]\n';
    expect(setTopLevelScalar(text, 'IMAGE', 'acme/x:2')).toBe(
      '# header\nA: 1   # keep me\nIMAGE: "acme/x:2" # quoted\nB: [1, 2]\n',
    );
    expect(setTopLevelScalar(text, 'A', 'two words')).toContain(
      'A: two words   # keep me\n',
    );
    expect(setTopLevelScalar(text, 'NEW', 'v: 1')).toBe(`${text}NEW: "v: 1"\n`);
  });

  it('retags matching containers and kustomize images only', () => {
    const manifests = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: lms}',
      'spec:',
      '  template:',
      '    spec:',
      '      initContainers:',
      '        - name: migrate',
      "          image: 'acme/openedx:old' # same image",
      '      containers:',
      '        - name: lms',
      '          image: acme/openedx:old',
      '        - name: sidecar',
      '          image: busybox:1',
      '---',
      'apiVersion: batch/v1',
      'kind: CronJob',
      'metadata: {name: dump}',
      'spec:',
      '  jobTemplate:',
      '    spec:',
      '      template:',
      '        spec:',
      '          containers:',
      '            - name: dump',
      '              image: acme/openedx:older',
      '',
    ].join('\n');
    const out = retagManifests(
      manifests,
      'acme/openedx:old',
      'acme/openedx:new',
      'openedx',
    )!;
    expect(out).toBe(
      manifests
        .replace(
          "'acme/openedx:old' # same image",
          "'acme/openedx:new' # same image",
        )
        .replace('image: acme/openedx:old', 'image: acme/openedx:new')
        .replace('image: acme/openedx:older', 'image: acme/openedx:new'),
    );
    expect(out).toContain('image: busybox:1');
    expect(
      retagManifests(
        'images:\n  - name: acme/openedx\n    newTag: old\nkind: Kustomization\n',
        'acme/openedx:old',
        'acme/openedx:new',
        'openedx',
      ),
    ).toBe(
      'images:\n  - name: acme/openedx\n    newTag: new\nkind: Kustomization\n',
    );
    expect(
      retagManifests(
        'kind: Service\n',
        'acme/openedx:old',
        'acme/openedx:new',
        'openedx',
      ),
    ).toBeUndefined();
  });

  describe('runPicassoBuild', () => {
    let dir: string;
    let clock: SandboxClock;
    let git: GitStore;
    const faults = new FaultRegistry();
    beforeEach(async () => {
      dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'picasso-'));
      clock = new SandboxClock(0, { start: new Date('2026-05-04T10:00:00Z') });
      git = await GitStore.create({ dir, clock });
      await git.createRepository('acme-edu', 'cluster', {
        files: {
          'instances/broken/config.yml': 'PLATFORM_NAME: [unclosed\n',
          'instances/fresh/config.yml': 'EDX_PLATFORM_VERSION: master\n',
        },
      });
    }, 30_000);
    afterEach(async () => {
      clock.stop();
      await fs.promises.rm(dir, { recursive: true, force: true });
    }, 30_000);
    const build = (inputs: Record<string, string>, runNumber = 7) =>
      runPicassoBuild(
        { git, faults },
        git.getRepository('acme-edu', 'cluster')!,
        { inputs, branch: 'main', runNumber, now: clock.now() },
      );

    it('fails on a malformed config.yml without committing', async () => {
      const head = await git.headSha('acme-edu', 'cluster');
      const result = await build({
        INSTANCE_NAME: 'broken',
        SERVICE: 'openedx',
      });
      expect(result.conclusion).toBe('failure');
      expect(result.message).toContain('not valid YAML');
      expect(await git.headSha('acme-edu', 'cluster')).toBe(head);
    });

    it('names a first image after the instance and records overridden versions', async () => {
      const result = await build({
        INSTANCE_NAME: 'fresh',
        SERVICE: 'mfe',
        EDX_PLATFORM_VERSION: 'release/teak.3',
      });
      expect(result).toMatchObject({
        conclusion: 'success',
        image: 'acme-edu/fresh-mfe:teak.3-20260504-7',
      });
      expect(
        await git.readFile('acme-edu', 'cluster', 'instances/fresh/config.yml'),
      ).toBe(
        'EDX_PLATFORM_VERSION: release/teak.3\nMFE_DOCKER_IMAGE: acme-edu/fresh-mfe:teak.3-20260504-7\n',
      );
      // No env/ yet: the first build renders it (tutor k8s render), the
      // built image in the mfe Deployment.
      expect(result.changedPaths).toEqual([
        'instances/fresh/config.yml',
        'instances/fresh/env/k8s/deployments.yml',
        'instances/fresh/env/k8s/services.yml',
        'instances/fresh/env/kustomization.yml',
      ]);
      expect(
        await git.readFile(
          'acme-edu',
          'cluster',
          'instances/fresh/env/k8s/deployments.yml',
        ),
      ).toContain('image: acme-edu/fresh-mfe:teak.3-20260504-7');
    });
  });
});
