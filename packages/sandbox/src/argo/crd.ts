import type { FieldError } from '../kube/resources';
import type { KubeObject } from '../kube/types';

/**
 * Validation of Argo Workflows' own kinds (Workflow, WorkflowTemplate,
 * ClusterWorkflowTemplate) as the API server applies Argo's default CRDs.
 *
 * Argo installs the "minimal" CRDs by default (argoproj/argo-workflows
 * manifests/base/crds/minimal/argoproj.io_workflows.yaml and siblings): the
 * schema only requires `metadata` and `spec`, and `spec` and `status` are
 * `type: object` with `x-kubernetes-preserve-unknown-fields: true`. So any
 * object-shaped spec is stored as sent (steps as lists of lists, withItems,
 * retryStrategy, hooks, DAGs, scripts, resource templates, suspend…) and read
 * back unchanged; what the spec means is checked by the workflow controller
 * (or the Argo Server on submit), not by the API server. The stricter
 * @kubernetes-models/argo-workflows model is generated from the "full" CRDs,
 * which Argo documents as not for production use, and refuses real workflows
 * (e.g. `steps` is a list of lists there too, but its model types each group
 * as an object).
 */
const jsonType = (value: unknown) => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number')
    return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

export function validateArgoWorkflowsObject(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  // `required: [metadata, spec]` of the CRD's openAPIV3Schema; the API
  // server's messages (apiextensions-apiserver structural validation).
  if (obj.spec === undefined) {
    errors.push({ field: 'spec', message: 'Required value' });
  }
  for (const field of ['spec', 'status'] as const) {
    const value = obj[field];
    if (value === undefined || jsonType(value) === 'object') continue;
    const type = jsonType(value);
    errors.push({
      field,
      message: `Invalid value: "${type}": ${field} in body must be of type object: "${type}"`,
    });
  }
  return errors;
}
