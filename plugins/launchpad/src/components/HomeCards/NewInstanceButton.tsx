import { LinkButton } from '@backstage/core-components';
import AddIcon from '@material-ui/icons/Add';

/** The scaffolder's page for the new-openedx-instance template. */
export const NEW_INSTANCE_PATH =
  '/create/templates/default/new-openedx-instance';

/**
 * "New instance": opens the new-openedx-instance template's form. Shown to
 * everyone: the template and its actions check who may create on which
 * cluster (launchpad.instance.create), and say so in the form.
 */
export function NewInstanceButton() {
  return (
    <LinkButton
      to={NEW_INSTANCE_PATH}
      variant="contained"
      color="primary"
      startIcon={<AddIcon />}
    >
      New instance
    </LinkButton>
  );
}
