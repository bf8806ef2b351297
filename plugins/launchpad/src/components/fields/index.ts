export {
  LaunchpadClusterPicker,
  launchpadClusterValidation,
} from './LaunchpadClusterPicker';
export {
  LaunchpadSlugPicker,
  launchpadSlugValidation,
  AVAILABILITY_DEBOUNCE_MS,
  type LaunchpadSlugPickerUiOptions,
} from './LaunchpadSlugPicker';
export {
  LaunchpadReleasePicker,
  launchpadReleaseValidation,
} from './LaunchpadReleasePicker';
export { suggestSlug, RELEASE_SUGGESTIONS, RELEASE_PATTERN } from './slugs';
