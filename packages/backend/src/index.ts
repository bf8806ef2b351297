/*
 * Launchpad Portal backend: Backstage's core plugins plus the Launchpad modules.
 * Wiring only; configuration lives in app-config*.yaml.
 */

import { createBackend } from '@backstage/backend-defaults';
import { permissionModuleLaunchpadPolicy } from './permissions/module';
import { launchpadPermissionsServiceFactory } from './permissions/serviceFactory';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
// Launchpad actions: create, prepare, provision, apply, sync and build instances
backend.add(import('@internal/plugin-scaffolder-backend-module-launchpad'));

// techdocs plugin
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// See https://backstage.io/docs/auth/guest/provider

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// Launchpad clusters, Open edX instances, their databases and buckets
backend.add(import('@internal/plugin-catalog-backend-module-launchpad'));
// Launchpad status API: instance and fleet status from watch caches, ArgoCD sync
backend.add(import('@internal/plugin-launchpad-backend'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// Launchpad's policy: platform team, instance owners, readers (src/permissions)
backend.add(permissionModuleLaunchpadPolicy);
// Static tokens get launchpad.* and scaffolder.* only as their accessRestrictions name them
backend.add(launchpadPermissionsServiceFactory);

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
