import {
  ApiException,
  CoreV1Api,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from './__testUtils__';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
}, 60_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

describe('ServiceAccounts and RBAC (what an instance namespace is prepared with)', () => {
  it('creates, reads and lists a ServiceAccount, Role and RoleBinding; refuses an invalid Role with 422', async () => {
    const kc = kubeConfigFor(sandbox.clusters[0]);
    const core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespace({ body: { metadata: { name: 'chem-201' } } });
    await core.createNamespacedServiceAccount({
      namespace: 'chem-201',
      body: { metadata: { name: 'workflow-executor' } },
    });
    await rbac.createNamespacedRole({
      namespace: 'chem-201',
      body: {
        metadata: { name: 'executor' },
        rules: [
          {
            apiGroups: ['argoproj.io'],
            resources: ['workflowtaskresults'],
            verbs: ['create', 'patch'],
          },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: 'chem-201',
      body: {
        metadata: { name: 'executor' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'executor',
        },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: 'workflow-executor',
            namespace: 'chem-201',
          },
        ],
      },
    });
    const sa = await core.readNamespacedServiceAccount({
      namespace: 'chem-201',
      name: 'workflow-executor',
    });
    expect(sa.metadata?.uid).toBeDefined();
    const binding = await rbac.readNamespacedRoleBinding({
      namespace: 'chem-201',
      name: 'executor',
    });
    expect(binding.roleRef.name).toBe('executor');
    expect(
      (await rbac.listNamespacedRole({ namespace: 'chem-201' })).items.map(
        r => r.metadata?.name,
      ),
    ).toEqual(['executor']);
    // A second create is a conflict, as on the API server.
    const again = await core
      .createNamespacedServiceAccount({
        namespace: 'chem-201',
        body: { metadata: { name: 'workflow-executor' } },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(again).toBeInstanceOf(ApiException);
    expect((again as ApiException<unknown>).code).toBe(409);
    // roleRef is required.
    const invalid = await fetch(
      `${sandbox.clusters[0].kubernetesUrl}/apis/rbac.authorization.k8s.io/v1/namespaces/chem-201/rolebindings`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${sandbox.clusters[0].token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'broken' },
        }),
      },
    );
    expect(invalid.status).toBe(422);
  });

  it("merges a Secret's stringData into data, as the API server does", async () => {
    const core = kubeConfigFor(sandbox.clusters[0]).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'secrets-ns' } } });
    const created = await core.createNamespacedSecret({
      namespace: 'secrets-ns',
      body: {
        metadata: { name: 'credentials' },
        data: { KEPT: Buffer.from('old').toString('base64') },
        stringData: { MYSQL_PASSWORD: 'hunter2' },
      },
    });
    expect(created.stringData).toBeUndefined();
    expect(Buffer.from(created.data!.MYSQL_PASSWORD, 'base64').toString()).toBe(
      'hunter2',
    );
    expect(Buffer.from(created.data!.KEPT, 'base64').toString()).toBe('old');
  });
});
