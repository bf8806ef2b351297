import { model, type ModelClass } from './models';
import { backupSchema, scheduleSchema } from './velero';
import type { KubeObject } from './types';

/** A validation failure: the offending field (dotted) and what is wrong with it. */
export interface FieldError {
  field?: string;
  message: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /**
   * Whether status lives behind the `/status` subresource: updates of the main
   * resource then keep the stored status (built-in types, Velero). ArgoCD's
   * and Argo's CRDs do not enable it, so their status is written in place.
   */
  statusSubresource: boolean;
  /** Returns the problems with a full object, empty when it is valid. */
  validate: (obj: KubeObject) => FieldError[];
}

export const apiVersionOf = (type: ResourceType) =>
  type.group ? `${type.group}/${type.version}` : type.version;

interface ModelError {
  errors?: Array<{ instancePath?: string; message?: string }>;
  message?: string;
}

/** Runs a kubernetes-models `validate()` and turns AJV's errors into field errors. */
function modelValidator(
  Model: () => ModelClass,
  prepare: (obj: KubeObject) => KubeObject = obj => obj,
) {
  return (obj: KubeObject): FieldError[] => {
    try {
      const M = Model();
      new M(prepare(obj) as never).validate();
      return [];
    } catch (e) {
      const error = e as ModelError;
      if (error.errors?.length) {
        return error.errors.map(err => ({
          field:
            (err.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') ||
            undefined,
          message: err.message ?? 'is invalid',
        }));
      }
      return [{ message: error.message ?? String(e) }];
    }
  };
}

function zodValidator(schema: {
  safeParse(v: unknown): {
    success: boolean;
    error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
  };
}) {
  return (obj: KubeObject): FieldError[] => {
    const result = schema.safeParse(obj);
    if (result.success) return [];
    return (result.error?.issues ?? []).map(issue => ({
      field: issue.path.map(String).join('.') || undefined,
      message: issue.message,
    }));
  };
}

/**
 * The Argo model insists on `container.name`, which Argo itself defaults; give
 * unnamed containers the name Argo uses (`main`) before validating.
 */
function withArgoContainerNames(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj) as KubeObject & {
    spec?: { templates?: Array<{ container?: { name?: string } }> };
  };
  for (const template of copy.spec?.templates ?? []) {
    if (template.container && !template.container.name) {
      template.container.name = 'main';
    }
  }
  return copy;
}

const k8s = (group: string, name: string) => () =>
  model('kubernetes-models', group, name);
const ConfigMap = k8s('v1', 'ConfigMap');
const LimitRange = k8s('v1', 'LimitRange');
const Namespace = k8s('v1', 'Namespace');
const Pod = k8s('v1', 'Pod');
const ResourceQuota = k8s('v1', 'ResourceQuota');
const Secret = k8s('v1', 'Secret');
const Event = k8s('v1', 'Event');
const Service = k8s('v1', 'Service');
const DaemonSet = k8s('apps/v1', 'DaemonSet');
const Deployment = k8s('apps/v1', 'Deployment');
const ReplicaSet = k8s('apps/v1', 'ReplicaSet');
const StatefulSet = k8s('apps/v1', 'StatefulSet');
const CronJob = k8s('batch/v1', 'CronJob');
const Job = k8s('batch/v1', 'Job');
const HorizontalPodAutoscaler = k8s(
  'autoscaling/v2',
  'HorizontalPodAutoscaler',
);
const Ingress = k8s('networking.k8s.io/v1', 'Ingress');
const argoCd = (name: string) => () =>
  model('@kubernetes-models/argo-cd', 'argoproj.io/v1alpha1', name);
const argo = (name: string) => () =>
  model('@kubernetes-models/argo-workflows', 'argoproj.io/v1alpha1', name);
const Application = argoCd('Application');
const ClusterWorkflowTemplate = argo('ClusterWorkflowTemplate');
const Workflow = argo('Workflow');
const WorkflowTemplate = argo('WorkflowTemplate');

const t = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  statusSubresource: boolean,
  validate: (obj: KubeObject) => FieldError[],
  shortNames?: string[],
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  statusSubresource,
  validate,
  shortNames,
});

export const RESOURCE_TYPES: ResourceType[] = [
  t(
    '',
    'v1',
    'Namespace',
    'namespaces',
    false,
    true,
    modelValidator(Namespace),
    ['ns'],
  ),
  t('', 'v1', 'Secret', 'secrets', true, false, modelValidator(Secret)),
  t(
    '',
    'v1',
    'ConfigMap',
    'configmaps',
    true,
    false,
    modelValidator(ConfigMap),
    ['cm'],
  ),
  t('', 'v1', 'Pod', 'pods', true, true, modelValidator(Pod), ['po']),
  t('', 'v1', 'Event', 'events', true, false, modelValidator(Event), ['ev']),
  t('', 'v1', 'Service', 'services', true, true, modelValidator(Service), [
    'svc',
  ]),
  t(
    '',
    'v1',
    'LimitRange',
    'limitranges',
    true,
    false,
    modelValidator(LimitRange),
    ['limits'],
  ),
  t(
    '',
    'v1',
    'ResourceQuota',
    'resourcequotas',
    true,
    true,
    modelValidator(ResourceQuota),
    ['quota'],
  ),
  t(
    'apps',
    'v1',
    'Deployment',
    'deployments',
    true,
    true,
    modelValidator(Deployment),
    ['deploy'],
  ),
  t(
    'apps',
    'v1',
    'ReplicaSet',
    'replicasets',
    true,
    true,
    modelValidator(ReplicaSet),
    ['rs'],
  ),
  t(
    'apps',
    'v1',
    'StatefulSet',
    'statefulsets',
    true,
    true,
    modelValidator(StatefulSet),
    ['sts'],
  ),
  t(
    'apps',
    'v1',
    'DaemonSet',
    'daemonsets',
    true,
    true,
    modelValidator(DaemonSet),
    ['ds'],
  ),
  t('batch', 'v1', 'Job', 'jobs', true, true, modelValidator(Job)),
  t('batch', 'v1', 'CronJob', 'cronjobs', true, true, modelValidator(CronJob), [
    'cj',
  ]),
  t(
    'autoscaling',
    'v2',
    'HorizontalPodAutoscaler',
    'horizontalpodautoscalers',
    true,
    true,
    modelValidator(HorizontalPodAutoscaler),
    ['hpa'],
  ),
  t(
    'networking.k8s.io',
    'v1',
    'Ingress',
    'ingresses',
    true,
    true,
    modelValidator(Ingress),
    ['ing'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'Application',
    'applications',
    true,
    false,
    modelValidator(Application),
    ['app', 'apps'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'Workflow',
    'workflows',
    true,
    false,
    modelValidator(Workflow, withArgoContainerNames),
    ['wf'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'WorkflowTemplate',
    'workflowtemplates',
    true,
    false,
    modelValidator(WorkflowTemplate, withArgoContainerNames),
    ['wftmpl'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'ClusterWorkflowTemplate',
    'clusterworkflowtemplates',
    false,
    false,
    modelValidator(ClusterWorkflowTemplate, withArgoContainerNames),
    ['clusterwftmpl', 'cwft'],
  ),
  t(
    'velero.io',
    'v1',
    'Schedule',
    'schedules',
    true,
    true,
    zodValidator(scheduleSchema),
  ),
  t(
    'velero.io',
    'v1',
    'Backup',
    'backups',
    true,
    true,
    zodValidator(backupSchema),
  ),
];

const byKey = new Map(
  RESOURCE_TYPES.map(type => [
    `${type.group}/${type.version}/${type.plural}`,
    type,
  ]),
);
const byKind = new Map(
  RESOURCE_TYPES.map(type => [`${apiVersionOf(type)}/${type.kind}`, type]),
);

export function findType(group: string, version: string, plural: string) {
  return byKey.get(`${group}/${version}/${plural}`);
}

export function typeOfKind(apiVersion: string, kind: string) {
  return byKind.get(`${apiVersion}/${kind}`);
}

/** Shorthand for controllers: `resource('apps', 'deployments')`. */
export function resource(group: string, plural: string): ResourceType {
  const type = RESOURCE_TYPES.find(
    r => r.group === group && r.plural === plural,
  );
  if (!type) throw new Error(`Unknown resource ${plural}.${group}`);
  return type;
}
