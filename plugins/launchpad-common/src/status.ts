/*
 * Status shapes the status API (launchpad-backend) serves and the frontend
 * cards render. Types only: the logic lives in the backend.
 */

export type ArgocdSyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';
export type ArgocdHealthStatus =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';

export interface ArgocdStatus {
  application: string;
  sync: ArgocdSyncStatus;
  health: ArgocdHealthStatus;
  revision?: string;
  operationPhase?: string;
  message?: string;
}

export interface AutoscalerStatus {
  name: string;
  minReplicas?: number;
  maxReplicas: number;
  currentReplicas?: number;
  desiredReplicas?: number;
  /** True when the HPA reports ScalingLimited (at min or max). */
  scalingLimited: boolean;
  metrics: Array<{ name: string; target?: string; current?: string }>;
}

export type BackupPhase =
  | 'New'
  | 'InProgress'
  | 'Completed'
  | 'PartiallyFailed'
  | 'Failed'
  | 'Deleting'
  | 'Unknown';

export interface BackupStatus {
  covered: boolean;
  schedules: Array<{ name: string; schedule: string; ttl?: string }>;
  lastBackup?: {
    name: string;
    phase: BackupPhase;
    startTimestamp?: string;
    completionTimestamp?: string;
  };
  /** Why the instance is not covered, in words. */
  reason?: string;
}

export interface InstanceStatus {
  cluster: string;
  slug: string;
  argocd?: ArgocdStatus;
  autoscalers?: AutoscalerStatus[];
  backups?: BackupStatus;
  /** Per-source errors (a cluster down does not hide the other sources). */
  errors?: Array<{
    source: 'argocd' | 'kubernetes' | 'backups';
    message: string;
  }>;
  fetchedAt: string;
}
