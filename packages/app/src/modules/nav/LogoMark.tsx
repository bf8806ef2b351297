import { makeStyles } from '@material-ui/core';

/**
 * Launchpad Portal's mark: a rocket lifting off its pad, drawn on a 64×64
 * grid. Colours come from the theme's navigation palette so the mark follows
 * light and dark themes; `public/favicon.svg` is the same drawing with the
 * default theme's colours written in (a favicon cannot read the theme).
 */
const useStyles = makeStyles(theme => ({
  body: { fill: theme.palette.navigation.indicator },
  window: { fill: theme.palette.navigation.background },
  flame: { fill: theme.palette.navigation.selectedColor },
}));

export const LOGO_MARK_PATHS = {
  body: 'M32 4c9 8 13 18 13 30v10H19V34c0-12 4-22 13-30z',
  fins: 'M19 31l-8 13v4h8zM45 31l8 13v4h-8z',
  window: 'M32 19a6 6 0 1 1 0 12a6 6 0 1 1 0-12z',
  flame: 'M25 46h14l-7 8z',
  pad: 'M8 57h48v3H8z',
};

/** The mark's shapes, for use inside an `<svg viewBox="0 0 64 64">`. */
export const LogoMark = () => {
  const classes = useStyles();
  return (
    <g>
      <path className={classes.body} d={LOGO_MARK_PATHS.body} />
      <path className={classes.body} d={LOGO_MARK_PATHS.fins} />
      <path className={classes.window} d={LOGO_MARK_PATHS.window} />
      <path className={classes.flame} d={LOGO_MARK_PATHS.flame} />
      <path className={classes.body} d={LOGO_MARK_PATHS.pad} />
    </g>
  );
};
