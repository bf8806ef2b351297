import type {
  BackstageServicePrincipal,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isResourcePermission,
  type Permission,
  type PermissionCondition,
  type PermissionCriteria,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  createScaffolderActionConditionalDecision,
  scaffolderActionConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import { RESOURCE_TYPE_SCAFFOLDER_ACTION } from '@backstage/plugin-scaffolder-common/alpha';
import {
  LAUNCHPAD_RESOURCE_TYPE,
  launchpadArgocdSyncPermission,
  launchpadBuildDispatchPermission,
  launchpadFleetUpgradePermission,
  launchpadInstanceCreatePermission,
  launchpadInstanceDeletePermission,
  launchpadInstanceUpdatePermission,
  launchpadWorkflowSubmitPermission,
} from '@internal/plugin-launchpad-common';

/** Where the policy reads who the platform team is (`launchpad.permissions.platformTeams`). */
export const DEFAULT_PLATFORM_TEAMS = ['group:default/platform-team'];

/** What an instance's owner group may do to its own instances. */
const OWNER_PERMISSIONS = new Set([
  launchpadArgocdSyncPermission.name,
  launchpadInstanceUpdatePermission.name,
  launchpadBuildDispatchPermission.name,
]);

/** What creating an instance takes: the platform team's, or a cluster's createGroups'. */
const CREATE_PERMISSIONS = new Set([
  launchpadInstanceCreatePermission.name,
  launchpadWorkflowSubmitPermission.name,
]);

/**
 * Every Launchpad scaffolder action and the `launchpad.*` permission the
 * action checks inside (`undefined`: it changes nothing and checks nothing).
 * The scaffolder's `scaffolder.action.execute` conditions are built from this
 * table; policy.test.ts fails when the module registers an action missing here.
 */
export const LAUNCHPAD_ACTIONS: Record<string, string | undefined> = {
  'launchpad:instance:create': launchpadInstanceCreatePermission.name,
  'launchpad:instance:prepare': launchpadInstanceCreatePermission.name,
  'launchpad:workflow:submit': launchpadWorkflowSubmitPermission.name,
  // The repository's application.yml: applying it deploys what the
  // repository says, as a sync does (argocdApply.ts), so owners apply theirs.
  'launchpad:argocd:apply': launchpadArgocdSyncPermission.name,
  'launchpad:picasso:build': launchpadBuildDispatchPermission.name,
  'launchpad:argocd:sync': launchpadArgocdSyncPermission.name,
  'launchpad:instance:update': launchpadInstanceUpdatePermission.name,
  'launchpad:instance:delete': launchpadInstanceDeletePermission.name,
  'launchpad:velero:backup': launchpadInstanceUpdatePermission.name,
  'launchpad:instance:upgrade': launchpadInstanceUpdatePermission.name,
  'launchpad:catalog:refresh': undefined,
  // The platform team's only: in neither OWNER_PERMISSIONS nor
  // CREATE_PERMISSIONS, so nobody else runs the action or holds the permission.
  'launchpad:fleet:upgrade': launchpadFleetUpgradePermission.name,
};

/** The create-side actions: a cluster's createGroups may run them with that cluster as input. */
const CREATE_ACTIONS = Object.keys(LAUNCHPAD_ACTIONS).filter(id =>
  CREATE_PERMISSIONS.has(LAUNCHPAD_ACTIONS[id] ?? ''),
);

/** The actions any signed-in user may start: the in-action check then decides per instance. */
const OWNER_ACTIONS = Object.keys(LAUNCHPAD_ACTIONS).filter(
  id =>
    LAUNCHPAD_ACTIONS[id] === undefined ||
    OWNER_PERMISSIONS.has(LAUNCHPAD_ACTIONS[id] ?? ''),
);

type ActionCriteria = PermissionCriteria<
  PermissionCondition<typeof RESOURCE_TYPE_SCAFFOLDER_ACTION>
>;

const hasActionId = (actionId: string): ActionCriteria =>
  scaffolderActionConditions.hasActionId({ actionId });

/** `anyOf` over a list the tables guarantee is not empty. */
function anyOf(criteria: ActionCriteria[]): ActionCriteria {
  const [first, ...rest] = criteria;
  if (!first) throw new Error('anyOf needs at least one criterion');
  return { anyOf: [first, ...rest] };
}

/** Actions that are not Launchpad's (Backstage's own, other modules'): as before the policy. */
const notLaunchpadAction: ActionCriteria = {
  not: anyOf(Object.keys(LAUNCHPAD_ACTIONS).map(hasActionId)),
};

/**
 * Templates hidden (a `catalog.entity.read` condition) from users who may not
 * run them, so the Create page offers only what works: deprovisioning and
 * fleet waves are the platform team's; creating is also a cluster's
 * createGroups'. Everyone else's templates (rebuild-images: owners rebuild
 * their own instances) stay visible.
 */
export const PLATFORM_TEAM_TEMPLATES = [
  'deprovision-instance',
  'fleet-upgrade',
];
export const CREATE_TEMPLATES = ['new-openedx-instance'];

/**
 * Registering entities by hand (the "Register existing component" page):
 * the platform team's. Launchpad's entities come from the cluster
 * repositories, and a stray location would put unmanaged ones beside them.
 */
const REGISTER_PERMISSIONS = new Set([
  'catalog.entity.create',
  'catalog.location.create',
]);

type EntityCriteria = PermissionCriteria<PermissionCondition<'catalog-entity'>>;

function templatesNamed(names: string[]): EntityCriteria {
  const [first, ...rest] = names.map(
    (name): EntityCriteria => ({
      allOf: [
        catalogConditions.isEntityKind({ kinds: ['template'] }),
        catalogConditions.hasMetadata({ key: 'name', value: name }),
      ],
    }),
  );
  return { anyOf: [first, ...rest] };
}

/** `launchpad.clusters[].createGroups`, by cluster name. */
export function readCreateGroups(config: Config): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const cluster of config.getOptionalConfigArray('launchpad.clusters') ??
    []) {
    const groups = cluster.getOptionalStringArray('createGroups');
    if (groups?.length) result[cluster.getString('name')] = groups;
  }
  return result;
}

export interface LaunchpadPolicyOptions {
  /** Groups whose members may do everything (`launchpad.permissions.platformTeams`). */
  platformTeams?: string[];
  /** Per cluster name, the groups whose members may create instances there. */
  createGroups?: Record<string, string[]>;
}

/**
 * Launchpad Portal's permission policy, for signed-in users (the permission
 * backend asks it for user and anonymous requests only; service principals
 * are decided by {@link ServicePrincipalRules}):
 * - the platform team (members of `launchpad.permissions.platformTeams`) may
 *   do everything;
 * - every signed-in user may read (`launchpad.*` permissions whose action
 *   attribute is `read`: instance and fleet status);
 * - an instance's owner group may sync, update and rebuild its own instances
 *   (a catalog `isEntityOwner` condition on the instance entity);
 * - creating instances (`launchpad.instance.create`, `launchpad.workflow.submit`)
 *   is the platform team's, and the members of a cluster's
 *   `launchpad.clusters[].createGroups`' (see {@link scaffolderActionDecision}
 *   for how the cluster is enforced); deleting is the platform team's;
 * - `scaffolder.action.execute`: the platform team runs every action; others
 *   run non-Launchpad actions as before, the owner actions (build, apply,
 *   sync: the check inside the action decides per instance), and the create actions
 *   only with a cluster whose createGroups include one of their groups;
 * - Backstage's other permissions (catalog, scaffolder templates and tasks, ...)
 *   stay allowed.
 */
export class LaunchpadPermissionPolicy implements PermissionPolicy {
  private readonly platformTeams: string[];
  private readonly createGroups: Record<string, string[]>;

  constructor(
    private readonly userInfo: UserInfoService,
    options: LaunchpadPolicyOptions | string[] = {},
  ) {
    // An array: the platform teams (the constructor's former signature).
    const opts = Array.isArray(options) ? { platformTeams: options } : options;
    this.platformTeams = opts.platformTeams ?? DEFAULT_PLATFORM_TEAMS;
    this.createGroups = opts.createGroups ?? {};
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const isActionExecute = isResourcePermission(
      permission,
      RESOURCE_TYPE_SCAFFOLDER_ACTION,
    );
    if (
      user &&
      permission.name === 'catalog.entity.read' &&
      isResourcePermission(permission, 'catalog-entity')
    ) {
      return this.entityRead(permission, user);
    }
    if (user && REGISTER_PERMISSIONS.has(permission.name)) {
      return (await this.isPlatformTeam(user))
        ? { result: AuthorizeResult.ALLOW }
        : { result: AuthorizeResult.DENY };
    }
    if (!permission.name.startsWith('launchpad.') && !isActionExecute) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!isActionExecute && permission.attributes.action === 'read') {
      return { result: AuthorizeResult.ALLOW };
    }
    // No user: an anonymous request (the permission backend answers service
    // principals without asking the policy). It changes nothing.
    if (!user) return { result: AuthorizeResult.DENY };

    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    if (ownershipEntityRefs.some(ref => this.platformTeams.includes(ref))) {
      return { result: AuthorizeResult.ALLOW };
    }
    const creatableClusters = Object.entries(this.createGroups)
      .filter(([, groups]) => groups.some(g => ownershipEntityRefs.includes(g)))
      .map(([cluster]) => cluster);

    if (isResourcePermission(permission, RESOURCE_TYPE_SCAFFOLDER_ACTION)) {
      return createScaffolderActionConditionalDecision(
        permission,
        anyOf([
          notLaunchpadAction,
          ...OWNER_ACTIONS.map(hasActionId),
          ...creatableClusters.map(
            (cluster): ActionCriteria => ({
              allOf: [
                anyOf(CREATE_ACTIONS.map(hasActionId)),
                scaffolderActionConditions.hasStringProperty({
                  key: 'cluster',
                  value: cluster,
                }),
              ],
            }),
          ),
        ]),
      );
    }
    if (
      OWNER_PERMISSIONS.has(permission.name) &&
      isResourcePermission(permission, LAUNCHPAD_RESOURCE_TYPE)
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
      );
    }
    // launchpad.instance.create and launchpad.workflow.submit are basic
    // permissions, and the permission backend rejects a resourceRef on a basic
    // permission (plugin-permission-backend's /authorize schema), so the
    // policy cannot see the cluster here: a member of any cluster's
    // createGroups is allowed, and the cluster is held by the
    // scaffolder.action.execute condition above, which reads the action's
    // `cluster` input before the action runs.
    if (CREATE_PERMISSIONS.has(permission.name) && creatableClusters.length) {
      return { result: AuthorizeResult.ALLOW };
    }
    return { result: AuthorizeResult.DENY };
  }

  private async isPlatformTeam(user: PolicyQueryUser): Promise<boolean> {
    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    return ownershipEntityRefs.some(ref => this.platformTeams.includes(ref));
  }

  /** Every entity, except the templates the user may not run. */
  private async entityRead(
    permission: Parameters<typeof createCatalogConditionalDecision>[0],
    user: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    if (ownershipEntityRefs.some(ref => this.platformTeams.includes(ref))) {
      return { result: AuthorizeResult.ALLOW };
    }
    const mayCreate = Object.values(this.createGroups).some(groups =>
      groups.some(g => ownershipEntityRefs.includes(g)),
    );
    const hidden = [
      ...PLATFORM_TEAM_TEMPLATES,
      ...(mayCreate ? [] : CREATE_TEMPLATES),
    ];
    return createCatalogConditionalDecision(permission, {
      not: templatesNamed(hidden),
    });
  }
}

/**
 * Service principals: automation with a static token
 * (`backend.auth.externalAccess`), and backend plugins calling each other.
 *
 * How Backstage 1.55 treats them (read from the released packages):
 * - backend-defaults `ExternalAuthTokenHandler.verifyToken`: a token whose
 *   entry has `accessRestrictions` is refused (NotAllowedError) by every
 *   plugin not listed there, and the principal carries the listed plugin's
 *   `{ permissionNames, permissionAttributes }`;
 * - plugin-permission-node `ServerPermissionClient` (the default
 *   `coreServices.permissions`): a service principal is decided locally and
 *   the policy is never asked — DENY when `permissionNames` is set and does
 *   not name the permission, or `permissionAttribute.action` does not match,
 *   ALLOW otherwise, so a token without accessRestrictions may do anything;
 * - backend-defaults `DefaultAuthService.getPluginRequestToken`: a restricted
 *   principal may call another plugin on its own behalf only when that
 *   plugin is listed *without* permission restrictions ("cannot be
 *   delegated"); the scaffolder reads the template from the catalog that
 *   way, so `catalog` must be listed without restrictions;
 * - plugin-scaffolder-backend router: `POST /v2/tasks` stores the caller's
 *   credentials as JSON in the task's secrets (`__initiatorCredentials`), and
 *   `ctx.getInitiatorCredentials()` parses them back: the principal (type,
 *   subject, accessRestrictions) survives, the non-enumerable
 *   `allAccessRestrictions` does not — so inside a task such a principal can
 *   be checked against its scaffolder restrictions but cannot call another
 *   plugin on its own behalf (getPluginRequestToken finds no restrictions for
 *   the target and refuses).
 *
 * These rules (read from config once) close the "no restrictions: anything"
 * gap for the `launchpad.*` and `scaffolder.*` permissions: an external
 * principal (any subject but `plugin:<id>`) gets one of them only when its
 * externalAccess entry's accessRestrictions name it; and its
 * `scaffolder.action.execute` becomes a condition that lets it run a
 * Launchpad action only when the permission that action checks is named too.
 * They apply on top of Backstage's own decision (launchpadPermissionsServiceFactory).
 */
export class ServicePrincipalRules {
  static fromConfig(config: Config): ServicePrincipalRules {
    const named = new Map<string, Set<string>>();
    for (const entry of config.getOptionalConfigArray(
      'backend.auth.externalAccess',
    ) ?? []) {
      const subject = entry.getOptionalString('options.subject');
      if (!subject) continue;
      const names = new Set<string>(named.get(subject));
      for (const restriction of entry.getOptionalConfigArray(
        'accessRestrictions',
      ) ?? []) {
        if (!restriction.has('permission')) continue;
        const value = restriction.get('permission');
        const list = Array.isArray(value)
          ? restriction.getStringArray('permission')
          : [restriction.getString('permission')];
        // Backstage accepts a list, or names separated by spaces or commas.
        for (const n of list.flatMap(v => v.split(/[ ,]/)).filter(Boolean)) {
          names.add(n);
        }
      }
      named.set(subject, names);
    }
    return new ServicePrincipalRules(named);
  }

  constructor(private readonly named: Map<string, Set<string>>) {}

  /** Whether these rules decide for this principal (external, not a plugin). */
  applies(principal: BackstageServicePrincipal): boolean {
    return !principal.subject.startsWith('plugin:');
  }

  /**
   * The decision for an external principal, given Backstage's own decision
   * (`granted`): a `launchpad.*`/`scaffolder.*` permission needs both.
   */
  decide(
    principal: BackstageServicePrincipal,
    permission: Permission,
    granted: PolicyDecision,
    conditional: boolean,
  ): PolicyDecision {
    const isLaunchpadOrScaffolder =
      permission.name.startsWith('launchpad.') ||
      permission.name.startsWith('scaffolder.');
    if (!this.applies(principal) || !isLaunchpadOrScaffolder) return granted;
    if (granted.result !== AuthorizeResult.ALLOW) return granted;
    const named = this.named.get(principal.subject) ?? new Set<string>();
    if (!named.has(permission.name)) return { result: AuthorizeResult.DENY };
    if (
      conditional &&
      isResourcePermission(permission, RESOURCE_TYPE_SCAFFOLDER_ACTION)
    ) {
      const allowed = Object.entries(LAUNCHPAD_ACTIONS)
        .filter(([, needs]) => needs === undefined || named.has(needs))
        .map(([id]) => hasActionId(id));
      return createScaffolderActionConditionalDecision(
        permission,
        anyOf([notLaunchpadAction, ...allowed]),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}
