import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { RELEASE_SUGGESTIONS, releaseProblem } from './slugs';

/**
 * `ui:field: LaunchpadReleasePicker`: the Open edX release
 * (`EDX_PLATFORM_VERSION`), `release/<name>.<n>`. Suggests recent named
 * releases with their Tutor major; any release in that form may be typed.
 */
export function LaunchpadReleasePicker(
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
  const problem = formData ? releaseProblem(formData) : undefined;
  const tutorOf = (release: string) =>
    RELEASE_SUGGESTIONS.find(s => s.release === release)?.tutor;
  return (
    <Autocomplete
      freeSolo
      autoSelect
      id={idSchema?.$id ?? 'launchpad-release'}
      disabled={disabled}
      options={RELEASE_SUGGESTIONS.map(s => s.release)}
      value={formData ?? ''}
      onChange={(_e, value) => onChange(value ? String(value) : undefined)}
      onInputChange={(_e, value, reason) => {
        if (reason === 'input') onChange(value || undefined);
      }}
      renderOption={release => {
        const tutor = tutorOf(release);
        return tutor ? `${release} (Tutor ${tutor})` : release;
      }}
      renderInput={params => (
        <TextField
          {...params}
          margin="normal"
          label={schema.title ?? 'Open edX release'}
          required={required}
          error={rawErrors.length > 0 || Boolean(problem)}
          helperText={rawErrors[0] ?? problem ?? schema.description}
          inputProps={{
            ...params.inputProps,
            'data-testid': 'launchpad-release-input',
          }}
        />
      )}
    />
  );
}

/** `release/<name>.<n>` or an error naming the value. */
export const launchpadReleaseValidation: CustomFieldValidator<string> = (
  value,
  validation,
) => {
  const problem = releaseProblem(value);
  if (problem) validation.addError(problem);
};
