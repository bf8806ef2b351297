import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
} from '@kubernetes/client-node';
import YAML from 'yaml';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';

interface Node {
  id: string;
  name: string;
  displayName: string;
  type: string;
  phase: string;
  boundaryID?: string;
  children?: string[];
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}
interface Workflow {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    generateName?: string;
  };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    message?: string;
    finishedAt?: string;
    nodes?: Record<string, Node>;
  };
}

/*
 * Real workflows from argoproj/argo-workflows examples/ (steps.yaml,
 * dag-diamond.yaml, loops.yaml, retry-with-steps.yaml, exit-handlers.yaml,
 * suspend-template.yaml, scripts-bash.yaml, k8s-jobs.yaml), trimmed of their
 * comments; names fixed so the tests can address them.
 */
const EXAMPLES: Record<string, string> = {
  steps: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: steps-test
  labels:
    workflows.argoproj.io/no-test-broken: "true"
spec:
  entrypoint: hello-hello-hello
  templates:
  - name: hello-hello-hello
    steps:
    - - name: hello1
        template: print-message
        arguments:
          parameters: [{name: message, value: "hello1"}]
    - - name: hello2a
        template: print-message
        arguments:
          parameters: [{name: message, value: "hello2a"}]
      - name: hello2b
        template: print-message
        arguments:
          parameters: [{name: message, value: "hello2b"}]
  - name: print-message
    inputs:
      parameters:
      - name: message
    container:
      image: busybox
      command: [echo]
      args: ["{{inputs.parameters.message}}"]
`,
  dagDiamond: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: dag-diamond-test
spec:
  entrypoint: diamond
  templates:
  - name: diamond
    dag:
      tasks:
      - name: foo-bar-longname-A
        template: echo
        arguments:
          parameters: [{name: message, value: foo-bar-longname-A}]
      - name: foo-bar-longname-B
        dependencies: [foo-bar-longname-A]
        template: echo
        arguments:
          parameters: [{name: message, value: foo-bar-longname-B}]
      - name: foo-bar-longname-C
        dependencies: [foo-bar-longname-A]
        template: echo
        arguments:
          parameters: [{name: message, value: foo-bar-longname-C}]
      - name: foo-bar-longname-D
        dependencies: [foo-bar-longname-B, foo-bar-longname-C]
        template: echo
        arguments:
          parameters: [{name: message, value: foo-bar-longname-D}]
  - name: echo
    inputs:
      parameters:
      - name: message
    container:
      image: alpine:3.7
      command: [echo, "{{inputs.parameters.message}}"]
`,
  loops: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: loops-test
spec:
  entrypoint: loop-example
  templates:
  - name: loop-example
    steps:
    - - name: print-message-loop
        template: print-message
        arguments:
          parameters:
          - name: message
            value: "{{item}}"
        withItems:
        - hello world
        - goodbye world
  - name: print-message
    inputs:
      parameters:
      - name: message
    container:
      image: busybox
      command: [echo]
      args: ["{{inputs.parameters.message}}"]
`,
  retryWithSteps: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: retry-with-steps-test
spec:
  entrypoint: retry-with-steps
  templates:
  - name: retry-with-steps
    steps:
    - - name: hello1
        template: random-fail
    - - name: hello2a
        template: random-fail
      - name: hello2b
        template: random-fail
  - name: random-fail
    retryStrategy:
      limit: "10"
    container:
      image: python:alpine
      command: [python, -c]
      args: ["import random; import sys; print('retries: {{retries}}'); exit_code = random.choice([0, 1, 1]); sys.exit(exit_code)"]
`,
  exitHandlers: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  labels:
    workflows.argoproj.io/no-test: "expected-failure"
  name: exit-handlers-test
spec:
  entrypoint: intentional-fail
  onExit: exit-handler
  templates:
  - name: intentional-fail
    container:
      image: alpine:latest
      command: [sh, -c]
      args: ["echo intentional failure; exit 1"]
  - name: exit-handler
    steps:
    - - name: notify
        template: send-email
      - name: celebrate
        template: celebrate
        when: "{{workflow.status}} == Succeeded"
      - name: cry
        template: cry
        when: "{{workflow.status}} != Succeeded"
  - name: send-email
    container:
      image: alpine:latest
      command: [sh, -c]
      args: ["echo send e-mail: {{workflow.name}} {{workflow.status}} {{workflow.duration}}. Failed steps {{workflow.failures}}"]
  - name: celebrate
    container:
      image: alpine:latest
      command: [sh, -c]
      args: ["echo hooray!"]
  - name: cry
    container:
      image: alpine:latest
      command: [sh, -c]
      args: ["echo boohoo!"]
`,
  suspend: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: suspend-template-test
spec:
  entrypoint: suspend
  templates:
  - name: suspend
    steps:
    - - name: approve
        template: approve
    - - name: delay
        template: delay
    - - name: release
        template: release
  - name: approve
    suspend: {}
  - name: delay
    suspend:
      duration: "20"
  - name: release
    container:
      image: alpine:3.7
      command: [echo, "release!"]
`,
  scriptsBash: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: scripts-bash-test
spec:
  entrypoint: bash-script-example
  templates:
  - name: bash-script-example
    steps:
    - - name: generate
        template: gen-random-int
    - - name: print
        template: print-message
        arguments:
          parameters:
          - name: message
            value: "{{steps.generate.outputs.result}}"
  - name: gen-random-int
    script:
      image: debian:9.4
      command: [bash]
      source: |
        cat /dev/urandom | od -N2 -An -i | awk -v f=1 -v r=100 '{printf "%i\\n", f + r * $1 / 65536}'
  - name: print-message
    inputs:
      parameters:
      - name: message
    container:
      image: alpine:latest
      command: [sh, -c]
      args: ["echo result was: {{inputs.parameters.message}}"]
`,
  k8sJobs: `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: k8s-jobs-test
spec:
  entrypoint: pi-tmpl
  templates:
  - name: pi-tmpl
    resource:
      action: create
      successCondition: status.succeeded > 0
      failureCondition: status.failed > 3
      manifest: |
        apiVersion: batch/v1
        kind: Job
        metadata:
          generateName: pi-job-
        spec:
          template:
            metadata:
              name: pi
            spec:
              containers:
              - name: pi
                image: perl
                command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
              restartPolicy: Never
          backoffLimit: 4
    outputs:
      parameters:
      - name: job-name
        valueFrom:
          jsonPath: '{.metadata.name}'
`,
};

const example = (key: string) => YAML.parse(EXAMPLES[key]) as Workflow;

let sandbox: Sandbox;
let custom: CustomObjectsApi;
let argoUrl: string;
let headers: Record<string, string>;
const target = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  namespace: 'wf-shapes',
  plural: 'workflows',
};

beforeAll(async () => {
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
    .createNamespace({ body: { metadata: { name: 'wf-shapes' } } });
}, 60_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

const create = async (body: Workflow) =>
  (await custom.createNamespacedCustomObject({ ...target, body })) as Workflow;
const get = async (name: string) =>
  (await custom.getNamespacedCustomObject({ ...target, name })) as Workflow;
const nodesByName = (wf: Workflow) =>
  Object.fromEntries(
    Object.values(wf.status?.nodes ?? {}).map(n => [n.name, n]),
  );
const phasesByName = (wf: Workflow) =>
  Object.fromEntries(
    Object.values(wf.status?.nodes ?? {}).map(n => [n.name, n.phase]),
  );

describe('Argo Workflows: every shape the minimal CRDs accept', () => {
  it('stores real example workflows and reads them back unchanged, status included', async () => {
    for (const key of Object.keys(EXAMPLES)) {
      const sent = example(key);
      const created = await create({
        ...sent,
        metadata: { ...sent.metadata, name: `stored-${sent.metadata.name}` },
        // A finished status, so the controller leaves it alone.
        status: {
          phase: 'Succeeded',
          finishedAt: '2026-11-30T10:00:00Z',
          nodes: {
            x: {
              id: 'x',
              name: 'x',
              displayName: 'x',
              type: 'Pod',
              phase: 'Succeeded',
            },
          },
        },
      });
      const read = await get(created.metadata.name);
      expect(read.spec).toEqual(sent.spec);
      expect(read.status).toEqual({
        phase: 'Succeeded',
        finishedAt: '2026-11-30T10:00:00Z',
        nodes: {
          x: {
            id: 'x',
            name: 'x',
            displayName: 'x',
            type: 'Pod',
            phase: 'Succeeded',
          },
        },
      });
    }
  });

  it('refuses what the CRD schema refuses: no spec, a spec that is not an object', async () => {
    for (const [body, message] of [
      [
        { metadata: { name: 'no-spec' } },
        'Workflow.argoproj.io "no-spec" is invalid: spec: Required value',
      ],
      [
        { metadata: { name: 'list-spec' }, spec: [] },
        'spec: Invalid value: "array": spec in body must be of type object: "array"',
      ],
    ] as const) {
      const error = await create({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        ...(body as unknown as Workflow),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiException);
      expect((error as ApiException<string>).code).toBe(422);
      expect(
        JSON.parse(String((error as ApiException<string>).body)).message,
      ).toContain(message);
    }
  });
});

describe('Argo Workflows: the controller runs steps, DAGs, loops, retries, exit handlers', () => {
  it('runs steps group by group, the steps of a group in parallel, named as Argo names them', async () => {
    const { metadata } = await create(example('steps'));
    const name = metadata.name;
    sandbox.clock.advance(1_000);
    let wf = await get(name);
    expect(wf.status?.phase).toBe('Running');
    expect(phasesByName(wf)).toEqual({
      [name]: 'Running',
      [`${name}[0]`]: 'Running',
      [`${name}[0].hello1`]: 'Running',
    });
    const nodes = nodesByName(wf);
    expect(nodes[name]).toMatchObject({ id: name, type: 'Steps' });
    expect(nodes[`${name}[0]`]).toMatchObject({
      type: 'StepGroup',
      displayName: '[0]',
      boundaryID: name,
    });
    expect(nodes[`${name}[0].hello1`]).toMatchObject({
      type: 'Pod',
      displayName: 'hello1',
      boundaryID: name,
    });
    expect(nodes[`${name}[0].hello1`].id).toMatch(new RegExp(`^${name}-\\d+$`));

    sandbox.clock.advance(2_000);
    wf = await get(name);
    expect(phasesByName(wf)).toMatchObject({
      [`${name}[0]`]: 'Succeeded',
      [`${name}[0].hello1`]: 'Succeeded',
      [`${name}[1]`]: 'Running',
      [`${name}[1].hello2a`]: 'Running',
      [`${name}[1].hello2b`]: 'Running',
    });
    // The next group hangs off the steps of the previous one.
    expect(nodesByName(wf)[`${name}[0].hello1`].children).toEqual([
      nodesByName(wf)[`${name}[1]`].id,
    ]);

    sandbox.clock.advance(2_000);
    wf = await get(name);
    expect(wf.status?.phase).toBe('Succeeded');
    expect(Object.values(phasesByName(wf)).every(p => p === 'Succeeded')).toBe(
      true,
    );
    expect(wf.spec).toEqual(example('steps').spec);
  });

  it('runs DAG tasks when their dependencies have succeeded', async () => {
    const { metadata } = await create(example('dagDiamond'));
    const name = metadata.name;
    const task = (t: string) => `${name}.foo-bar-longname-${t}`;
    sandbox.clock.advance(1_000 + 2_000);
    let wf = await get(name);
    expect(phasesByName(wf)).toEqual({
      [name]: 'Running',
      [task('A')]: 'Succeeded',
      [task('B')]: 'Running',
      [task('C')]: 'Running',
    });
    sandbox.clock.advance(2_000);
    wf = await get(name);
    expect(phasesByName(wf)[task('D')]).toBe('Running');
    sandbox.clock.advance(2_000);
    wf = await get(name);
    expect(wf.status?.phase).toBe('Succeeded');
    expect(nodesByName(wf)[name].type).toBe('DAG');
  });

  it('expands withItems into parallel steps named step(index:item)', async () => {
    const { metadata } = await create(example('loops'));
    const name = metadata.name;
    sandbox.clock.advance(1_000);
    const wf = await get(name);
    expect(phasesByName(wf)).toMatchObject({
      [`${name}[0].print-message-loop(0:hello world)`]: 'Running',
      [`${name}[0].print-message-loop(1:goodbye world)`]: 'Running',
    });
    sandbox.clock.advance(2_000);
    expect((await get(name)).status?.phase).toBe('Succeeded');
  });

  it('retries a failed attempt under a Retry node (retryStrategy)', async () => {
    sandbox.faults.add({
      kind: 'workflow-step-fails',
      template: 'retry-with-steps-test',
      step: 'hello1',
      count: 1,
    });
    const { metadata } = await create(example('retryWithSteps'));
    const name = metadata.name;
    sandbox.clock.advance(1_000 + 2 * 2_000 + 2_000);
    const wf = await get(name);
    expect(wf.status?.phase).toBe('Succeeded');
    const nodes = nodesByName(wf);
    expect(nodes[`${name}[0].hello1`]).toMatchObject({
      type: 'Retry',
      phase: 'Succeeded',
    });
    expect(nodes[`${name}[0].hello1(0)`]).toMatchObject({
      type: 'Pod',
      phase: 'Failed',
    });
    expect(nodes[`${name}[0].hello1(1)`]).toMatchObject({
      type: 'Pod',
      phase: 'Succeeded',
    });
    expect(nodes[`${name}[0].hello1`].children).toEqual([
      nodes[`${name}[0].hello1(0)`].id,
      nodes[`${name}[0].hello1(1)`].id,
    ]);
  });

  it('runs the exit handler after a failure, skipping steps whose when is false', async () => {
    sandbox.faults.add({
      kind: 'workflow-step-fails',
      template: 'exit-handlers-test',
      step: 'intentional-fail',
      message: 'Error (exit code 1)',
      count: 1,
    });
    const { metadata } = await create(example('exitHandlers'));
    const name = metadata.name;
    sandbox.clock.advance(1_000 + 2_000);
    let wf = await get(name);
    expect(wf.status?.phase).toBe('Running');
    expect(phasesByName(wf)).toMatchObject({
      [name]: 'Failed',
      [`${name}.onExit`]: 'Running',
      [`${name}.onExit[0].notify`]: 'Running',
      [`${name}.onExit[0].celebrate`]: 'Skipped',
      [`${name}.onExit[0].cry`]: 'Running',
    });
    expect(nodesByName(wf)[`${name}.onExit[0].celebrate`].message).toBe(
      "when 'Failed == Succeeded' evaluated false",
    );
    sandbox.clock.advance(2_000);
    wf = await get(name);
    expect(wf.status?.phase).toBe('Failed');
    expect(phasesByName(wf)[`${name}.onExit`]).toBe('Succeeded');
  });

  it('waits in a suspend template without a duration (until argo resume) and resumes one with a duration', async () => {
    const delayed = example('suspend');
    const templates = delayed.spec.templates as Array<{ name: string }>;
    const { metadata: timed } = await create({
      ...delayed,
      metadata: { name: 'suspend-duration-test' },
      spec: {
        ...delayed.spec,
        templates: [
          {
            name: 'suspend',
            steps: [
              [{ name: 'delay', template: 'delay' }],
              [{ name: 'release', template: 'release' }],
            ],
          },
          ...templates.slice(1),
        ],
      },
    });
    sandbox.clock.advance(1_000 + 20_000);
    expect(phasesByName(await get(timed.name))).toMatchObject({
      [`${timed.name}[0].delay`]: 'Succeeded',
      [`${timed.name}[1].release`]: 'Running',
    });
    sandbox.clock.advance(2_000);
    expect((await get(timed.name)).status?.phase).toBe('Succeeded');

    const { metadata } = await create(example('suspend'));
    const name = metadata.name;
    sandbox.clock.advance(60_000);
    const wf = await get(name);
    expect(wf.status?.phase).toBe('Running');
    expect(nodesByName(wf)[`${name}[0].approve`]).toMatchObject({
      type: 'Suspend',
      phase: 'Running',
    });
  });

  it('runs script and resource templates as Pod nodes', async () => {
    const scripts = await create(example('scriptsBash'));
    const jobs = await create(example('k8sJobs'));
    sandbox.clock.advance(1_000 + 2 * 2_000);
    const wf = await get(scripts.metadata.name);
    expect(wf.status?.phase).toBe('Succeeded');
    expect(nodesByName(wf)[`${scripts.metadata.name}[1].print`].type).toBe(
      'Pod',
    );
    const job = await get(jobs.metadata.name);
    expect(job.status?.phase).toBe('Succeeded');
    expect(nodesByName(job)[jobs.metadata.name].type).toBe('Pod');
  });
});

describe('Argo Server submit', () => {
  const submit = (namespace: string, body: unknown) =>
    fetch(`${argoUrl}/api/v1/workflows/${namespace}/submit`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });

  it('accepts the resource kinds SubmitWorkflow accepts, and sets only the template label and the given ones', async () => {
    await custom.createNamespacedCustomObject({
      ...target,
      plural: 'workflowtemplates',
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'WorkflowTemplate',
        metadata: { name: 'hello-template' },
        spec: {
          entrypoint: 'main',
          arguments: { parameters: [{ name: 'message', value: 'hi' }] },
          templates: [
            {
              name: 'main',
              steps: [[{ name: 'say', template: 'say' }]],
            },
            { name: 'say', container: { image: 'busybox' } },
          ],
        },
      },
    });
    const accepted: Array<[string, string]> = [
      ['ClusterWorkflowTemplate', 'mysql-provision-template'],
      ['clusterworkflowtemplate', 'mysql-provision-template'],
      ['clusterworkflowtemplates', 'mysql-provision-template'],
      ['cwftmpl', 'mysql-provision-template'],
      ['WorkflowTemplate', 'hello-template'],
      ['workflowtemplate', 'hello-template'],
      ['workflowtemplates', 'hello-template'],
      ['wftmpl', 'hello-template'],
    ];
    for (const [resourceKind, resourceName] of accepted) {
      const res = await submit('wf-shapes', {
        resourceKind,
        resourceName,
        submitOptions: {
          labels: 'launchpad.openedx.org/instance=wf-shapes',
          parameters: [
            'namespace=wf-shapes',
            'database-name=db',
            'username=u',
            'password=p',
          ],
        },
      });
      expect(res.status).toBe(200);
      const wf = (await res.json()) as Workflow;
      const cluster = resourceName === 'mysql-provision-template';
      expect(wf.metadata.labels).toEqual({
        [cluster
          ? 'workflows.argoproj.io/cluster-workflow-template'
          : 'workflows.argoproj.io/workflow-template']: resourceName,
        'launchpad.openedx.org/instance': 'wf-shapes',
      });
      expect(wf.spec.workflowTemplateRef).toEqual(
        cluster
          ? { name: resourceName, clusterScope: true }
          : { name: resourceName },
      );
    }
    for (const resourceKind of [
      'cwft',
      'clusterwftmpl',
      'Workflow',
      'cwf',
      '',
    ]) {
      const res = await submit('wf-shapes', {
        resourceKind,
        resourceName: 'mysql-provision-template',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        code: 3,
        message: `Resource kind '${resourceKind}' is not supported for submitting`,
      });
    }
  });

  it('creates nothing when submitOptions.dryRun is set, and validates first', async () => {
    const before = (
      (await custom.listNamespacedCustomObject(target)) as { items: unknown[] }
    ).items.length;
    const res = await submit('wf-shapes', {
      resourceKind: 'WorkflowTemplate',
      resourceName: 'hello-template',
      submitOptions: { dryRun: true },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Workflow).metadata.generateName).toBe(
      'hello-template-',
    );
    const after = (
      (await custom.listNamespacedCustomObject(target)) as { items: unknown[] }
    ).items.length;
    expect(after).toBe(before);
  });
});

describe('Argo Server create and delete', () => {
  const inline = (name: string, parameters: unknown[]) => ({
    metadata: { name },
    spec: {
      entrypoint: 'main',
      arguments: { parameters },
      templates: [{ name: 'main', container: { image: 'busybox' } }],
    },
  });

  it('validates a created workflow first (CreateWorkflow), and deletes with an empty answer', async () => {
    const refused = await fetch(`${argoUrl}/api/v1/workflows/wf-shapes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        workflow: inline('created-bad', [{ name: 'x' }]),
      }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      code: 3,
      message:
        'spec.arguments.x.value or spec.arguments.x.valueFrom is required',
    });
    const created = await fetch(`${argoUrl}/api/v1/workflows/wf-shapes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        workflow: inline('created-ok', [{ name: 'x', value: '1' }]),
      }),
    });
    expect(created.status).toBe(200);
    expect(((await created.json()) as Workflow).metadata.namespace).toBe(
      'wf-shapes',
    );
    sandbox.clock.advance(3_000);
    expect((await get('created-ok')).status?.phase).toBe('Succeeded');
    const deleted = await fetch(
      `${argoUrl}/api/v1/workflows/wf-shapes/created-ok`,
      { method: 'DELETE', headers },
    );
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({});
    const gone = await fetch(
      `${argoUrl}/api/v1/workflows/wf-shapes/created-ok`,
      { headers },
    );
    expect(gone.status).toBe(404);
  });
});

describe('Argo Workflows: ttlStrategy', () => {
  const withTtl = (
    name: string,
    ttlStrategy: Record<string, number>,
  ): Workflow => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name },
    spec: {
      entrypoint: 'main',
      ttlStrategy,
      templates: [{ name: 'main', container: { image: 'busybox' } }],
    },
  });
  const exists = async (name: string) => {
    try {
      await get(name);
      return true;
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return false;
      throw e;
    }
  };

  it('deletes a finished workflow at finishedAt + the TTL of its phase', async () => {
    await create(
      withTtl('ttl-success', {
        secondsAfterSuccess: 30,
        secondsAfterCompletion: 300,
      }),
    );
    sandbox.faults.add({
      kind: 'workflow-step-fails',
      template: 'ttl-failure',
      count: 1,
    });
    await create(
      withTtl('ttl-failure', {
        secondsAfterSuccess: 30,
        secondsAfterFailure: 60,
      }),
    );
    sandbox.clock.advance(3_000);
    const finished = await get('ttl-success');
    expect(finished.status?.phase).toBe('Succeeded');
    expect((await get('ttl-failure')).status?.phase).toBe('Failed');

    sandbox.clock.advance(29_000);
    expect(await exists('ttl-success')).toBe(true);
    sandbox.clock.advance(1_000);
    expect(await exists('ttl-success')).toBe(false);
    expect(await exists('ttl-failure')).toBe(true);
    sandbox.clock.advance(30_000);
    expect(await exists('ttl-failure')).toBe(false);
  });
});

describe('Argo Server list options and routes the sandbox does not serve', () => {
  const list = async (query: string) =>
    (await (
      await fetch(`${argoUrl}/api/v1/workflows/wf-list${query}`, { headers })
    ).json()) as {
      metadata?: { continue?: string; remainingItemCount?: number };
      items: Workflow[];
    };
  const names = async (query: string) =>
    (await list(query)).items.map(i => i.metadata.name);

  it('applies listOptions (labelSelector, fieldSelector, limit/continue), namePrefix and fields', async () => {
    await kubeConfigFor(sandbox.clusters[0])
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'wf-list' } } });
    for (const [name, team] of [
      ['build-a', 'x'],
      ['build-b', 'y'],
      ['deploy-c', 'x'],
    ])
      await custom.createNamespacedCustomObject({
        ...target,
        namespace: 'wf-list',
        body: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          metadata: { name, labels: { team } },
          spec: {
            entrypoint: 'main',
            templates: [{ name: 'main', container: { image: 'busybox' } }],
          },
        },
      });
    expect(await names('?listOptions.labelSelector=team%3Dx')).toEqual([
      'build-a',
      'deploy-c',
    ]);
    expect(
      await names('?listOptions.fieldSelector=metadata.name%3Dbuild-b'),
    ).toEqual(['build-b']);
    expect(await names('?namePrefix=build-')).toEqual(['build-a', 'build-b']);
    const first = await list('?listOptions.limit=2');
    expect(first.items.map(i => i.metadata.name)).toEqual([
      'build-a',
      'build-b',
    ]);
    expect(first.metadata?.remainingItemCount).toBe(1);
    expect(
      await names(
        `?listOptions.limit=2&listOptions.continue=${first.metadata?.continue}`,
      ),
    ).toEqual(['deploy-c']);
    // The Argo UI's projection: only the listed paths are kept.
    const projected = await list('?fields=metadata,items.metadata.name');
    expect(projected.metadata).toBeDefined();
    expect(projected.items).toEqual([
      { metadata: { name: 'build-a' } },
      { metadata: { name: 'build-b' } },
      { metadata: { name: 'deploy-c' } },
    ]);
    const one = await (
      await fetch(
        `${argoUrl}/api/v1/workflows/wf-list/build-a?fields=-status,spec`,
        { headers },
      )
    ).json();
    expect(Object.keys(one).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
  });

  it('answers Unimplemented (501, code 12) naming a route it does not serve', async () => {
    const res = await fetch(
      `${argoUrl}/api/v1/workflows/wf-list/build-a/retry`,
      {
        method: 'PUT',
        headers,
        body: '{}',
      },
    );
    expect(res.status).toBe(501);
    expect(await res.json()).toEqual({
      code: 12,
      message:
        'the Launchpad sandbox does not serve PUT /argo/api/v1/workflows/wf-list/build-a/retry',
    });
  });
});
