import {
  ApiException,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Metrics,
  PatchStrategy,
  setHeaderOptions,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';
import { HPA_SYNC_PERIOD_MS } from './hpa';
import { backupName } from './velero';
import { BACKUP_PHASES } from '../kube/velero';

let sandbox: Sandbox;
let autoscaling: AutoscalingV2Api;
let custom: CustomObjectsApi;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 0 });
  const kc = kubeConfigFor(sandbox.clusters[1]);
  autoscaling = kc.makeApiClient(AutoscalingV2Api);
  custom = kc.makeApiClient(CustomObjectsApi);
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
}, 30_000);

const condition = (hpa: V2HorizontalPodAutoscaler, type: string) =>
  hpa.status?.conditions?.find(c => c.type === type);

async function setLoad(body: object) {
  return fetch(`${sandbox.adminUrl}/load`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('simulated HPAs', () => {
  it('seeds the scaling-at-max instance at its limit', async () => {
    const lms = await autoscaling.readNamespacedHorizontalPodAutoscaler({
      name: 'lms',
      namespace: 'university',
    });
    expect(lms.status?.currentReplicas).toBe(lms.spec?.maxReplicas);
    expect(condition(lms, 'ScalingLimited')).toMatchObject({
      status: 'True',
      reason: 'TooManyReplicas',
    });
    const demo = await autoscaling.readNamespacedHorizontalPodAutoscaler({
      name: 'lms',
      namespace: 'demo',
    });
    expect(condition(demo, 'ScalingLimited')?.status).toBe('False');
  });

  it('drifts replicas and CPU with the load set through the admin API', async () => {
    const read = () =>
      autoscaling.readNamespacedHorizontalPodAutoscaler({
        name: 'lms',
        namespace: 'demo',
      });
    const before = await read();
    const cpuBefore =
      before.status?.currentMetrics?.[0].resource?.current.averageUtilization ??
      0;
    expect(
      (await setLoad({ cluster: 'production', namespace: 'demo', load: 2 }))
        .status,
    ).toBe(200);

    sandbox.clock.advance(HPA_SYNC_PERIOD_MS);
    const rising = await read();
    expect(rising.status!.currentReplicas!).toBeGreaterThan(
      before.status!.currentReplicas!,
    );
    expect(
      rising.status!.currentMetrics![0].resource!.current.averageUtilization!,
    ).toBeGreaterThan(cpuBefore);
    for (let i = 0; i < 5; i++) sandbox.clock.advance(HPA_SYNC_PERIOD_MS);
    const atMax = await read();
    expect(atMax.status?.currentReplicas).toBe(atMax.spec?.maxReplicas);
    expect(condition(atMax, 'ScalingLimited')).toMatchObject({
      status: 'True',
      reason: 'TooManyReplicas',
    });
    expect(condition(atMax, 'AbleToScale')?.status).toBe('True');

    // The deployment follows its HPA.
    const deployment = await fetch(
      `${sandbox.clusters[1].kubernetesUrl}/apis/apps/v1/namespaces/demo/deployments/lms`,
      {
        headers: { Authorization: `Bearer ${sandbox.clusters[1].token}` },
      },
    );
    expect((await deployment.json()).spec.replicas).toBe(
      atMax.spec?.maxReplicas,
    );

    await setLoad({ cluster: 'production', namespace: 'demo', load: 0.3 });
    sandbox.clock.advance(HPA_SYNC_PERIOD_MS);
    const falling = await read();
    expect(falling.status!.currentReplicas!).toBe(
      atMax.status!.currentReplicas! - 1,
    );
    expect(condition(falling, 'ScalingLimited')).toMatchObject({
      status: 'False',
      reason: 'DesiredWithinRange',
    });
    await setLoad({ cluster: 'production', namespace: 'demo', load: 0 });
    for (let i = 0; i < 8; i++) sandbox.clock.advance(HPA_SYNC_PERIOD_MS);
    const idle = await read();
    expect(idle.status?.currentReplicas).toBe(idle.spec?.minReplicas);
    expect(condition(idle, 'ScalingLimited')).toMatchObject({
      status: 'True',
      reason: 'TooFewReplicas',
    });
  });

  it('serves pod metrics (metrics.k8s.io) that follow the HPA utilisation', async () => {
    const metrics = new Metrics(kubeConfigFor(sandbox.clusters[1]));
    const university = await metrics.getPodMetrics('university');
    const demo = await metrics.getPodMetrics('demo');
    const cpu = (list: typeof demo, name: string) => {
      const pod = list.items.find(
        // client-node's PodMetric type omits labels; the API sends them.
        p =>
          (p.metadata as { labels?: Record<string, string> }).labels?.[
            'app.kubernetes.io/name'
          ] === name,
      )!;
      return parseInt(pod.containers[0].usage.cpu, 10);
    };
    expect(university.items.length).toBeGreaterThan(0);
    expect(cpu(university, 'cms')).toBeGreaterThan(cpu(demo, 'cms'));
  });

  it('refuses bad load requests', async () => {
    expect((await setLoad({ cluster: 'production', load: 5 })).status).toBe(
      400,
    );
    expect((await setLoad({ cluster: 'nowhere', load: 1 })).status).toBe(404);
  });
});

interface Backup {
  metadata: { name: string; labels: Record<string, string> };
  spec: { includedNamespaces?: string[]; ttl?: string };
  status: {
    phase: string;
    startTimestamp?: string;
    completionTimestamp?: string;
    expiration?: string;
  };
}

describe('simulated Velero', () => {
  const listBackups = async (schedule: string) =>
    (
      (await custom.listNamespacedCustomObject({
        group: 'velero.io',
        version: 'v1',
        namespace: 'velero',
        plural: 'backups',
        labelSelector: `velero.io/schedule-name=${schedule}`,
      })) as { items: Backup[] }
    ).items;

  it('produces backups on schedule: New → InProgress → Completed, and keeps the schedule status', async () => {
    const before = new Set(
      (await listBackups('hourly')).map(b => b.metadata.name),
    );
    expect(before.size).toBeGreaterThan(0);
    // Jump to just past the next full hour.
    const now = sandbox.clock.nowMs();
    const nextHour = Math.ceil((now + 1) / 3_600_000) * 3_600_000;
    sandbox.clock.advance(nextHour - now + 5_000);
    const expectedName = `hourly-${new Date(nextHour)
      .toISOString()
      .replace(/[-:T]/g, '')
      .slice(0, 14)}`;
    // Earlier tests moved the clock too: an hour boundary they crossed may be caught up now.
    const fresh = (await listBackups('hourly')).filter(
      b => !before.has(b.metadata.name),
    );
    expect(fresh.length).toBeLessThanOrEqual(2);
    expect(fresh.map(b => b.metadata.name)).toContain(expectedName);
    fresh.sort((x, y) => y.metadata.name.localeCompare(x.metadata.name));
    expect(fresh[0].status.phase).toBe('InProgress');
    expect(fresh[0].spec.ttl).toBe('24h0m0s');

    sandbox.clock.advance(120_000);
    const done = (await listBackups('hourly')).find(
      b => b.metadata.name === fresh[0].metadata.name,
    )!;
    expect(['Completed', 'PartiallyFailed', 'Failed']).toContain(
      done.status.phase,
    );
    expect(done.status.completionTimestamp).toBeTruthy();
    const schedule = (await custom.getNamespacedCustomObject({
      group: 'velero.io',
      version: 'v1',
      namespace: 'velero',
      plural: 'schedules',
      name: 'hourly',
    })) as { status: { lastBackup: string; phase: string } };
    expect(Date.parse(schedule.status.lastBackup)).toBe(nextHour);
    expect(schedule.status.phase).toBe('Enabled');
  });

  it('leaves the backup-overdue instance with only failing recent backups', async () => {
    const backups = await listBackups('archive-daily');
    const completed = backups.filter(b => b.status.phase === 'Completed');
    const failed = backups.filter(b => b.status.phase === 'Failed');
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(completed.length).toBeGreaterThan(0);
    const lastSuccess = Math.max(
      ...completed.map(b => Date.parse(b.status.completionTimestamp!)),
    );
    expect(sandbox.clock.nowMs() - lastSuccess).toBeGreaterThan(86_400_000);
    // And Harmony's schedules leave its namespace out.
    const hourly = (await listBackups('hourly'))[0];
    expect(hourly.spec).toMatchObject({ includedNamespaces: ['*'] });
  });

  it('includes some non-Completed backups among the cluster-wide ones', async () => {
    const all = [
      ...(await listBackups('hourly')),
      ...(await listBackups('daily')),
      ...(await listBackups('weekly')),
    ];
    expect(
      all.some(
        b =>
          b.status.phase === 'PartiallyFailed' || b.status.phase === 'Failed',
      ),
    ).toBe(true);
    expect(
      all.filter(b => b.status.phase === 'Completed').length,
    ).toBeGreaterThan(all.length / 2);
  });

  it('seeds MySQL/MongoDB dump CronJobs in some instance namespaces', async () => {
    const batch = kubeConfigFor(sandbox.clusters[1]).makeApiClient(BatchV1Api);
    const cronJobs = await batch.listNamespacedCronJob({
      namespace: 'university',
    });
    expect(cronJobs.items.map(c => c.metadata?.name).sort()).toEqual([
      'mongodb-dump',
      'mysql-dump',
    ]);
    expect(cronJobs.items[0].status?.lastSuccessfulTime).toBeInstanceOf(Date);
  });
});

interface VeleroStatus {
  phase?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  expiration?: string;
  progress?: { totalItems?: number; itemsBackedUp?: number };
  errors?: number;
  warnings?: number;
  failureReason?: string;
  validationErrors?: string[];
  version?: number;
  formatVersion?: string;
  lastBackup?: string;
}
interface VeleroObject {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: VeleroStatus;
}

/** The ApiException a client call fails with (the test fails if it succeeds). */
async function refusal(
  promise: Promise<unknown>,
): Promise<ApiException<unknown>> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('Velero as its CRDs and controllers behave', () => {
  const velero = (plural: 'backups' | 'schedules', namespace = 'velero') => ({
    group: 'velero.io',
    version: 'v1',
    namespace,
    plural,
  });
  const getBackup = async (name: string, namespace = 'velero') =>
    (await custom.getNamespacedCustomObject({
      ...velero('backups', namespace),
      name,
    })) as VeleroObject;
  const addFault = async (body: object) => {
    const res = await fetch(`${sandbox.adminUrl}/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const removeFault = (id: string) =>
    fetch(`${sandbox.adminUrl}/faults/${id}`, { method: 'DELETE' });

  beforeAll(async () => {
    const core = kubeConfigFor(sandbox.clusters[1]).makeApiClient(CoreV1Api);
    await core.createNamespace({
      body: { metadata: { name: 'velero-fixtures' } },
    });
  }, 60_000);

  it('has no status subresource: status is kept on create, written with the object, and /status is 404', async () => {
    // velero config/crd/v1/bases/velero.io_backups.yaml and velero.io_schedules.yaml declare no subresources.
    const created = (await custom.createNamespacedCustomObject({
      ...velero('backups', 'velero-fixtures'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'restored-from-bucket' },
        spec: { includedNamespaces: ['demo'], ttl: '720h0m0s' },
        status: {
          phase: 'Completed',
          startTimestamp: '2026-11-30T01:00:03Z',
          completionTimestamp: '2026-11-30T01:02:41Z',
          expiration: '2026-12-30T01:00:03Z',
          progress: { totalItems: 412, itemsBackedUp: 412 },
        },
      },
    })) as VeleroObject;
    expect(created.status?.phase).toBe('Completed');
    expect(
      (await getBackup('restored-from-bucket', 'velero-fixtures')).status,
    ).toMatchObject({ phase: 'Completed', progress: { totalItems: 412 } });

    const patched = (await custom.patchNamespacedCustomObject(
      {
        ...velero('backups', 'velero-fixtures'),
        name: 'restored-from-bucket',
        body: { status: { phase: 'Deleting' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as VeleroObject;
    expect(patched.status?.phase).toBe('Deleting');
    const replaced = (await custom.replaceNamespacedCustomObject({
      ...velero('backups', 'velero-fixtures'),
      name: 'restored-from-bucket',
      body: { ...patched, status: { ...patched.status, phase: 'Failed' } },
    })) as VeleroObject;
    expect(replaced.status?.phase).toBe('Failed');

    expect(
      (
        await refusal(
          custom.getNamespacedCustomObjectStatus({
            ...velero('backups', 'velero-fixtures'),
            name: 'restored-from-bucket',
          }),
        )
      ).code,
    ).toBe(404);
    const schedule = (await custom.createNamespacedCustomObject({
      ...velero('schedules', 'velero-fixtures'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Schedule',
        metadata: { name: 'kept' },
        spec: { schedule: '0 1 * * *', template: { ttl: '24h0m0s' } },
        status: { phase: 'Enabled', lastBackup: '2026-11-30T01:00:03Z' },
      },
    })) as VeleroObject;
    expect(schedule.status).toEqual({
      phase: 'Enabled',
      lastBackup: '2026-11-30T01:00:03Z',
    });
    expect(
      (
        await refusal(
          custom.patchNamespacedCustomObjectStatus(
            {
              ...velero('schedules', 'velero-fixtures'),
              name: 'kept',
              body: { status: { phase: 'New' } },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          ),
        )
      ).code,
    ).toBe(404);
  });

  it('accepts every Backup and Schedule phase of current Velero, and refuses others with 422', async () => {
    for (const phase of BACKUP_PHASES) {
      const created = (await custom.createNamespacedCustomObject({
        ...velero('backups', 'velero-fixtures'),
        body: {
          apiVersion: 'velero.io/v1',
          kind: 'Backup',
          metadata: { name: `phase-${phase.toLowerCase()}` },
          spec: {},
          status: { phase },
        },
      })) as VeleroObject;
      expect(created.status?.phase).toBe(phase);
    }
    for (const phase of ['New', 'Enabled', 'FailedValidation']) {
      const created = (await custom.createNamespacedCustomObject({
        ...velero('schedules', 'velero-fixtures'),
        body: {
          apiVersion: 'velero.io/v1',
          kind: 'Schedule',
          metadata: { name: `phase-${phase.toLowerCase()}` },
          spec: { schedule: '@daily', template: {} },
          status: { phase },
        },
      })) as VeleroObject;
      expect(created.status?.phase).toBe(phase);
    }
    // The CRDs' enums: an unknown phase, or an empty one, is refused.
    for (const phase of ['Done', '']) {
      const refused = await refusal(
        custom.createNamespacedCustomObject({
          ...velero('backups', 'velero-fixtures'),
          body: {
            apiVersion: 'velero.io/v1',
            kind: 'Backup',
            metadata: { name: 'bad-phase' },
            status: { phase },
          },
        }),
      );
      expect(refused.code).toBe(422);
      expect(String(refused.body)).toContain('status.phase');
    }
    // A null where the CRD is not nullable is pruned by the API server, not refused.
    const withNulls = (await custom.createNamespacedCustomObject({
      ...velero('backups', 'velero-fixtures'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'with-nulls' },
        spec: { storageLocation: null, volumeSnapshotLocations: null },
        status: { phase: 'Completed', failureReason: null },
      },
    })) as VeleroObject;
    expect(withNulls.status?.phase).toBe('Completed');
    const wrongTypes = await refusal(
      custom.createNamespacedCustomObject({
        ...velero('schedules', 'velero-fixtures'),
        body: {
          apiVersion: 'velero.io/v1',
          kind: 'Schedule',
          metadata: { name: 'wrong-types' },
          spec: { schedule: 5, template: { snapshotVolumes: 'yes' } },
        },
      }),
    );
    expect(wrongTypes.code).toBe(422);
    expect(String(wrongTypes.body)).toContain('spec.schedule');
    expect(String(wrongTypes.body)).toContain('spec.template.snapshotVolumes');
  });

  it('prunes fields the structural CRD schema does not declare, and nulls where it is not nullable', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...velero('backups', 'velero-fixtures'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'pruned', labels: { kept: 'yes' } },
        spec: {
          ttl: '1h0m0s',
          notAField: 1,
          hooks: { resources: [{ name: 'h', bogus: true }] },
          storageLocation: null,
          snapshotVolumes: null,
        },
        status: { phase: 'Completed', madeUp: 'x' },
        extra: { top: 'level' },
      },
    })) as Record<string, unknown>;
    const read = (await custom.getNamespacedCustomObject({
      ...velero('backups', 'velero-fixtures'),
      name: 'pruned',
    })) as Record<string, unknown>;
    for (const stored of [created, read]) {
      expect(stored.spec).toEqual({
        ttl: '1h0m0s',
        hooks: { resources: [{ name: 'h' }] },
        // snapshotVolumes is nullable in the CRD: its null is kept.
        snapshotVolumes: null,
      });
      expect(stored.status).toEqual({ phase: 'Completed' });
      expect(stored).not.toHaveProperty('extra');
      expect(stored.metadata).toMatchObject({ labels: { kept: 'yes' } });
    }
  });

  it('processes a Backup created by a client like a scheduled one: New → InProgress → Completed', async () => {
    // As `velero backup create manual-1 --include-namespaces demo` creates it: no status, no labels.
    await custom.createNamespacedCustomObject({
      ...velero('backups'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'manual-1' },
        spec: { includedNamespaces: ['demo'], ttl: '48h0m0s' },
      },
    });
    // A TTL the CRD accepts (any string) but Go cannot parse: Velero cannot decode the Backup and never processes it.
    await custom.createNamespacedCustomObject({
      ...velero('backups'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'manual-undecodable' },
        spec: { ttl: 'forever' },
      },
    });
    const submitted = sandbox.clock.nowMs();
    expect((await getBackup('manual-1')).status?.phase).toBeUndefined();

    sandbox.clock.advance(2_000);
    const running = await getBackup('manual-1');
    expect(running.status).toMatchObject({
      phase: 'InProgress',
      version: 1,
      formatVersion: '1.1.0',
    });
    const started = Date.parse(running.status!.startTimestamp!);
    expect(started).toBeGreaterThanOrEqual(submitted - 1_000);
    expect(Date.parse(running.status!.expiration!) - started).toBe(
      48 * 3_600_000,
    );
    expect(running.metadata.labels).toEqual({
      'velero.io/storage-location': 'default',
    });
    expect(running.spec).toMatchObject({
      ttl: '48h0m0s',
      storageLocation: 'default',
    });

    // Items backed up: Finalizing until the finalizer completes it (no completionTimestamp yet).
    sandbox.clock.advance(113_000);
    const finalizing = await getBackup('manual-1');
    expect(finalizing.status?.phase).toBe('Finalizing');
    expect(finalizing.status?.completionTimestamp).toBeUndefined();
    expect(finalizing.status?.progress?.itemsBackedUp).toBe(
      finalizing.status?.progress?.totalItems,
    );
    sandbox.clock.advance(7_000);
    const done = await getBackup('manual-1');
    expect(done.status?.phase).toBe('Completed');
    // Velero's BackupStatus counts are omitempty: none on a clean backup.
    expect(done.status).not.toHaveProperty('errors');
    expect(done.status).not.toHaveProperty('warnings');
    expect(done.status!.progress!.itemsBackedUp).toBe(
      done.status!.progress!.totalItems,
    );
    expect(Date.parse(done.status!.completionTimestamp!)).toBeGreaterThan(
      started,
    );
    sandbox.clock.advance(30_000);
    expect((await getBackup('manual-undecodable')).status).toBeUndefined();
  });

  it('fails client-created backups under a backup-fails fault, and refuses an unknown storage location', async () => {
    const failing = await addFault({
      kind: 'backup-fails',
      cluster: 'production',
      message: 'rpc error: code = Unknown desc = NoSuchBucket',
      count: 1,
    });
    const partial = await addFault({
      kind: 'backup-fails',
      cluster: 'production',
      phase: 'PartiallyFailed',
      count: 1,
    });
    try {
      for (const name of ['manual-2', 'manual-3']) {
        await custom.createNamespacedCustomObject({
          ...velero('backups'),
          body: {
            apiVersion: 'velero.io/v1',
            kind: 'Backup',
            metadata: { name },
            spec: { includedNamespaces: ['demo'] },
          },
        });
      }
      sandbox.clock.advance(2_000);
      sandbox.clock.advance(120_000);
      const [failed, partiallyFailed] = await Promise.all([
        getBackup('manual-2'),
        getBackup('manual-3'),
      ]);
      expect(failed.status).toMatchObject({
        phase: 'Failed',
        failureReason: 'rpc error: code = Unknown desc = NoSuchBucket',
      });
      expect(failed.status!.errors).toBeGreaterThan(0);
      expect(failed.status!.completionTimestamp).toBeTruthy();
      expect(partiallyFailed.status?.phase).toBe('PartiallyFailed');
      expect(partiallyFailed.status!.errors).toBeGreaterThan(0);
      // Without a ttl the server default applies (velero server --default-backup-ttl 720h).
      expect(failed.spec?.ttl).toBe('720h0m0s');
    } finally {
      await removeFault(failing);
      await removeFault(partial);
    }

    await custom.createNamespacedCustomObject({
      ...velero('backups'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'manual-nowhere' },
        spec: { storageLocation: 'aws-secondary' },
      },
    });
    sandbox.clock.advance(2_000);
    const invalid = await getBackup('manual-nowhere');
    expect(invalid.status?.phase).toBe('FailedValidation');
    expect(invalid.status?.validationErrors?.[0]).toContain('aws-secondary');
    expect(invalid.status?.startTimestamp).toBeUndefined();
  });

  it('validates a Schedule as soon as it is written: Enabled, or FailedValidation with its errors', async () => {
    const create = (name: string, schedule: string) =>
      custom.createNamespacedCustomObject({
        ...velero('schedules'),
        body: {
          apiVersion: 'velero.io/v1',
          kind: 'Schedule',
          metadata: { name },
          spec: { schedule, template: { ttl: '24h0m0s' } },
        },
      });
    const read = async (name: string) =>
      (
        (await custom.getNamespacedCustomObject({
          ...velero('schedules'),
          name,
        })) as VeleroObject
      ).status;
    await create('six-hourly', '0 */6 * * *');
    await create('bad-cron', '61 * * * *');
    expect(await read('six-hourly')).toEqual({ phase: 'Enabled' });
    const bad = await read('bad-cron');
    expect(bad?.phase).toBe('FailedValidation');
    expect(bad?.validationErrors?.[0]).toMatch(/^invalid schedule: /);
    await custom.patchNamespacedCustomObject(
      {
        ...velero('schedules'),
        name: 'six-hourly',
        body: { spec: { schedule: '' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await read('six-hourly')).toEqual({
      phase: 'FailedValidation',
      validationErrors: ['Schedule must be a non-empty valid Cron expression'],
    });
  });

  it("labels a Schedule's backups with velero.io/schedule-name and records lastBackup when it created one, failed or not", async () => {
    await custom.createNamespacedCustomObject({
      ...velero('schedules'),
      body: {
        apiVersion: 'velero.io/v1',
        kind: 'Schedule',
        metadata: { name: 'nightly-demo', labels: { team: 'harmony' } },
        spec: {
          schedule: '30 * * * *',
          template: { includedNamespaces: ['demo'], ttl: '24h0m0s' },
          useOwnerReferencesInBackup: true,
        },
      },
    });
    const fault = await addFault({
      kind: 'backup-fails',
      schedule: 'nightly-demo',
    });
    try {
      const now = sandbox.clock.nowMs();
      const fire =
        Math.floor((now - 30 * 60_000) / 3_600_000) * 3_600_000 +
        3_600_000 +
        30 * 60_000;
      sandbox.clock.advance(fire - now + 31_000);
      const name = backupName('nightly-demo', new Date(fire));
      const backup = await getBackup(name);
      expect(Date.parse(backup.metadata.creationTimestamp!)).toBe(fire);
      expect(backup.metadata.labels).toMatchObject({
        'velero.io/schedule-name': 'nightly-demo',
        team: 'harmony',
      });
      sandbox.clock.advance(120_000);
      expect((await getBackup(name)).status?.phase).toBe('Failed');
      const schedule = (await custom.getNamespacedCustomObject({
        ...velero('schedules'),
        name: 'nightly-demo',
      })) as VeleroObject;
      expect(schedule.status?.phase).toBe('Enabled');
      expect(Date.parse(schedule.status!.lastBackup!)).toBe(fire);
    } finally {
      await removeFault(fault);
    }
  });
});
