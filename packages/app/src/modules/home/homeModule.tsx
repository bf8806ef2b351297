import { createFrontendModule } from '@backstage/frontend-plugin-api';
import {
  HomePageLayoutBlueprint,
  HomePageWidgetBlueprint,
} from '@backstage/plugin-home-react/alpha';
import { MarkdownContent } from '@backstage/core-components';

const content = `
Every Open edX instance the platform runs, the Kubernetes cluster it runs on,
who owns it and what it depends on.

- **[Open edX instances](/catalog?filters[kind]=component&filters[type]=openedx-instance&filters[user]=all)**:
  filter by cluster and Open edX release; each instance page shows its
  release, images, LMS and Studio links, its relations and its Kubernetes
  objects.
- **[Kubernetes clusters](/catalog?filters[kind]=resource&filters[type]=kubernetes-cluster&filters[user]=all)**:
  each cluster page lists the instances it runs.
- **[Fleet](/launchpad/fleet)**: sync, health, replicas, workloads and
  backups of every instance, filtered and sorted on the server.
- **[Create](/create)**: request a new instance or change an existing one from
  the software templates.
`;

const gettingStartedWidget = HomePageWidgetBlueprint.make({
  name: 'getting-started',
  params: {
    name: 'GettingStarted',
    title: 'Where things are',
    description: 'Where to find Open edX instances and clusters',
    components: async () => ({
      Content: () => <MarkdownContent content={content} />,
    }),
  },
});

/** `home-page-layout:home/launchpad`: the fleet first, then the widgets. */
const homeLayout = HomePageLayoutBlueprint.make({
  name: 'launchpad',
  params: {
    loader: () => import('./HomeLayout').then(m => m.HomeLayout),
  },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [gettingStartedWidget, homeLayout],
});
