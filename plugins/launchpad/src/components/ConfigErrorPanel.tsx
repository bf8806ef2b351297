import type { ReactNode } from 'react';
import { WarningPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';

/**
 * The error panel an overview card shows above its details when the entity
 * provider could not read the entity's configuration; nothing when `error`
 * is empty. `children` explain what to fix.
 */
export function ConfigErrorPanel(props: {
  error: string | undefined;
  children?: ReactNode;
}) {
  if (!props.error) return null;
  return (
    <Box mb={2}>
      <WarningPanel
        severity="error"
        title="Configuration error"
        message={props.error}
        defaultExpanded
      >
        {props.children}
      </WarningPanel>
    </Box>
  );
}
