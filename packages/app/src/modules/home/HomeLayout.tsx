import { Content, Header, Page } from '@backstage/core-components';
import type { HomePageLayoutProps } from '@backstage/plugin-home-react/alpha';
import Grid from '@material-ui/core/Grid';
import {
  ClusterSummaryCards,
  MyInstancesCard,
  NewInstanceButton,
} from '@internal/plugin-launchpad';

/**
 * Widgets the layout places below the fleet, in this order; any other
 * installed widget follows them.
 */
export const HOME_WIDGET_ORDER = ['GettingStarted'];

/**
 * The home page answers "how is my fleet?" first: a card per cluster with
 * its counts (each a link to the filtered fleet page), then the instances the
 * user's groups own, then the widgets. A fixed layout rather than the
 * customisable grid: the first screen every user sees is the same.
 */
export function HomeLayout(props: HomePageLayoutProps) {
  const widgets = [...props.widgets]
    .filter(w => w.name !== 'HomePageStarredEntities')
    .sort(
      (a, b) =>
        rank(HOME_WIDGET_ORDER, a.name) - rank(HOME_WIDGET_ORDER, b.name),
    );
  return (
    <Page themeId="home">
      <Header
        title="Launchpad Portal"
        subtitle="Open edX instances on Kubernetes: how the fleet is doing, and what is yours"
        pageTitleOverride="Home"
      >
        <NewInstanceButton />
      </Header>
      <Content>
        <Grid container spacing={3}>
          <Grid item xs={12}>
            <ClusterSummaryCards />
          </Grid>
          <Grid item xs={12} md={6}>
            <MyInstancesCard />
          </Grid>
          {widgets.map((widget, index) => (
            <Grid item xs={12} md={6} key={widget.name ?? index}>
              {widget.component}
            </Grid>
          ))}
        </Grid>
      </Content>
    </Page>
  );
}

function rank(order: string[], name?: string): number {
  const i = name ? order.indexOf(name) : -1;
  return i === -1 ? order.length : i;
}
