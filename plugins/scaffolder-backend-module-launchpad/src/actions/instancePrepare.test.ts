import type { Sandbox } from '@internal/sandbox';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import {
  actionContext,
  exampleInputs,
  mockDeps,
  startLaunchpadSandbox,
} from '../__testUtils__';
import { createInstancePrepareAction } from './instancePrepare';
import { examples } from './instancePrepare.examples';

describe('launchpad:instance:prepare (against the sandbox)', () => {
  let sandbox: Sandbox;
  let clusters: LaunchpadClustersService;
  beforeAll(async () => {
    ({ sandbox, clusters } = await startLaunchpadSandbox());
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('runs the example: namespace, ServiceAccount, token Secret, Role and RoleBinding; a re-run creates nothing', async () => {
    const [example, ...others] = exampleInputs(
      examples,
      'launchpad:instance:prepare',
    );
    expect(others).toEqual([]);
    const { auditor, permissions } = mockDeps();
    const action = createInstancePrepareAction({
      clusters,
      auditor,
      permissions,
    });
    const first = actionContext(action, example.input);
    await action.handler(first.ctx);
    expect(first.outputs).toEqual({
      namespace: 'chem-301',
      serviceAccount: 'workflow-executor',
      created: [
        'namespace',
        'serviceAccount',
        'tokenSecret',
        'role',
        'roleBinding',
      ],
    });
    const { core, rbac } = clusters.get('staging').kubernetes;
    const namespace = await core.readNamespace({ name: 'chem-301' });
    expect(namespace.metadata?.labels?.['launchpad.openedx.org/instance']).toBe(
      'chem-301',
    );
    const token = await core.readNamespacedSecret({
      namespace: 'chem-301',
      name: 'workflow-executor.service-account-token',
    });
    expect(token.type).toBe('kubernetes.io/service-account-token');
    expect(token.metadata?.annotations).toEqual({
      'kubernetes.io/service-account.name': 'workflow-executor',
    });
    const account = await core.readNamespacedServiceAccount({
      namespace: 'chem-301',
      name: 'workflow-executor',
    });
    expect(account.metadata?.name).toBe('workflow-executor');
    expect(
      await rbac.readNamespacedRole({
        namespace: 'chem-301',
        name: 'workflow-executor',
      }),
    ).toMatchObject({
      rules: [
        {
          apiGroups: ['argoproj.io'],
          resources: ['workflowtaskresults'],
          verbs: ['create', 'patch'],
        },
      ],
    });
    expect(
      await rbac.readNamespacedRoleBinding({
        namespace: 'chem-301',
        name: 'workflow-executor',
      }),
    ).toMatchObject({
      roleRef: { kind: 'Role', name: 'workflow-executor' },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'workflow-executor',
          namespace: 'chem-301',
        },
      ],
    });

    const again = actionContext(action, example.input);
    await action.handler(again.ctx);
    expect(again.outputs.created).toEqual([]);
    expect(again.lines()).toEqual([
      'Namespace chem-301 was already prepared; nothing to create',
    ]);
    expect(auditor.createEvent).toHaveBeenCalledTimes(2);
  }, 30_000);

  it('keeps an existing namespace and adds only what is missing', async () => {
    const { core } = clusters.get('staging').kubernetes;
    await core.createNamespace({ body: { metadata: { name: 'half-done' } } });
    const { auditor, permissions } = mockDeps();
    const action = createInstancePrepareAction({
      clusters,
      auditor,
      permissions,
    });
    const { ctx, outputs } = actionContext(action, {
      cluster: 'staging',
      slug: 'half-done',
    });
    await action.handler(ctx);
    expect(outputs.created).toEqual([
      'serviceAccount',
      'tokenSecret',
      'role',
      'roleBinding',
    ]);
  }, 30_000);
});
