/*
 * Who may do what, as one table: every action the Launchpad scaffolder
 * module registers and every template in templates/, for every role —
 * the platform team, an instance's owner, an outsider, a cluster's
 * createGroups member, and the static tokens (with and without
 * accessRestrictions). A new action or template fails here until it has a
 * row, and a row fails when the policy decides otherwise.
 *
 * Decisions are evaluated the way the running backend does: users through
 * LaunchpadPermissionPolicy, service principals through
 * LaunchpadPermissionsService over Backstage's own ServerPermissionClient
 * (which decides them locally from their accessRestrictions); conditional
 * decisions are applied with the catalog's and the scaffolder's own rules.
 */
import fs from 'fs';
import path from 'path';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type {
  BackstageCredentials,
  BackstagePrincipalAccessRestrictions,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader, type JsonObject } from '@backstage/config';
import { permissionRules as catalogRules } from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  createPermission,
  isResourcePermission,
  type AuthorizePermissionRequest,
  type ConditionalPolicyDecision,
  type Permission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  ServerPermissionClient,
  type PermissionRule,
} from '@backstage/plugin-permission-node';
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';
import { launchpadPermissions } from '@internal/plugin-launchpad-common';
import { createLaunchpadActions } from '@internal/plugin-scaffolder-backend-module-launchpad';
import YAML from 'yaml';
import { LaunchpadPermissionsService } from './serviceFactory';
import {
  CREATE_TEMPLATES,
  LAUNCHPAD_ACTIONS,
  LaunchpadPermissionPolicy,
  PLATFORM_TEAM_TEMPLATES,
  ServicePrincipalRules,
} from './policy';

const ROOT = path.resolve(__dirname, '../../../..');

/**
 * The scaffolder's own action rules (HAS_ACTION_ID, HAS_STRING_PROPERTY, ...),
 * which NunjucksWorkflowRunner applies to `{ action, input }` before each
 * step. The package does not export them (only the condition factories), so
 * they are loaded from its dist file by path; a new scaffolder version that
 * moves the file fails here, loudly.
 */
const scaffolderActionRules: PermissionRule<unknown, unknown, string>[] =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(
    path.dirname(
      require.resolve('@backstage/plugin-scaffolder-backend/package.json'),
    ),
    'dist/service/rules.cjs.js',
  )).scaffolderActionRules;
const actionAuthorizer = createConditionAuthorizer(scaffolderActionRules);
const entityAuthorizer = createConditionAuthorizer(Object.values(catalogRules));

/** What a decision means for one resource (the permission backend's apply-conditions). */
function grants(decision: PolicyDecision, resource: unknown): boolean {
  if (decision.result !== AuthorizeResult.CONDITIONAL) {
    return decision.result === AuthorizeResult.ALLOW;
  }
  const conditional = decision as ConditionalPolicyDecision;
  return conditional.resourceType === 'catalog-entity'
    ? entityAuthorizer(conditional, resource as Entity)
    : actionAuthorizer(conditional, resource);
}

// ---------------------------------------------------------------- the roles

const GROUPS: Record<string, string[]> = {
  'user:default/alice': ['group:default/platform-team'],
  'user:default/pat': ['group:default/physics-dept'],
  'user:default/olly': ['group:default/marketing'],
  'user:default/chris': ['group:default/course-team'],
};
const userInfo = mockServices.userInfo.mock({
  getUserInfo: async credentials => {
    const ref = (credentials.principal as { userEntityRef: string })
      .userEntityRef;
    return {
      userEntityRef: ref,
      ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])],
    };
  },
});
const policy = new LaunchpadPermissionPolicy(userInfo, {
  createGroups: { staging: ['group:default/course-team'] },
});

/** The production static token's scaffolder restrictions, read from the shipped file. */
const productionConfig = new ConfigReader(
  YAML.parse(
    fs.readFileSync(path.join(ROOT, 'app-config.production.yaml'), 'utf8'),
  ),
);
const automationEntry = productionConfig
  .getConfigArray('backend.auth.externalAccess')
  .find(
    e => e.getOptionalString('options.subject') === 'launchpad-automation',
  )!;
const automationScaffolderNames = automationEntry
  .getConfigArray('accessRestrictions')
  .find(r => r.getString('plugin') === 'scaffolder')!
  .getStringArray('permission');

/**
 * The static tokens: production's automation token, and one configured
 * without accessRestrictions (Backstage lets such a token do anything; the
 * Launchpad rules give it no launchpad.* or scaffolder.* permission).
 */
const rules = ServicePrincipalRules.fromConfig(
  new ConfigReader({
    backend: {
      auth: {
        externalAccess: [
          automationEntry.get<JsonObject>(),
          {
            type: 'static',
            options: { token: 'y'.repeat(24), subject: 'unrestricted-ci' },
          },
        ],
      },
    },
  }),
);
/** Backstage's permissions service for service principals, with Launchpad's rules on top. */
const servicePermissions = new LaunchpadPermissionsService(
  ServerPermissionClient.fromConfig(
    new ConfigReader({ permission: { enabled: true } }),
    { auth: mockServices.auth(), discovery: mockServices.discovery() },
  ),
  rules,
);

/** `component:staging/physics-101`: the ref the actions check. */
const entityRef = (e: Entity) =>
  `${e.kind.toLocaleLowerCase('en-US')}:${e.metadata.namespace}/${
    e.metadata.name
  }`;

/** What the Create page's template list is filtered by. */
const entityRead = createPermission({
  name: 'catalog.entity.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

interface Role {
  /** Whether `scaffolder.action.execute` lets this role run the step. */
  mayStart(action: string, input: Record<string, unknown>): Promise<boolean>;
  /** Whether the check inside the action passes for this resource. */
  mayDo(permission: Permission, entity: Entity): Promise<boolean>;
  /** Whether the catalog shows this role the template. */
  sees(template: Entity): Promise<boolean>;
  /** The group an instance this role creates is owned by. */
  group: string;
}

function userRole(ref: string): Role {
  const user = {
    credentials: mockCredentials.user(ref),
    info: { userEntityRef: ref, ownershipEntityRefs: [] },
  };
  const decide = (permission: Permission) =>
    policy.handle({ permission } as never, user);
  return {
    group: GROUPS[ref][0],
    mayStart: async (action, input) =>
      grants(await decide(actionExecutePermission), { action, input }),
    mayDo: async (permission, entity) =>
      grants(await decide(permission), entity),
    sees: async template => grants(await decide(entityRead), template),
  };
}

/**
 * A static token as the backend sees it in one plugin: `accessRestrictions`
 * are the entry's restrictions for that plugin (backend-defaults
 * ExternalAuthTokenHandler), undefined where the plugin is listed without any.
 */
function serviceRole(
  subject: string,
  restrictions: (
    pluginId: string,
  ) => BackstagePrincipalAccessRestrictions | undefined,
): Role {
  const credentials = (pluginId: string): BackstageCredentials =>
    mockCredentials.service(subject, restrictions(pluginId));
  return {
    group: 'group:default/platform-team',
    mayStart: async (action, input) => {
      const [decision] = await servicePermissions.authorizeConditional(
        [{ permission: actionExecutePermission }],
        { credentials: credentials('scaffolder') },
      );
      return grants(decision as PolicyDecision, { action, input });
    },
    mayDo: async (permission, entity) => {
      const request: AuthorizePermissionRequest = isResourcePermission(
        permission,
      )
        ? { permission, resourceRef: entityRef(entity) }
        : { permission };
      const [decision] = await servicePermissions.authorize([request], {
        credentials: credentials('scaffolder'),
      });
      return decision.result === AuthorizeResult.ALLOW;
    },
    sees: async template => {
      const [decision] = await servicePermissions.authorizeConditional(
        [{ permission: entityRead }],
        { credentials: credentials('catalog') },
      );
      return grants(decision as PolicyDecision, template);
    },
  };
}

const ROLES = {
  platform: userRole('user:default/alice'),
  owner: userRole('user:default/pat'),
  outsider: userRole('user:default/olly'),
  createGroup: userRole('user:default/chris'),
  // The catalog is listed without restrictions for it (the scaffolder reads the template on its behalf).
  automation: serviceRole('launchpad-automation', pluginId =>
    pluginId === 'scaffolder'
      ? { permissionNames: automationScaffolderNames }
      : undefined,
  ),
  unrestrictedToken: serviceRole('unrestricted-ci', () => undefined),
} satisfies Record<string, Role>;
type RoleName = keyof typeof ROLES;
const ROLE_NAMES = Object.keys(ROLES) as RoleName[];

/** physics-101, owned by the owner's group (the relation isEntityOwner reads). */
const physics101: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'physics-101', namespace: 'staging' },
  spec: { type: 'openedx-instance', owner: 'group:default/physics-dept' },
  relations: [{ type: 'ownedBy', targetRef: 'group:default/physics-dept' }],
};
/** An instance the role creates on staging, owned by the role's group. */
const newInstance = (group: string): Entity => ({
  ...physics101,
  metadata: { name: 'new-201', namespace: 'staging' },
  spec: { type: 'openedx-instance', owner: group },
  relations: [{ type: 'ownedBy', targetRef: group }],
});

/** The permission each action checks inside, by name (launchpad-common's list). */
const PERMISSIONS = new Map<string, Permission>(
  launchpadPermissions.map(p => [p.name, p]),
);

/** Whether `role` may run `action` end to end: started by the scaffolder, allowed inside. */
async function mayRun(
  role: Role,
  action: string,
  entity: Entity,
): Promise<boolean> {
  const input = {
    cluster: entity.metadata.namespace,
    slug: entity.metadata.name,
  };
  if (!(await role.mayStart(action, input))) return false;
  const needs = LAUNCHPAD_ACTIONS[action];
  if (needs === undefined) return true;
  const permission = PERMISSIONS.get(needs);
  if (!permission) throw new Error(`${action} needs ${needs}, not exported`);
  return role.mayDo(permission, entity);
}

// -------------------------------------------------------------- the tables

/**
 * Who may run each action on physics-101 (the owner's instance, staging):
 * written out by hand, so a change in the policy shows up as a diff here.
 */
const ACTIONS: Record<string, RoleName[]> = {
  // Creating: the platform team, staging's createGroups, the automation token.
  'launchpad:instance:create': ['platform', 'createGroup', 'automation'],
  'launchpad:instance:prepare': ['platform', 'createGroup', 'automation'],
  'launchpad:workflow:submit': ['platform', 'createGroup', 'automation'],
  // Day two on one instance: the platform team and the instance's owner group
  // (a createGroups member: on the instances its group owns, as below).
  // apply checks launchpad.argocd.sync on the instance, as sync does.
  'launchpad:argocd:apply': ['platform', 'owner', 'automation'],
  'launchpad:picasso:build': ['platform', 'owner', 'automation'],
  'launchpad:argocd:sync': ['platform', 'owner', 'automation'],
  'launchpad:instance:update': ['platform', 'owner'],
  'launchpad:velero:backup': ['platform', 'owner'],
  'launchpad:instance:upgrade': ['platform', 'owner'],
  // Deprovisioning and fleet waves: the platform team only.
  'launchpad:instance:delete': ['platform'],
  'launchpad:fleet:upgrade': ['platform'],
  // Changes nothing (asks the catalog to re-read): any caller of the scaffolder.
  'launchpad:catalog:refresh': [
    'platform',
    'owner',
    'outsider',
    'createGroup',
    'automation',
  ],
};

/**
 * Per template: who sees it on the Create page (catalog.entity.read), and who
 * may run all of its steps (new-openedx-instance: an instance of their own
 * group on staging; the others: on physics-101). Static tokens read the
 * catalog as Backstage decides (the policy is not asked for service
 * principals, and the catalog is listed without restrictions for them): they
 * see every template, and a run is refused at the step.
 */
const TOKENS: RoleName[] = ['automation', 'unrestrictedToken'];
const TEMPLATES: Record<string, { sees: RoleName[]; runs: RoleName[] }> = {
  'new-openedx-instance': {
    sees: [...TOKENS, 'platform', 'createGroup'],
    runs: ['platform', 'createGroup', 'automation'],
  },
  'rebuild-images': {
    // Every user sees it: whether they may is decided per instance.
    sees: [...TOKENS, 'platform', 'owner', 'outsider', 'createGroup'],
    runs: ['platform', 'owner', 'automation'],
  },
  'upgrade-instance': {
    sees: [...TOKENS, 'platform', 'owner', 'outsider', 'createGroup'],
    runs: ['platform', 'owner'],
  },
  'deprovision-instance': {
    sees: [...TOKENS, 'platform'],
    runs: ['platform'],
  },
  'fleet-upgrade': {
    sees: [...TOKENS, 'platform'],
    runs: ['platform'],
  },
};

const registeredIds = createLaunchpadActions({
  clusters: {} as never,
  auditor: mockServices.auditor.mock(),
  permissions: mockServices.permissions(),
  auth: mockServices.auth(),
  catalog: {} as never,
  events: mockServices.events.mock(),
}).map(a => a.id);

const templateNames = fs
  .readdirSync(path.join(ROOT, 'templates'), { withFileTypes: true })
  .filter(d =>
    fs.existsSync(path.join(ROOT, 'templates', d.name, 'template.yaml')),
  )
  .map(d => d.name);

function readTemplate(name: string): Entity & {
  spec: { steps: Array<{ action: string }> };
} {
  return YAML.parse(
    fs.readFileSync(
      path.join(ROOT, 'templates', name, 'template.yaml'),
      'utf8',
    ),
  );
}

describe('who may do what: every Launchpad action, template and role', () => {
  it('has a row for exactly the actions the scaffolder module registers', () => {
    expect([...registeredIds].sort()).toEqual(
      Object.keys(LAUNCHPAD_ACTIONS).sort(),
    );
    expect([...registeredIds].sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  it('has a row for exactly the templates in templates/', () => {
    expect(templateNames.length).toBeGreaterThanOrEqual(3);
    expect([...templateNames].sort()).toEqual(Object.keys(TEMPLATES).sort());
    for (const name of templateNames) {
      expect(readTemplate(name).metadata.name).toBe(name);
    }
    // The policy's hidden lists name real templates only.
    for (const name of [...PLATFORM_TEAM_TEMPLATES, ...CREATE_TEMPLATES]) {
      expect(Object.keys(TEMPLATES)).toContain(name);
    }
  });

  const actionCases = registeredIds.flatMap(action =>
    ROLE_NAMES.map(role => ({
      action,
      role,
      may: (ACTIONS[action] ?? []).includes(role),
    })),
  );
  it.each(actionCases)(
    '$action: $role may run it on physics-101 → $may',
    async ({ action, role, may }) => {
      const target = ACTIONS[action]?.includes('createGroup')
        ? newInstance(ROLES[role].group)
        : physics101;
      expect(await mayRun(ROLES[role], action, target)).toBe(may);
    },
  );

  it.each(
    registeredIds.filter(
      id =>
        ACTIONS[id]?.includes('createGroup') && !ACTIONS[id]?.includes('owner'),
    ),
  )(
    "%s: staging's createGroups may not run it on another cluster",
    async action => {
      expect(
        await ROLES.createGroup.mayStart(action, {
          cluster: 'production',
          slug: 'new-201',
        }),
      ).toBe(false);
      expect(await ROLES.createGroup.mayStart(action, {})).toBe(false);
    },
  );

  it.each([
    'launchpad:picasso:build',
    'launchpad:argocd:apply',
    'launchpad:instance:update',
  ])(
    '%s: the owner may not run it on an instance another group owns',
    async action => {
      expect(
        await mayRun(ROLES.owner, action, newInstance('group:default/x')),
      ).toBe(false);
    },
  );

  it.each([
    'launchpad:argocd:apply',
    'launchpad:picasso:build',
    'launchpad:argocd:sync',
  ])(
    "%s: staging's createGroups member may run it on the instance its group owns, not on another group's",
    async action => {
      const creator = ROLES.createGroup;
      expect(await mayRun(creator, action, newInstance(creator.group))).toBe(
        true,
      );
      expect(
        await mayRun(creator, action, newInstance('group:default/x')),
      ).toBe(false);
    },
  );

  const templateCases = templateNames.flatMap(name =>
    ROLE_NAMES.map(role => ({
      name,
      role,
      sees: (TEMPLATES[name]?.sees ?? []).includes(role),
      runs: (TEMPLATES[name]?.runs ?? []).includes(role),
    })),
  );
  it.each(templateCases)(
    '$name: $role sees it → $sees, may run every step → $runs',
    async ({ name, role, sees, runs }) => {
      const template = readTemplate(name);
      const who = ROLES[role];
      expect(await who.sees(template)).toBe(sees);
      const target =
        name === 'new-openedx-instance' ? newInstance(who.group) : physics101;
      const steps = template.spec.steps.map(s => s.action);
      expect(steps.length).toBeGreaterThan(0);
      const results = await Promise.all(
        steps.map(async action => ({
          action,
          may: await mayRun(who, action, target),
        })),
      );
      expect(results.every(r => r.may)).toBe(runs);
      // A template the role may run is never hidden from it.
      expect({ runs, hidden: !sees }).not.toEqual({ runs: true, hidden: true });
    },
  );

  it('hides only templates, never an entity of the same name', async () => {
    const component = {
      ...physics101,
      metadata: { name: 'deprovision-instance', namespace: 'default' },
    };
    expect(await ROLES.outsider.sees(component)).toBe(true);
  });
});
