import {
  AutoscalingV2Api,
  BatchV1Api,
  CustomObjectsApi,
  Metrics,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';
import { HPA_SYNC_PERIOD_MS } from './hpa';

let sandbox: Sandbox;
let autoscaling: AutoscalingV2Api;
let custom: CustomObjectsApi;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 0 });
  const kc = kubeConfigFor(sandbox.clusters[1]);
  autoscaling = kc.makeApiClient(AutoscalingV2Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});

afterAll(async () => {
  await sandbox.stop();
});

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
