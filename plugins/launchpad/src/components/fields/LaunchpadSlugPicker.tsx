import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { launchpadApiRef, type SlugAvailability } from '../../api';
import { slugProblem, suggestSlug } from './slugs';

/** Wait this long after the last keystroke before asking the backend. */
export const AVAILABILITY_DEBOUNCE_MS = 400;

/** `ui:options` of the slug field: where its cluster and platform name are in the form. */
export interface LaunchpadSlugPickerUiOptions {
  /** Form field holding the cluster name; default `cluster`. */
  clusterField?: string;
  /** Form field holding the platform name the slug is suggested from; default `platformName`. */
  platformNameField?: string;
}

function optionsOf(uiSchema?: {
  'ui:options'?: LaunchpadSlugPickerUiOptions;
}): Required<LaunchpadSlugPickerUiOptions> {
  const options = uiSchema?.['ui:options'] ?? {};
  return {
    clusterField: options.clusterField ?? 'cluster',
    platformNameField: options.platformNameField ?? 'platformName',
  };
}

function stringAt(data: unknown, key: string): string | undefined {
  if (data && typeof data === 'object' && key in data) {
    const value = (data as Record<string, unknown>)[key];
    return typeof value === 'string' && value ? value : undefined;
  }
  return undefined;
}

const useStyles = makeStyles(theme => ({
  available: { color: theme.palette.success.main },
  taken: { color: theme.palette.error.main },
}));

type Check =
  | { key: string; result: SlugAvailability }
  | { key: string; error: Error };

/**
 * `ui:field: LaunchpadSlugPicker`: the instance slug, suggested from the
 * platform name until the user edits it, checked live (debounced, through
 * LaunchpadClient) with the check `launchpad:instance:create` makes, and
 * showing the LMS and Studio hosts the instance will get. The field's
 * `validation` asks again on Next, so a taken slug cannot be submitted.
 */
export function LaunchpadSlugPicker(
  props: FieldExtensionComponentProps<string, LaunchpadSlugPickerUiOptions>,
) {
  const {
    formData,
    onChange,
    required,
    rawErrors = [],
    schema,
    uiSchema,
    idSchema,
    formContext,
    disabled,
  } = props;
  const classes = useStyles();
  const api = useApi(launchpadApiRef);
  const { clusterField, platformNameField } = optionsOf(uiSchema);
  const form: unknown = formContext?.formData;
  const cluster = stringAt(form, clusterField);
  const platformName = stringAt(form, platformNameField);
  const slug = formData ?? '';

  // Follows the platform name until the user types a slug of their own
  // (also when coming back to this step with a slug that is not the suggestion).
  const [edited, setEdited] = useState(
    () => Boolean(formData) && formData !== suggestSlug(platformName),
  );
  useEffect(() => {
    if (edited) return;
    const suggested = suggestSlug(platformName);
    if (suggested !== (formData ?? '')) onChange(suggested || undefined);
  }, [edited, platformName, formData, onChange]);

  const problem = slug ? slugProblem(slug) : undefined;
  const key = `${cluster}/${slug}`;
  const [check, setCheck] = useState<Check>();
  useEffect(() => {
    if (!cluster || !slug || problem) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .getSlugAvailability(cluster, slug, { signal: controller.signal })
        .then(result => setCheck({ key, result }))
        .catch((error: Error) => {
          if (!controller.signal.aborted) setCheck({ key, error });
        });
    }, AVAILABILITY_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, cluster, slug, problem, key]);
  const current = check?.key === key ? check : undefined;

  let status: { text: string; className?: string } | undefined;
  if (!slug) status = undefined;
  else if (problem) status = { text: problem, className: classes.taken };
  else if (!cluster) status = { text: 'Choose a cluster to check the name' };
  else if (!current) status = { text: `Checking ${slug} in ${cluster}…` };
  else if ('error' in current)
    status = {
      text: `Could not check the name: ${current.error.message}`,
      className: classes.taken,
    };
  else if (current.result.available)
    status = {
      text: `${slug} is available in ${cluster}`,
      className: classes.available,
    };
  else
    status = {
      text: current.result.reasons.map(r => r.message).join('; '),
      className: classes.taken,
    };
  const hosts =
    current && 'result' in current && current.result.lmsHost
      ? current.result
      : undefined;

  return (
    <Box mt={2} mb={1}>
      <TextField
        id={idSchema?.$id ?? 'launchpad-slug'}
        label={schema.title ?? 'Instance name (slug)'}
        value={slug}
        required={required}
        disabled={disabled}
        fullWidth
        error={rawErrors.length > 0 || Boolean(problem)}
        helperText={rawErrors[0] ?? schema.description}
        inputProps={{ 'data-testid': 'launchpad-slug-input' }}
        onChange={e => {
          setEdited(true);
          onChange(e.target.value || undefined);
        }}
      />
      {status && (
        <Typography
          variant="body2"
          role="status"
          className={status.className}
          data-testid="launchpad-slug-status"
        >
          {status.text}
        </Typography>
      )}
      {hosts && (
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="launchpad-slug-hosts"
        >
          LMS: https://{hosts.lmsHost} · Studio: https://{hosts.studioHost}
        </Typography>
      )}
    </Box>
  );
}

/**
 * The slug field's validation (run by the scaffolder on Next): the slug
 * rules, then the backend's availability in the chosen cluster. Any reason
 * about the slug is an error, so a taken name cannot be submitted.
 */
export const launchpadSlugValidation: CustomFieldValidator<
  string,
  LaunchpadSlugPickerUiOptions
> = async (value, validation, context) => {
  const problem = slugProblem(value);
  if (problem) {
    validation.addError(problem);
    return;
  }
  const { clusterField } = optionsOf(context.uiSchema);
  const cluster = stringAt(context.formData, clusterField);
  const api = context.apiHolder.get(launchpadApiRef);
  if (!cluster || !api) return;
  try {
    const result = await api.getSlugAvailability(cluster, value);
    for (const reason of result.reasons) {
      if (reason.field === 'slug') validation.addError(reason.message);
    }
  } catch (error) {
    validation.addError(
      `Could not check the name: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
};
