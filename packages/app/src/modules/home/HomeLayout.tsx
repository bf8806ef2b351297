import { Content, Header, Page } from '@backstage/core-components';
import type { HomePageLayoutProps } from '@backstage/plugin-home-react/alpha';
import Grid from '@material-ui/core/Grid';
import {
  ClusterSummaryCards,
  MyInstancesCard,
  NewInstanceButton,
} from '@internal/plugin-launchpad';

/**
 * The widgets the layout places below the fleet, in this order. Others that
 * plugins install (the home plugin's starred entities, jokes, ...) are left
 * out: the first screen every user sees is the same.
 */
export const HOME_WIDGETS = ['GettingStarted'];

/**
 * The home page answers "how is my fleet?" first: a card per cluster with
 * its counts (each a link to the filtered fleet page), then the instances the
 * user's groups own, then the widgets. A fixed layout rather than the
 * customisable grid.
 */
export function HomeLayout(props: HomePageLayoutProps) {
  const widgets = HOME_WIDGETS.flatMap(
    name => props.widgets.find(w => w.name === name) ?? [],
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
          {widgets.map(widget => (
            <Grid item xs={12} md={6} key={widget.name}>
              {widget.component}
            </Grid>
          ))}
        </Grid>
      </Content>
    </Page>
  );
}
