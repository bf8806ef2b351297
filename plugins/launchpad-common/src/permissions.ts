import { createPermission } from '@backstage/plugin-permission-common';

/** The catalog's resource type: instance permissions are checked against the instance entity. */
export const LAUNCHPAD_RESOURCE_TYPE = 'catalog-entity';

/** Create a new instance (no entity exists yet: a basic permission). */
export const launchpadInstanceCreatePermission = createPermission({
  name: 'launchpad.instance.create',
  attributes: { action: 'create' },
});

/** Change an instance's config.yml (upgrade, settings). */
export const launchpadInstanceUpdatePermission = createPermission({
  name: 'launchpad.instance.update',
  attributes: { action: 'update' },
  resourceType: LAUNCHPAD_RESOURCE_TYPE,
});

/** Deprovision an instance (databases, bucket, folder). */
export const launchpadInstanceDeletePermission = createPermission({
  name: 'launchpad.instance.delete',
  attributes: { action: 'delete' },
  resourceType: LAUNCHPAD_RESOURCE_TYPE,
});

/** Dispatch a Picasso image build for an instance. */
export const launchpadBuildDispatchPermission = createPermission({
  name: 'launchpad.build.dispatch',
  attributes: { action: 'update' },
  resourceType: LAUNCHPAD_RESOURCE_TYPE,
});

/** Sync or refresh an instance's ArgoCD application. */
export const launchpadArgocdSyncPermission = createPermission({
  name: 'launchpad.argocd.sync',
  attributes: { action: 'update' },
  resourceType: LAUNCHPAD_RESOURCE_TYPE,
});

/**
 * Submit an Argo provisioning/deprovisioning workflow. Basic: workflows run
 * while an instance is being created, before its entity exists.
 */
export const launchpadWorkflowSubmitPermission = createPermission({
  name: 'launchpad.workflow.submit',
  attributes: { action: 'create' },
});

/** Read an instance's live status (ArgoCD, autoscaling, backups). */
export const launchpadStatusReadPermission = createPermission({
  name: 'launchpad.status.read',
  attributes: { action: 'read' },
  resourceType: LAUNCHPAD_RESOURCE_TYPE,
});

/**
 * List instances and their status (the fleet). Basic, so it can be an
 * actions-registry `visibilityPermission`; each instance is still checked
 * with `launchpad.status.read`.
 */
export const launchpadStatusListPermission = createPermission({
  name: 'launchpad.status.list',
  attributes: { action: 'read' },
});

/**
 * Upgrade a cluster's fleet in waves (`launchpad:fleet:upgrade`). Basic: it
 * names a cluster and a filter, not one instance; the platform team's.
 */
export const launchpadFleetUpgradePermission = createPermission({
  name: 'launchpad.fleet.upgrade',
  attributes: { action: 'update' },
});

/** Every Launchpad permission, for the permission framework's registry. */
export const launchpadPermissions = [
  launchpadInstanceCreatePermission,
  launchpadInstanceUpdatePermission,
  launchpadInstanceDeletePermission,
  launchpadBuildDispatchPermission,
  launchpadArgocdSyncPermission,
  launchpadWorkflowSubmitPermission,
  launchpadStatusReadPermission,
  launchpadStatusListPermission,
  launchpadFleetUpgradePermission,
];
