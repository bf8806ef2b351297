import { makeStyles } from '@material-ui/core';
import { LogoMark } from './LogoMark';

const useStyles = makeStyles(theme => ({
  svg: { width: 'auto', height: 36 },
  name: {
    fill: theme.palette.navigation.selectedColor,
    fontFamily: theme.typography.fontFamily,
    fontWeight: 700,
    fontSize: 22,
  },
  tagline: {
    fill: theme.palette.navigation.indicator,
    fontFamily: theme.typography.fontFamily,
    fontWeight: 500,
    fontSize: 11,
    letterSpacing: 3,
  },
}));

/** The sidebar's logo while it is open: the mark and the portal's name. */
export const LogoFull = () => {
  const classes = useStyles();
  return (
    <svg
      className={classes.svg}
      xmlns="http://www.w3.org/2000/svg"
      viewBox="0 0 170 44"
      role="img"
      aria-label="Launchpad Portal"
    >
      <g transform="translate(0 1) scale(0.66)">
        <LogoMark />
      </g>
      <text className={classes.name} x="50" y="22">
        Launchpad
      </text>
      <text className={classes.tagline} x="51" y="38">
        PORTAL
      </text>
    </svg>
  );
};
