import { z } from 'zod';
import type { KubeObject } from './types';

/**
 * Velero `velero.io/v1` Schedule and Backup, following the structural schemas
 * of Velero's CRDs (vmware-tanzu/velero config/crd/v1/bases/
 * velero.io_{schedules,backups}.yaml, generated from
 * pkg/apis/velero/v1/{backup,schedule}_types.go). No models package exists
 * for Velero, so these schemas are what the sandbox validates against.
 *
 * As in the CRDs: only types, enums, `required`, `minItems` and
 * `format: date-time` are checked (a TTL is any string: the CRD types
 * `metav1.Duration` as a plain string); objects are `z.object`, so parsing
 * drops fields the schema does not know, as the API server prunes unknown
 * fields of a structural schema. `metadata` is the API server's own
 * (ObjectMeta), kept as sent.
 */
const dateTime = z.iso.datetime({ offset: true });
/**
 * An optional field that is not `nullable` in the CRD: the API server prunes
 * a null there before validating (structural schemas, "Defaulting and
 * Nullable"), so null is dropped rather than refused.
 */
const opt = <T extends z.ZodType>(schema: T) =>
  z.preprocess(v => (v === null ? undefined : v), schema.optional());
const nullableStrings = z.array(z.string()).nullable();
const int = z.number().int();

const labelSelector = z.object({
  matchExpressions: opt(
    z.array(
      z.object({
        key: z.string(),
        operator: z.string(),
        values: opt(z.array(z.string())),
      }),
    ),
  ),
  matchLabels: opt(z.record(z.string(), z.string())),
});

const execHook = z.object({
  command: z.array(z.string()).min(1),
  container: opt(z.string()),
  onError: opt(z.enum(['Continue', 'Fail'])),
  timeout: opt(z.string()),
});

const backupResourceHookSpec = z.object({
  name: z.string(),
  includedNamespaces: nullableStrings.optional(),
  excludedNamespaces: nullableStrings.optional(),
  includedResources: nullableStrings.optional(),
  excludedResources: nullableStrings.optional(),
  labelSelector: labelSelector.nullable().optional(),
  pre: opt(z.array(z.object({ exec: execHook }))),
  post: opt(z.array(z.object({ exec: execHook }))),
});

const objectMeta = z.looseObject({
  name: opt(z.string()),
  generateName: opt(z.string()),
  namespace: opt(z.string()),
  labels: opt(z.record(z.string(), z.string())),
  annotations: opt(z.record(z.string(), z.string())),
});

export const backupSpecSchema = z.object({
  metadata: opt(z.object({ labels: opt(z.record(z.string(), z.string())) })),
  includedNamespaces: nullableStrings.optional(),
  excludedNamespaces: nullableStrings.optional(),
  includedResources: nullableStrings.optional(),
  excludedResources: nullableStrings.optional(),
  includedClusterScopedResources: nullableStrings.optional(),
  excludedClusterScopedResources: nullableStrings.optional(),
  includedNamespaceScopedResources: nullableStrings.optional(),
  excludedNamespaceScopedResources: nullableStrings.optional(),
  labelSelector: labelSelector.nullable().optional(),
  orLabelSelectors: z.array(labelSelector).nullable().optional(),
  snapshotVolumes: z.boolean().nullable().optional(),
  ttl: opt(z.string()),
  includeClusterResources: z.boolean().nullable().optional(),
  hooks: opt(
    z.object({
      resources: z.array(backupResourceHookSpec).nullable().optional(),
    }),
  ),
  storageLocation: opt(z.string()),
  volumeSnapshotLocations: opt(z.array(z.string())),
  defaultVolumesToRestic: z.boolean().nullable().optional(),
  defaultVolumesToFsBackup: z.boolean().nullable().optional(),
  orderedResources: z.record(z.string(), z.string()).nullable().optional(),
  csiSnapshotTimeout: opt(z.string()),
  itemOperationTimeout: opt(z.string()),
  resourcePolicy: z
    .object({
      apiGroup: opt(z.string()),
      kind: z.string(),
      name: z.string(),
    })
    .nullable()
    .optional(),
  snapshotMoveData: z.boolean().nullable().optional(),
  datamover: opt(z.string()),
  uploaderConfig: z
    .object({ parallelFilesUpload: opt(int) })
    .nullable()
    .optional(),
  volumeGroupSnapshotLabelKey: opt(z.string()),
});

/**
 * Every Backup phase of current Velero (backup_types.go `BackupPhase`, with
 * `Queued` / `ReadyToStart` of the concurrent-backup queue). A Backup without
 * a phase has not been processed yet; the CRD's enum refuses `""`.
 */
export const BACKUP_PHASES = [
  'New',
  'Queued',
  'ReadyToStart',
  'FailedValidation',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Deleting',
] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

export const SCHEDULE_PHASES = ['New', 'Enabled', 'FailedValidation'] as const;

export const backupStatusSchema = z.object({
  version: opt(int),
  formatVersion: opt(z.string()),
  expiration: dateTime.nullable().optional(),
  phase: opt(z.enum(BACKUP_PHASES)),
  queuePosition: opt(int),
  validationErrors: nullableStrings.optional(),
  startTimestamp: dateTime.nullable().optional(),
  completionTimestamp: dateTime.nullable().optional(),
  volumeSnapshotsAttempted: opt(int),
  volumeSnapshotsCompleted: opt(int),
  failureReason: opt(z.string()),
  warnings: opt(int),
  errors: opt(int),
  progress: z
    .object({
      totalItems: opt(int),
      itemsBackedUp: opt(int),
    })
    .nullable()
    .optional(),
  csiVolumeSnapshotsAttempted: opt(int),
  csiVolumeSnapshotsCompleted: opt(int),
  backupItemOperationsAttempted: opt(int),
  backupItemOperationsCompleted: opt(int),
  backupItemOperationsFailed: opt(int),
  hookStatus: z
    .object({
      hooksAttempted: opt(int),
      hooksFailed: opt(int),
    })
    .nullable()
    .optional(),
});

export const backupSchema = z.object({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Backup'),
  metadata: objectMeta,
  spec: opt(backupSpecSchema),
  status: opt(backupStatusSchema),
});

export const scheduleSchema = z.object({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Schedule'),
  metadata: objectMeta,
  spec: opt(
    z.object({
      schedule: z.string(),
      template: backupSpecSchema,
      useOwnerReferencesInBackup: z.boolean().nullable().optional(),
      paused: opt(z.boolean()),
      skipImmediately: z.boolean().nullable().optional(),
    }),
  ),
  status: opt(
    z.object({
      phase: opt(z.enum(SCHEDULE_PHASES)),
      lastBackup: dateTime.nullable().optional(),
      lastSkipped: dateTime.nullable().optional(),
      validationErrors: opt(z.array(z.string())),
    }),
  ),
});

export type VeleroBackup = z.infer<typeof backupSchema>;
export type VeleroSchedule = z.infer<typeof scheduleSchema>;

/**
 * Structural pruning in place (the store's `prune` hook): what the CRD's
 * schema does not declare is dropped, and nulls where it is not nullable;
 * metadata is the API server's and stays as it is. Runs on a valid object.
 */
export function pruneVeleroObject(obj: KubeObject): void {
  const pruned = JSON.parse(JSON.stringify(pruneVelero(obj))) as KubeObject;
  for (const key of Object.keys(obj)) {
    if (key !== 'metadata' && !(key in pruned)) delete obj[key];
  }
  Object.assign(obj, pruned, { metadata: obj.metadata });
}

/**
 * The object as the API server stores it: fields the CRD's schema does not
 * declare are dropped (structural pruning). Call on an object that validates.
 */
export function pruneVelero<T extends { kind?: unknown }>(obj: T): T {
  const schema = obj.kind === 'Schedule' ? scheduleSchema : backupSchema;
  const result = schema.safeParse(obj);
  return result.success ? (result.data as unknown as T) : obj;
}
