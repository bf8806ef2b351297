import { z } from 'zod';

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
const nullableStrings = z.array(z.string()).nullable();
const int = z.number().int();

const labelSelector = z.object({
  matchExpressions: z
    .array(
      z.object({
        key: z.string(),
        operator: z.string(),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  matchLabels: z.record(z.string(), z.string()).optional(),
});

const execHook = z.object({
  command: z.array(z.string()).min(1),
  container: z.string().optional(),
  onError: z.enum(['Continue', 'Fail']).optional(),
  timeout: z.string().optional(),
});

const backupResourceHookSpec = z.object({
  name: z.string(),
  includedNamespaces: nullableStrings.optional(),
  excludedNamespaces: nullableStrings.optional(),
  includedResources: nullableStrings.optional(),
  excludedResources: nullableStrings.optional(),
  labelSelector: labelSelector.nullable().optional(),
  pre: z.array(z.object({ exec: execHook })).optional(),
  post: z.array(z.object({ exec: execHook })).optional(),
});

const objectMeta = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const backupSpecSchema = z.object({
  metadata: z
    .object({ labels: z.record(z.string(), z.string()).optional() })
    .optional(),
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
  ttl: z.string().optional(),
  includeClusterResources: z.boolean().nullable().optional(),
  hooks: z
    .object({
      resources: z.array(backupResourceHookSpec).nullable().optional(),
    })
    .optional(),
  storageLocation: z.string().optional(),
  volumeSnapshotLocations: z.array(z.string()).optional(),
  defaultVolumesToRestic: z.boolean().nullable().optional(),
  defaultVolumesToFsBackup: z.boolean().nullable().optional(),
  orderedResources: z.record(z.string(), z.string()).nullable().optional(),
  csiSnapshotTimeout: z.string().optional(),
  itemOperationTimeout: z.string().optional(),
  resourcePolicy: z
    .object({
      apiGroup: z.string().optional(),
      kind: z.string(),
      name: z.string(),
    })
    .nullable()
    .optional(),
  snapshotMoveData: z.boolean().nullable().optional(),
  datamover: z.string().optional(),
  uploaderConfig: z
    .object({ parallelFilesUpload: int.optional() })
    .nullable()
    .optional(),
  volumeGroupSnapshotLabelKey: z.string().optional(),
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
  version: int.optional(),
  formatVersion: z.string().optional(),
  expiration: dateTime.nullable().optional(),
  phase: z.enum(BACKUP_PHASES).optional(),
  queuePosition: int.optional(),
  validationErrors: nullableStrings.optional(),
  startTimestamp: dateTime.nullable().optional(),
  completionTimestamp: dateTime.nullable().optional(),
  volumeSnapshotsAttempted: int.optional(),
  volumeSnapshotsCompleted: int.optional(),
  failureReason: z.string().optional(),
  warnings: int.optional(),
  errors: int.optional(),
  progress: z
    .object({
      totalItems: int.optional(),
      itemsBackedUp: int.optional(),
    })
    .nullable()
    .optional(),
  csiVolumeSnapshotsAttempted: int.optional(),
  csiVolumeSnapshotsCompleted: int.optional(),
  backupItemOperationsAttempted: int.optional(),
  backupItemOperationsCompleted: int.optional(),
  backupItemOperationsFailed: int.optional(),
  hookStatus: z
    .object({
      hooksAttempted: int.optional(),
      hooksFailed: int.optional(),
    })
    .nullable()
    .optional(),
});

export const backupSchema = z.object({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Backup'),
  metadata: objectMeta,
  spec: backupSpecSchema.optional(),
  status: backupStatusSchema.optional(),
});

export const scheduleSchema = z.object({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Schedule'),
  metadata: objectMeta,
  spec: z
    .object({
      schedule: z.string(),
      template: backupSpecSchema,
      useOwnerReferencesInBackup: z.boolean().nullable().optional(),
      paused: z.boolean().optional(),
      skipImmediately: z.boolean().nullable().optional(),
    })
    .optional(),
  status: z
    .object({
      phase: z.enum(SCHEDULE_PHASES).optional(),
      lastBackup: dateTime.nullable().optional(),
      lastSkipped: dateTime.nullable().optional(),
      validationErrors: z.array(z.string()).optional(),
    })
    .optional(),
});

export type VeleroBackup = z.infer<typeof backupSchema>;
export type VeleroSchedule = z.infer<typeof scheduleSchema>;

/**
 * The object as the API server stores it: fields the CRD's schema does not
 * declare are dropped (structural pruning). Call on an object that validates.
 */
export function pruneVelero<T extends { kind?: unknown }>(obj: T): T {
  const schema = obj.kind === 'Schedule' ? scheduleSchema : backupSchema;
  const result = schema.safeParse(obj);
  return result.success ? (result.data as unknown as T) : obj;
}
