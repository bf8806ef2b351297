import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';

interface Node {
  displayName: string;
  type: string;
  phase: string;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
}
interface Workflow {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
  };
  status?: {
    phase?: string;
    progress?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    nodes?: Record<string, Node>;
  };
}

let sandbox: Sandbox;
let argoUrl: string;
let headers: Record<string, string>;
let custom: CustomObjectsApi;

const mysqlParameters = [
  'namespace=wf-test',
  'database-name=launchpad-wf-test-openedx',
  'username=launchpad-wf-test',
  'password=s3cret',
];

beforeAll(async () => {
  // Speed 0: simulated time moves only with clock.advance, so phases are observable without races.
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  const cluster = sandbox.clusters[0];
  argoUrl = cluster.argoUrl;
  headers = {
    Authorization: `Bearer ${cluster.token}`,
    'Content-Type': 'application/json',
  };
  const kc = kubeConfigFor(cluster);
  custom = kc.makeApiClient(CustomObjectsApi);
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: 'wf-test' } } });
}, 60_000);

afterAll(async () => {
  await sandbox.stop();
}, 60_000);

async function submit(resourceName: string, parameters: string[]) {
  return fetch(`${argoUrl}/api/v1/workflows/wf-test/submit`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      resourceKind: 'ClusterWorkflowTemplate',
      resourceName,
      submitOptions: {
        parameters,
        labels: 'launchpad.openedx.org/instance=wf-test',
      },
    }),
  });
}

async function getWorkflow(name: string): Promise<Workflow> {
  const res = await fetch(`${argoUrl}/api/v1/workflows/wf-test/${name}`, {
    headers,
  });
  expect(res.status).toBe(200);
  return res.json();
}

const wfTarget = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  namespace: 'wf-test',
  plural: 'workflows',
};

async function listNames(): Promise<string[]> {
  const list = (await custom.listNamespacedCustomObject(wfTarget)) as {
    items: Workflow[];
  };
  return list.items.map(w => w.metadata.name).sort();
}

const stepPhases = (wf: Workflow) =>
  Object.values(wf.status?.nodes ?? {})
    .filter(n => n.type === 'Pod')
    .map(n => `${n.displayName}:${n.phase}`);

describe('simulated Argo Workflows', () => {
  it('runs a submitted workflow Pending → Running → Succeeded, node by node', async () => {
    const res = await submit('mysql-provision-template', mysqlParameters);
    expect(res.status).toBe(200);
    const created: Workflow = await res.json();
    expect(created.metadata.name).toMatch(/^mysql-provision-template-/);
    expect(created.metadata.labels).toMatchObject({
      'launchpad.openedx.org/instance': 'wf-test',
      'workflows.argoproj.io/cluster-workflow-template':
        'mysql-provision-template',
    });
    const name = created.metadata.name;
    expect((await getWorkflow(name)).status?.phase).toBe('Pending');

    sandbox.clock.advance(1_000);
    let wf = await getWorkflow(name);
    expect(wf.status?.phase).toBe('Running');
    expect(wf.status?.startedAt).toBeTruthy();
    expect(stepPhases(wf)).toEqual(['create-database:Running']);
    expect(wf.status?.progress).toBe('0/3');
    expect(
      (wf.status as { storedWorkflowTemplateSpec?: { entrypoint?: string } })
        .storedWorkflowTemplateSpec?.entrypoint,
    ).toBe('main');

    sandbox.clock.advance(2_000);
    wf = await getWorkflow(name);
    expect(stepPhases(wf)).toEqual([
      'create-database:Succeeded',
      'create-user:Running',
    ]);
    expect(wf.status?.progress).toBe('1/3');

    sandbox.clock.advance(4_000);
    wf = await getWorkflow(name);
    expect(wf.status?.phase).toBe('Succeeded');
    expect(wf.status?.progress).toBe('3/3');
    expect(wf.status?.finishedAt).toBeTruthy();
    expect(stepPhases(wf)).toEqual([
      'create-database:Succeeded',
      'create-user:Succeeded',
      'grant-privileges:Succeeded',
    ]);
    for (const node of Object.values(wf.status!.nodes!)) {
      expect(node.startedAt).toBeTruthy();
      expect(node.finishedAt).toBeTruthy();
    }

    const list = await (
      await fetch(
        `${argoUrl}/api/v1/workflows/wf-test?listOptions.labelSelector=launchpad.openedx.org/instance=wf-test`,
        { headers },
      )
    ).json();
    expect(list.items.map((w: Workflow) => w.metadata.name)).toContain(name);
  });

  it('runs a Workflow created through the Kubernetes API', async () => {
    const created = (await custom.createNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'wf-test',
      plural: 'workflows',
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'storage-provision-' },
        spec: {
          workflowTemplateRef: {
            name: 'storage-provision-template',
            clusterScope: true,
          },
          arguments: {
            parameters: [
              { name: 'namespace', value: 'wf-test' },
              { name: 'bucket-name', value: 'launchpad-wf-test-abc1234' },
            ],
          },
        },
      },
    })) as Workflow;
    sandbox.clock.advance(1_000 + 3 * 2_000);
    const wf = (await custom.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'wf-test',
      plural: 'workflows',
      name: created.metadata.name,
    })) as Workflow;
    expect(wf.status?.phase).toBe('Succeeded');
    expect(stepPhases(wf)).toHaveLength(3);
  });

  it('refuses a submit missing a required parameter with 400 and creates nothing, as argo submit does', async () => {
    const before = await listNames();
    const res = await submit(
      'mysql-provision-template',
      mysqlParameters.filter(p => !p.startsWith('password=')),
    );
    // server/workflow/workflow_server.go SubmitWorkflow → validate.ValidateWorkflow
    // (validateArgumentsValues), InvalidArgument.
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 3,
      message:
        'spec.arguments.password.value or spec.arguments.password.valueFrom is required',
    });
    expect(await listNames()).toEqual(before);
  });

  it('fails a Workflow created through the Kubernetes API without a required parameter, with the message Argo gives', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...wfTarget,
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'mysql-provision-' },
        spec: {
          workflowTemplateRef: {
            name: 'mysql-provision-template',
            clusterScope: true,
          },
          arguments: {
            parameters: [{ name: 'namespace', value: 'wf-test' }],
          },
        },
      },
    })) as Workflow;
    expect(created.status).toBeUndefined();
    sandbox.clock.advance(1_000);
    const wf = await getWorkflow(created.metadata.name);
    expect(wf.status?.phase).toBe('Failed');
    expect(wf.status?.message).toBe(
      'invalid spec: spec.arguments.database-name.value or spec.arguments.database-name.valueFrom is required',
    );
  });

  it('errors on an unknown template (Kubernetes API) and answers 404 on submit (Argo Server)', async () => {
    const created = (await custom.createNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'wf-test',
      plural: 'workflows',
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'ghost' },
        spec: {
          workflowTemplateRef: { name: 'no-such-template', clusterScope: true },
        },
      },
    })) as Workflow;
    sandbox.clock.advance(1_000);
    const wf = await getWorkflow(created.metadata.name);
    expect(wf.status?.phase).toBe('Error');
    expect(wf.status?.message).toBe(
      'ClusterWorkflowTemplate.argoproj.io "no-such-template" not found',
    );

    const res = await submit('no-such-template', []);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      code: 5,
      message:
        'clusterworkflowtemplates.argoproj.io "no-such-template" not found',
    });
  });

  it('fails the matching step when the workflow-step-fails fault is on', async () => {
    const fault = sandbox.faults.add({
      kind: 'workflow-step-fails',
      template: 'mysql-provision-template',
      step: 'create-user',
      message: 'ERROR 1396 (HY000): Operation CREATE USER failed',
      count: 1,
    });
    const { metadata } = (await (
      await submit('mysql-provision-template', mysqlParameters)
    ).json()) as Workflow;
    sandbox.clock.advance(1_000 + 2 * 2_000);
    const wf = await getWorkflow(metadata.name);
    expect(wf.status?.phase).toBe('Failed');
    expect(stepPhases(wf)).toEqual([
      'create-database:Succeeded',
      'create-user:Failed',
    ]);
    const failed = Object.values(wf.status!.nodes!).find(
      n => n.phase === 'Failed' && n.type === 'Pod',
    );
    expect(failed?.message).toBe(
      'ERROR 1396 (HY000): Operation CREATE USER failed',
    );
    expect(wf.status?.message).toContain('Operation CREATE USER failed');
    // count: 1 → the fault is used up and the next run succeeds.
    expect(sandbox.faults.list().find(f => f.id === fault.id)).toBeUndefined();
  });

  it('refuses Argo Server calls without the token', async () => {
    const res = await fetch(`${argoUrl}/api/v1/workflows/wf-test`);
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe(16);
  });
});
