import { makeStyles } from '@material-ui/core';
import { LogoMark } from './LogoMark';

const useStyles = makeStyles({
  svg: { width: 'auto', height: 32 },
});

/** The sidebar's logo while it is collapsed: the mark alone. */
export const LogoIcon = () => {
  const classes = useStyles();
  return (
    <svg
      className={classes.svg}
      xmlns="http://www.w3.org/2000/svg"
      viewBox="0 0 64 64"
      role="img"
      aria-label="Launchpad Portal"
    >
      <LogoMark />
    </svg>
  );
};
