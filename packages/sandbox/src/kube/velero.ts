import { z } from 'zod';

/**
 * Velero `velero.io/v1` Schedule and Backup, written from Velero's CRDs
 * (config/crd/v1/bases/velero.io_{schedules,backups}.yaml). No models package
 * exists for Velero, so these schemas are what the sandbox validates against.
 */
const dateTime = z.iso.datetime({ offset: true }).nullable();
/** Go `time.Duration` text as Velero writes TTLs (`720h0m0s`). */
const goDuration = z
  .string()
  .regex(
    /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
    'must be a duration such as 24h0m0s',
  );
const stringList = z.array(z.string()).nullable();

const labelSelector = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z.object({
          key: z.string(),
          operator: z.string(),
          values: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  })
  .nullable();

const objectMeta = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const backupSpecSchema = z.looseObject({
  includedNamespaces: stringList.optional(),
  excludedNamespaces: stringList.optional(),
  includedResources: stringList.optional(),
  excludedResources: stringList.optional(),
  includedClusterScopedResources: stringList.optional(),
  excludedClusterScopedResources: stringList.optional(),
  includedNamespaceScopedResources: stringList.optional(),
  excludedNamespaceScopedResources: stringList.optional(),
  labelSelector: labelSelector.optional(),
  orLabelSelectors: z.array(labelSelector).nullable().optional(),
  snapshotVolumes: z.boolean().nullable().optional(),
  ttl: goDuration.optional(),
  includeClusterResources: z.boolean().nullable().optional(),
  storageLocation: z.string().optional(),
  volumeSnapshotLocations: z.array(z.string()).optional(),
  defaultVolumesToFsBackup: z.boolean().nullable().optional(),
  defaultVolumesToRestic: z.boolean().nullable().optional(),
  snapshotMoveData: z.boolean().nullable().optional(),
  datamover: z.string().optional(),
  csiSnapshotTimeout: goDuration.optional(),
  itemOperationTimeout: goDuration.optional(),
  metadata: z
    .object({ labels: z.record(z.string(), z.string()).optional() })
    .optional(),
  orderedResources: z.record(z.string(), z.string()).nullable().optional(),
  hooks: z.looseObject({}).optional(),
  resourcePolicy: z.looseObject({}).nullable().optional(),
  uploaderConfig: z.looseObject({}).nullable().optional(),
});

export const BACKUP_PHASES = [
  'New',
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

export const backupStatusSchema = z.looseObject({
  version: z.number().int().optional(),
  formatVersion: z.string().optional(),
  expiration: dateTime.optional(),
  phase: z.enum(BACKUP_PHASES).optional(),
  validationErrors: stringList.optional(),
  startTimestamp: dateTime.optional(),
  completionTimestamp: dateTime.optional(),
  volumeSnapshotsAttempted: z.number().int().optional(),
  volumeSnapshotsCompleted: z.number().int().optional(),
  failureReason: z.string().optional(),
  warnings: z.number().int().optional(),
  errors: z.number().int().optional(),
  progress: z
    .object({
      totalItems: z.number().int().optional(),
      itemsBackedUp: z.number().int().optional(),
    })
    .nullable()
    .optional(),
  csiVolumeSnapshotsAttempted: z.number().int().optional(),
  csiVolumeSnapshotsCompleted: z.number().int().optional(),
  backupItemOperationsAttempted: z.number().int().optional(),
  backupItemOperationsCompleted: z.number().int().optional(),
  backupItemOperationsFailed: z.number().int().optional(),
  hookStatus: z.looseObject({}).nullable().optional(),
});

export const backupSchema = z.looseObject({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Backup'),
  metadata: objectMeta,
  spec: backupSpecSchema.optional(),
  status: backupStatusSchema.optional(),
});

export const scheduleSchema = z.looseObject({
  apiVersion: z.literal('velero.io/v1'),
  kind: z.literal('Schedule'),
  metadata: objectMeta,
  spec: z.looseObject({
    schedule: z.string().min(1),
    template: backupSpecSchema,
    useOwnerReferencesInBackup: z.boolean().nullable().optional(),
    paused: z.boolean().optional(),
    skipImmediately: z.boolean().nullable().optional(),
  }),
  status: z
    .looseObject({
      phase: z.enum(['New', 'Enabled', 'FailedValidation']).optional(),
      lastBackup: dateTime.optional(),
      lastSkipped: dateTime.optional(),
      validationErrors: stringList.optional(),
    })
    .optional(),
});

export type VeleroBackup = z.infer<typeof backupSchema>;
export type VeleroSchedule = z.infer<typeof scheduleSchema>;
