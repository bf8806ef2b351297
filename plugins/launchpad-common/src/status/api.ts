/*
 * What the status API of the `launchpad` backend plugin answers, read by the
 * frontend cards and by scripts. Derived statuses are the functions' outputs.
 */
import type { ArgocdDerivedStatus } from './argocd';
import type { AutoscalerDerivedStatus } from './autoscaler';
import type { BackupDerivedStatus } from './backup';
import type { CronJobDerivedStatus } from './cronjob';
import type { InstanceDrift } from './drift';
import type { StatusVerdict } from './problems';
import type { WorkflowDerivedStatus } from './workflow';
import type { WorkloadsDerivedStatus } from './workloads';

/** How current a cluster's data is. */
export interface ClusterFreshness {
  cluster: string;
  /** `stale`: a watch fails and the data is the last good one; `starting`: not loaded yet. */
  state: 'ok' | 'stale' | 'starting';
  /** Until when the data was known current (RFC 3339). */
  lastGoodAt?: string;
  /** Age of that data in seconds, when stale. */
  staleSeconds?: number;
  error?: string;
}

export interface InstanceWorkflowRun extends WorkflowDerivedStatus {
  name: string;
  /** mysql-provision, mongodb-provision, storage-provision, …-deprovision: the ClusterWorkflowTemplate it ran. */
  template?: string;
}

export interface InstanceBackups extends BackupDerivedStatus {
  /** The namespace's own backup CronJobs (MySQL / MongoDB dumps). */
  cronJobs: CronJobDerivedStatus[];
}

export interface InstanceStatusResponse {
  entityRef: string;
  cluster: string;
  namespace: string;
  freshness: ClusterFreshness;
  /** Absent when the cluster has no Application of that name. */
  argocd?: ArgocdDerivedStatus & { application: string; url?: string };
  autoscalers: AutoscalerDerivedStatus[];
  workloads: WorkloadsDerivedStatus;
  backups: InstanceBackups;
  /** Argo Workflows in the namespace (provisioning, deprovisioning), newest first. */
  workflows: InstanceWorkflowRun[];
  /** config.yml's images against the Deployments', ArgoCD's revision against the branch head. */
  drift?: InstanceDrift;
  verdict: StatusVerdict;
  generatedAt: string;
}

export const FLEET_FILTERS = [
  'out-of-sync',
  'degraded',
  'at-max',
  'crash-looping',
  'backup-overdue',
  'progressing',
  'error',
  'drifted',
] as const;
export type FleetFilter = (typeof FLEET_FILTERS)[number];

export const FLEET_SORT_KEYS = [
  'name',
  'cluster',
  'sync',
  'health',
  'replicas',
  'workloads',
  'backup',
  'release',
  'verdict',
  'drift',
] as const;
export type FleetSortKey = (typeof FLEET_SORT_KEYS)[number];

export interface FleetRow {
  entityRef: string;
  name: string;
  title?: string;
  cluster: string;
  namespace: string;
  owner?: string;
  release?: string;
  sync: ArgocdDerivedStatus['sync'];
  health: ArgocdDerivedStatus['health'];
  /** Summed over the instance's HPAs. */
  replicas: {
    current?: number;
    desired?: number;
    max?: number;
    atMax: boolean;
  };
  workloads: {
    ready: number;
    desired: number;
    crashLooping: number;
    failedJobs: number;
    verdict: StatusVerdict;
  };
  backup: BackupDerivedStatus['verdict'];
  /** The drift verdicts, without the per-container details (the instance status has them). */
  drift?: Pick<
    InstanceDrift,
    | 'images'
    | 'revision'
    | 'drifted'
    | 'syncedRevision'
    | 'headRevision'
    | 'revisionReason'
  >;
  verdict: StatusVerdict;
  /** The first problems, in words. */
  problems: string[];
  stale: boolean;
}

export interface FleetSummary {
  total: number;
  outOfSync: number;
  degraded: number;
  atMax: number;
  crashLooping: number;
  backupOverdue: number;
  /** Images drifted from config.yml or revision behind the branch head. */
  drifted: number;
  byVerdict: Record<StatusVerdict, number>;
}

export interface FleetResponse {
  items: FleetRow[];
  /** Rows matching the filter, before paging. */
  totalCount: number;
  offset: number;
  limit: number;
  /** Counts over every instance of the selected clusters (before the filter). */
  summary: FleetSummary;
  clusters: ClusterFreshness[];
  generatedAt: string;
}

/** One entry of an instance's history (`GET /instances/:namespace/:name/history`). */
export type InstanceHistoryEntry =
  | {
      type: 'workflow';
      /** When it started (or was first seen), ISO 8601. */
      at: string;
      name: string;
      template?: string;
      phase: string;
      startedAt?: string;
      finishedAt?: string;
      durationSeconds?: number;
      failedStep?: string;
      message?: string;
      /** Waiting for `argo resume` or an approval while its phase stays Running (as `InstanceWorkflowRun.suspended`); absent when not. */
      suspended?: boolean;
      /** Its node status was in Argo's database, so no failed step could be named (as `InstanceWorkflowRun.nodesOffloaded`); absent when not. */
      nodesOffloaded?: boolean;
    }
  | {
      type: 'argocd';
      at: string;
      application: string;
      /** Absent for the first state recorded. */
      from?: { sync: string; health: string };
      to: { sync: string; health: string };
      revision?: string;
      message?: string;
    }
  | {
      /** A Picasso build run: the cluster repository's `build.yml` workflow run for this instance. */
      type: 'build';
      /** When it started (GitHub's `run_started_at`, else `created_at`), ISO 8601. */
      at: string;
      /** The GitHub Actions run id. */
      runId: number;
      /** The image it builds, from its run-name (`openedx`, `mfe`, …). */
      service: string;
      /** GitHub's run status: queued, in_progress, completed, waiting, … */
      status: string;
      /** Set once completed: success, failure, cancelled, timed_out, … */
      conclusion?: string;
      /** From start to the run's last update, once completed. */
      durationSeconds?: number;
      /** The image tag config.yml names at the run's head commit, when known (successful runs). */
      image?: string;
      /** The run's page on GitHub. */
      url: string;
    };

export interface InstanceHistoryResponse {
  entityRef: string;
  /** Newest first. */
  items: InstanceHistoryEntry[];
  /** False when `launchpad.history.enabled` is false: nothing is recorded. */
  enabled: boolean;
}
