import {
  Sidebar,
  SidebarDivider,
  SidebarGroup,
  SidebarItem,
  SidebarScrollWrapper,
  SidebarSpace,
} from '@backstage/core-components';
import { NavContentBlueprint } from '@backstage/plugin-app-react';
import { catalogEntityCreatePermission } from '@backstage/plugin-catalog-common/alpha';
import { usePermission } from '@backstage/plugin-permission-react';
import { SidebarLogo } from './SidebarLogo';
import CloudIcon from '@material-ui/icons/Cloud';
import MenuIcon from '@material-ui/icons/Menu';
import SchoolIcon from '@material-ui/icons/School';
import SearchIcon from '@material-ui/icons/Search';
import { SidebarSearchModal } from '@backstage/plugin-search';
import { UserSettingsSignInAvatar } from '@backstage/plugin-user-settings';
import { NotificationsSidebarItem } from '@backstage/plugin-notifications';

/** The catalog index on the Open edX instances, everyone's. */
export const INSTANCES_PATH =
  '/catalog?filters[kind]=component&filters[type]=openedx-instance&filters[user]=all';
/** The catalog index on the Kubernetes clusters. */
export const CLUSTERS_PATH =
  '/catalog?filters[kind]=resource&filters[type]=kubernetes-cluster&filters[user]=all';

/**
 * Pages that stay reachable by URL but have no sidebar entry: nothing in
 * this portal documents APIs or publishes TechDocs yet, the visualizer is a
 * developer tool, the graph page is reached from entity pages, and Instances
 * and Clusters replace the bare catalog entry.
 * Search and notifications have their own sidebar items below.
 */
const NOT_IN_NAV = [
  'page:api-docs',
  'page:techdocs',
  'page:app-visualizer',
  'page:catalog',
  'page:catalog-graph',
  'page:search',
  'page:notifications',
];

/**
 * "Register existing component" is for the platform team, who curate the
 * catalog: shown to whoever may create catalog entities, the same permission
 * Backstage's Create page checks for its own Register button, so the two
 * agree and the permission policy (packages/backend/src/permissions) decides.
 */
function RegisterExistingItem(props: { item: JSX.Element | null }) {
  const { allowed } = usePermission({
    permission: catalogEntityCreatePermission,
  });
  return allowed ? props.item : null;
}

export const SidebarContent = NavContentBlueprint.make({
  params: {
    component: ({ navItems }) => {
      // The import page's own title, "Register Existing Component", is cut
      // short in the sidebar: the entry says it in fewer words.
      const importPage = navItems.take('page:catalog-import');
      const register = importPage ? (
        <SidebarItem
          icon={() => importPage.icon}
          to={importPage.href}
          text="Register component"
        />
      ) : null;
      const nav = navItems.withComponent(item => (
        <SidebarItem icon={() => item.icon} to={item.href} text={item.title} />
      ));
      NOT_IN_NAV.forEach(id => nav.take(id));
      const userSettings = nav.take('page:user-settings');

      return (
        <Sidebar>
          <SidebarLogo />
          <SidebarGroup label="Search" icon={<SearchIcon />} to="/search">
            <SidebarSearchModal />
          </SidebarGroup>
          <SidebarDivider />
          <SidebarGroup label="Menu" icon={<MenuIcon />}>
            {nav.take('page:home')}
            <SidebarItem
              icon={SchoolIcon}
              to={INSTANCES_PATH}
              text="Instances"
            />
            <SidebarItem icon={CloudIcon} to={CLUSTERS_PATH} text="Clusters" />
            {nav.take('page:launchpad/fleet')}
            {nav.take('page:scaffolder')}
            <RegisterExistingItem item={register} />
            <SidebarDivider />
            {/* Pages added later (plugins, other modules) still show up. */}
            <SidebarScrollWrapper>
              {nav.rest({ sortBy: 'title' })}
            </SidebarScrollWrapper>
          </SidebarGroup>
          <SidebarSpace />
          <SidebarDivider />
          <NotificationsSidebarItem />
          <SidebarDivider />
          <SidebarGroup
            label="Settings"
            icon={<UserSettingsSignInAvatar />}
            to="/settings"
          >
            {userSettings}
          </SidebarGroup>
        </Sidebar>
      );
    },
  },
});
