import {
  ApiException,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from './__testUtils__';

/**
 * Validation as the API server answers it: decoding (400), field and
 * semantic validation (422 with the field in each cause), unknown fields
 * (dropped with a `Warning: 299` header, or refused with fieldValidation=Strict).
 */
let sandbox: Sandbox;
let kc: KubeConfig;
let base: string;
let headers: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  kc = kubeConfigFor(sandbox.clusters[0]);
  base = sandbox.clusters[0].kubernetesUrl;
  headers = {
    Authorization: `Bearer ${sandbox.clusters[0].token}`,
    'Content-Type': 'application/json',
  };
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: 'val' } } });
}, 30_000);

afterAll(async () => {
  await sandbox.stop();
}, 30_000);

interface Status {
  code: number;
  reason: string;
  message: string;
  details?: {
    causes?: Array<{ field?: string; message: string; reason?: string }>;
  };
}

async function failure(promise: Promise<unknown>): Promise<Status> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiException) return JSON.parse(String(e.body));
    throw e;
  }
  throw new Error('expected the call to fail');
}

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });

const hpa = (name: string, spec: Record<string, unknown>) => ({
  metadata: { name },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    ...spec,
  },
});

describe('validation like the API server', () => {
  it('answers a body that does not decode into the Go type with 400 and the decoder’s message', async () => {
    const status = await failure(
      kc
        .makeApiClient(AutoscalingV2Api)
        .createNamespacedHorizontalPodAutoscaler({
          namespace: 'val',
          body: hpa('typed', { maxReplicas: 'three' }) as never,
        }),
    );
    expect(status).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message:
        'HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32',
    });
  });

  it('enforces the HPA rules with causes that name the field', async () => {
    const autoscaling = kc.makeApiClient(AutoscalingV2Api);
    const create = (name: string, spec: Record<string, unknown>) =>
      failure(
        autoscaling.createNamespacedHorizontalPodAutoscaler({
          namespace: 'val',
          body: hpa(name, spec) as never,
        }),
      );
    const zeroMax = await create('zero', { maxReplicas: 0 });
    expect(zeroMax).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(zeroMax.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.maxReplicas',
        message: 'Invalid value: 0: must be greater than 0',
      },
    ]);
    const belowMin = await create('below', { minReplicas: 3, maxReplicas: 2 });
    expect(belowMin.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.maxReplicas',
        message:
          'Invalid value: 2: must be greater than or equal to `minReplicas`',
      },
    ]);
    const zeroMin = await create('zero-min', {
      minReplicas: 0,
      maxReplicas: 2,
    });
    expect(zeroMin.details?.causes?.map(c => c.field)).toEqual([
      'spec.minReplicas',
    ]);
    const missing = await failure(
      autoscaling.createNamespacedHorizontalPodAutoscaler({
        namespace: 'val',
        body: {
          metadata: { name: 'noref' },
          spec: { maxReplicas: 2 } as never,
        },
      }),
    );
    expect(missing.details?.causes).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'spec.scaleTargetRef',
        message: 'Required value',
      },
    ]);
  });

  it('parses CronJob schedules as the API server does (robfig/cron, with descriptors and names)', async () => {
    const batch = kc.makeApiClient(BatchV1Api);
    const cronJob = (name: string, schedule: string) => ({
      metadata: { name },
      spec: {
        schedule,
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'OnFailure',
                containers: [{ name: 'job', image: 'busybox:1.36' }],
              },
            },
          },
        },
      },
    });
    const bad = await failure(
      batch.createNamespacedCronJob({
        namespace: 'val',
        body: cronJob('bad', 'every hour'),
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.schedule',
        message:
          'Invalid value: "every hour": expected exactly 5 fields, found 2: [every hour]',
      },
    ]);
    const range = await failure(
      batch.createNamespacedCronJob({
        namespace: 'val',
        body: cronJob('range', '0 25 * * *'),
      }),
    );
    expect(range.details?.causes?.[0].message).toContain('above maximum (23)');
    for (const [name, schedule] of [
      ['hourly', '@hourly'],
      ['mondays', '0 3 * * MON'],
      ['steps', '*/15 9-17 * * 1-5'],
    ]) {
      const created = await batch.createNamespacedCronJob({
        namespace: 'val',
        body: cronJob(name, schedule),
      });
      expect(created.spec?.schedule).toBe(schedule);
    }
  });

  it('takes apiVersion and kind from the URL when the body has none, and refuses a body that contradicts it', async () => {
    const bare = await post('/api/v1/namespaces/val/configmaps', {
      metadata: { name: 'bare' },
      data: { a: 'b' },
    });
    expect(bare.status).toBe(201);
    expect(await bare.json()).toMatchObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
    });
    const wrong = await post('/apis/apps/v1/namespaces/val/deployments', {
      apiVersion: 'apps/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'old' },
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      reason: 'BadRequest',
      message:
        'the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)',
    });
  });

  it('drops unknown fields of built-in kinds with a Warning header, and refuses them with fieldValidation=Strict', async () => {
    const body = {
      metadata: { name: 'unknown' },
      data: { a: 'b' },
      spec: { foo: 1 },
    };
    const warned = await post('/api/v1/namespaces/val/configmaps', body);
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe(
      '299 - "unknown field \\"spec\\""',
    );
    expect((await warned.json()).spec).toBeUndefined();
    const strict = await post(
      '/api/v1/namespaces/val/configmaps?fieldValidation=Strict',
      {
        ...body,
        metadata: { name: 'strict' },
      },
    );
    expect(strict.status).toBe(400);
    expect((await strict.json()).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"',
    );
    const nested = await post(
      '/apis/apps/v1/namespaces/val/deployments?fieldValidation=Strict',
      {
        metadata: { name: 'nested' },
        spec: {
          selector: { matchLabels: { app: 'x' } },
          template: {
            metadata: { labels: { app: 'x' } },
            spec: {
              containers: [
                {
                  name: 'x',
                  image: 'x',
                  imagePullPolicy: 'Always',
                  colour: 'red',
                },
              ],
            },
          },
        },
      },
    );
    expect(nested.status).toBe(400);
    expect((await nested.json()).message).toContain(
      'unknown field "spec.template.spec.containers[0].colour"',
    );
  });

  it('prunes unknown fields of a structural custom resource, and refuses them with fieldValidation=Strict', async () => {
    const backup = (name: string) => ({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name },
      spec: { includedNamespaces: ['val'], colour: 'red' },
    });
    const pruned = await post(
      '/apis/velero.io/v1/namespaces/velero/backups',
      backup('pruned'),
    );
    expect(pruned.status).toBe(201);
    expect(pruned.headers.get('warning')).toBe(
      '299 - "unknown field \\"spec.colour\\""',
    );
    expect((await pruned.json()).spec).toEqual({ includedNamespaces: ['val'] });
    const strict = await post(
      '/apis/velero.io/v1/namespaces/velero/backups?fieldValidation=Strict',
      backup('strict'),
    );
    expect(strict.status).toBe(400);
    expect((await strict.json()).message).toBe(
      'strict decoding error: unknown field "spec.colour"',
    );
  });

  it('checks that a Deployment’s selector matches its template labels', async () => {
    const res = await post('/apis/apps/v1/namespaces/val/deployments', {
      metadata: { name: 'mismatch' },
      spec: {
        selector: { matchLabels: { app: 'a' } },
        template: {
          metadata: { labels: { app: 'b' } },
          spec: { containers: [{ name: 'x', image: 'x' }] },
        },
      },
    });
    expect(res.status).toBe(422);
    const status = (await res.json()) as Status;
    expect(status.details?.causes?.map(c => c.field)).toEqual([
      'spec.template.metadata.labels',
    ]);
    expect(status.message).toContain(
      '`selector` does not match template `labels`',
    );
  });
});
