import {
  actionContext,
  exampleInputs,
  useActionSandbox,
} from '../__testUtils__';
import { createArgocdApplyAction } from './argocdApply';
import { examples } from './argocdApply.examples';

const APPS = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'applications',
  namespace: 'argocd',
};

describe('launchpad:argocd:apply (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createArgocdApplyAction);
  const custom = () => env.clusters.get('staging').kubernetes.custom;
  const readApp = async (name: string) =>
    (await custom().getNamespacedCustomObject({ ...APPS, name })) as {
      metadata: { resourceVersion: string; labels: Record<string, string> };
      spec: { source: { path: string; targetRevision: string } };
      status?: unknown;
    };

  it('runs the example: the seeded demo Application already matches its application.yml', async () => {
    const [example, ...others] = exampleInputs(
      examples,
      'launchpad:argocd:apply',
    );
    expect(others).toEqual([]);
    const { action } = build();
    const before = await readApp('demo-staging');
    const { ctx, outputs } = actionContext(action, example.input);
    await action.handler(ctx);
    expect(outputs).toMatchObject({
      application: 'demo-staging',
      url: expect.stringContaining('/applications/argocd/demo-staging'),
    });
    expect(['unchanged', 'updated']).toContain(outputs.result);
    const after = await readApp('demo-staging');
    expect(after.spec).toEqual(before.spec);
  }, 30_000);

  it('creates or updates a new instance Application, leaves it unchanged on a re-run, and puts back a drifted spec keeping its status', async () => {
    const staging = env.clusters.get('staging');
    const { files } = staging.repository.editor.renderInstance({
      slug: 'apply-one',
      platformName: 'Apply',
      edxPlatformVersion: 'release/teak.3',
      tutorVersion: 'v20.0.5',
    });
    await staging.repository.writer.commitFiles({
      message: 'Add apply-one',
      files,
    });
    const { action, deps } = build();
    const input = { cluster: 'staging', slug: 'apply-one' };

    const first = actionContext(action, input);
    await action.handler(first.ctx);
    // The sandbox, like an app-of-apps, may have created it from the commit
    // already (then with its own labels): either way it matches afterwards.
    expect(['created', 'updated']).toContain(first.outputs.result);
    const created = await readApp('apply-one-staging');
    expect(created.spec.source.path).toBe('instances/apply-one/env');
    expect(created.metadata.labels['launchpad.openedx.org/instance']).toBe(
      'apply-one',
    );

    const second = actionContext(action, input);
    await action.handler(second.ctx);
    expect(second.outputs.result).toBe('unchanged');

    await env.sandbox.settle(5_000);
    const drifted = await readApp('apply-one-staging');
    await custom().replaceNamespacedCustomObject({
      ...APPS,
      name: 'apply-one-staging',
      body: {
        ...drifted,
        spec: {
          ...drifted.spec,
          source: { ...drifted.spec.source, targetRevision: 'other' },
        },
      },
    });
    const withStatus = await readApp('apply-one-staging');
    const third = actionContext(action, input);
    await action.handler(third.ctx);
    expect(third.outputs.result).toBe('updated');
    const fixed = await readApp('apply-one-staging');
    expect(fixed.spec.source.targetRevision).toBe('main');
    expect(fixed.status).toEqual(withStatus.status);
    expect(deps.auditor.createEvent.mock.calls.map(([e]) => e.eventId)).toEqual(
      ['argocd-apply', 'argocd-apply'],
    );
  }, 30_000);

  it('refuses an instance without application.yml', async () => {
    const { action } = build();
    await expect(
      action.handler(
        actionContext(action, { cluster: 'staging', slug: 'no-such-one' }).ctx,
      ),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  }, 30_000);
});
