import { useEffect } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import InputLabel from '@material-ui/core/InputLabel';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import useAsync from 'react-use/esm/useAsync';
import { launchpadApiRef, type LaunchpadClusterSummary } from '../../api';

/** A cluster's line in the picker: its title, name, environment and domain. */
function label(cluster: LaunchpadClusterSummary): string {
  const name =
    cluster.title === cluster.name
      ? cluster.name
      : `${cluster.title} (${cluster.name})`;
  // The environment only when it says more than the name.
  return cluster.environment === cluster.name
    ? `${name} · ${cluster.domain}`
    : `${name} · ${cluster.environment} · ${cluster.domain}`;
}

/** The warning for a cluster that can take a pull request but not a commit. */
function commitNeeds(cluster: LaunchpadClusterSummary): string {
  return `publishing as a commit needs ${cluster.missingCredentials.join(
    ', ',
  )} (a pull request does not)`;
}

/**
 * `ui:field: LaunchpadClusterPicker`: one of `launchpad.clusters` (from the
 * `launchpad` backend, so it works before the catalog has ingested anything).
 * The value is the cluster name. A cluster without its Kubernetes
 * credentials is shown but cannot be chosen; one without ArgoCD's
 * (`missingCredentials` only) can, with a warning: publishing as a commit
 * needs them (the template's sync step), a pull request does not. The
 * publishAs field is on a later page, so this field cannot know which.
 */
export function LaunchpadClusterPicker(
  props: FieldExtensionComponentProps<string>,
) {
  const {
    formData,
    onChange,
    required,
    rawErrors = [],
    schema,
    idSchema,
    disabled,
  } = props;
  const api = useApi(launchpadApiRef);
  const {
    value: clusters,
    loading,
    error,
  } = useAsync(() => api.listClusters(), [api]);

  // With one usable cluster there is nothing to choose.
  useEffect(() => {
    const usable = clusters?.filter(c => c.hasCredentials) ?? [];
    if (!formData && usable.length === 1) onChange(usable[0].name);
  }, [clusters, formData, onChange]);

  const id = idSchema?.$id ?? 'launchpad-cluster';
  const selected = clusters?.find(c => c.name === formData);
  const helper = error
    ? `Could not list the clusters: ${error.message}`
    : rawErrors[0] ??
      (selected
        ? `Hosts end in .${selected.domain}${
            selected.missingCredentials.length > 0
              ? `; ${commitNeeds(selected)}`
              : ''
          }`
        : schema.description);
  return (
    <FormControl
      fullWidth
      margin="normal"
      required={required}
      error={Boolean(error) || rawErrors.length > 0}
      disabled={disabled}
    >
      <InputLabel id={`${id}-label`}>{schema.title ?? 'Cluster'}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        value={selected ? formData : ''}
        onChange={e => onChange(String(e.target.value))}
        data-testid="launchpad-cluster-picker"
      >
        {(clusters ?? []).map(cluster => (
          <MenuItem
            key={cluster.name}
            value={cluster.name}
            disabled={!cluster.hasCredentials}
          >
            {label(cluster)}
            {!cluster.hasCredentials
              ? ` — no credentials (${cluster.missingCredentials.join(', ')})`
              : cluster.missingCredentials.length > 0 &&
                ` — ${commitNeeds(cluster)}`}
          </MenuItem>
        ))}
      </Select>
      {loading && <LinearProgress aria-label="Loading clusters" />}
      {helper && <FormHelperText>{helper}</FormHelperText>}
    </FormControl>
  );
}

/**
 * The scaffolder's check on Next: a configured cluster that can take a new
 * instance (its Kubernetes credentials; ArgoCD's is the create action's check
 * once publishAs is known).
 */
export const launchpadClusterValidation: CustomFieldValidator<string> = async (
  value,
  validation,
  context,
) => {
  const api = context.apiHolder.get(launchpadApiRef);
  if (!value || !api) return;
  try {
    const clusters = await api.listClusters();
    const cluster = clusters.find(c => c.name === value);
    if (!cluster) {
      validation.addError(
        `cluster "${value}" is not a Launchpad cluster; configured: ${
          clusters.map(c => c.name).join(', ') || 'none'
        }`,
      );
    } else if (!cluster.hasCredentials) {
      validation.addError(
        `cluster "${value}" has no credentials configured (${cluster.missingCredentials.join(
          ', ',
        )})`,
      );
    }
  } catch (error) {
    validation.addError(
      `Could not list the clusters: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
};
