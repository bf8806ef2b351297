import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { BackstageServicePrincipal } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  createPermission,
  type ConditionalPolicyDecision,
  type PermissionCriteria,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';
import {
  launchpadArgocdSyncPermission,
  launchpadBuildDispatchPermission,
  launchpadInstanceCreatePermission,
  launchpadInstanceDeletePermission,
  launchpadInstanceUpdatePermission,
  launchpadStatusReadPermission,
  launchpadWorkflowSubmitPermission,
} from '@internal/plugin-launchpad-common';
import { createLaunchpadActions } from '@internal/plugin-scaffolder-backend-module-launchpad';
import {
  LAUNCHPAD_ACTIONS,
  LaunchpadPermissionPolicy,
  readCreateGroups,
  ServicePrincipalRules,
} from './policy';

const PLATFORM = 'user:default/alice';
const OWNER = 'user:default/pat';
const OUTSIDER = 'user:default/olly';
const CREATOR = 'user:default/chris';
// Users of catalog/org.yaml, as the sandbox signs them in.
const GUEST = 'user:default/guest';
const PHYSICS_LEAD = 'user:default/physics-lead';
const VISITOR = 'user:default/visitor';

const GROUPS: Record<string, string[]> = {
  [PLATFORM]: ['group:default/platform-team'],
  [OWNER]: ['group:default/physics-dept'],
  [OUTSIDER]: ['group:default/marketing'],
  [CREATOR]: ['group:default/course-team'],
  [GUEST]: ['group:default/platform-team'],
  [PHYSICS_LEAD]: ['group:default/physics-dept'],
  [VISITOR]: [],
};

/** The user info service as the auth backend answers it: the user and its groups. */
const userInfo = mockServices.userInfo.mock({
  getUserInfo: async credentials => {
    const principal = credentials.principal as { userEntityRef?: string };
    const ref = principal.userEntityRef ?? '';
    return {
      userEntityRef: ref,
      ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])],
    };
  },
});

const policy = new LaunchpadPermissionPolicy(userInfo, {
  createGroups: { staging: ['group:default/course-team'] },
});
const asUser = (ref: string) => ({
  credentials: mockCredentials.user(ref),
  info: { userEntityRef: ref, ownershipEntityRefs: [] },
});
const decide = (
  permission: Parameters<LaunchpadPermissionPolicy['handle']>[0]['permission'],
  who?: string,
) => policy.handle({ permission }, who ? asUser(who) : undefined);

/**
 * Evaluates a scaffolder-action condition the way the scaffolder's
 * NunjucksWorkflowRunner does (its rules: HAS_ACTION_ID is the action id,
 * HAS_STRING_PROPERTY the input's value at `key`). The scaffolder does not
 * export its rules; the real evaluation runs in actions.test.ts.
 */
function allows(
  decision: PolicyDecision,
  action: string,
  input: Record<string, unknown> = {},
): boolean {
  if (decision.result !== AuthorizeResult.CONDITIONAL) {
    return decision.result === AuthorizeResult.ALLOW;
  }
  const evaluate = (c: PermissionCriteria<any>): boolean => {
    if ('anyOf' in c) return c.anyOf.some(evaluate);
    if ('allOf' in c) return c.allOf.every(evaluate);
    if ('not' in c) return !evaluate(c.not);
    if (c.rule === 'HAS_ACTION_ID') return c.params.actionId === action;
    if (c.rule === 'HAS_STRING_PROPERTY') {
      return input[c.params.key] === c.params.value;
    }
    throw new Error(`unknown rule ${c.rule}`);
  };
  return evaluate((decision as ConditionalPolicyDecision).conditions);
}

const CREATE_STEPS = [
  'launchpad:instance:create',
  'launchpad:instance:prepare',
  'launchpad:workflow:submit',
];

describe('LaunchpadPermissionPolicy', () => {
  const writes = [
    launchpadArgocdSyncPermission,
    launchpadInstanceUpdatePermission,
    launchpadBuildDispatchPermission,
    launchpadInstanceCreatePermission,
    launchpadInstanceDeletePermission,
    launchpadWorkflowSubmitPermission,
  ];

  it('lets the platform team do everything', async () => {
    for (const permission of [
      launchpadStatusReadPermission,
      actionExecutePermission,
      ...writes,
    ]) {
      expect(await decide(permission, PLATFORM)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('lets every signed-in user read status', async () => {
    for (const who of [OWNER, OUTSIDER, CREATOR, undefined]) {
      expect((await decide(launchpadStatusReadPermission, who)).result).toBe(
        AuthorizeResult.ALLOW,
      );
    }
  });

  it('lets an owner sync, update and rebuild only the instances its groups own', async () => {
    for (const permission of [
      launchpadArgocdSyncPermission,
      launchpadInstanceUpdatePermission,
      launchpadBuildDispatchPermission,
    ]) {
      for (const [who, claims] of [
        [OWNER, ['user:default/pat', 'group:default/physics-dept']],
        [OUTSIDER, ['user:default/olly', 'group:default/marketing']],
      ] as const) {
        expect(await decide(permission, who)).toEqual({
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'catalog',
          resourceType: 'catalog-entity',
          conditions: {
            rule: 'IS_ENTITY_OWNER',
            resourceType: 'catalog-entity',
            params: { claims },
          },
        });
      }
    }
  });

  it('keeps creating, deleting and workflow submission for the platform team and createGroups', async () => {
    for (const who of [OWNER, OUTSIDER, undefined]) {
      for (const permission of [
        launchpadInstanceCreatePermission,
        launchpadInstanceDeletePermission,
        launchpadWorkflowSubmitPermission,
      ]) {
        expect((await decide(permission, who)).result).toBe(
          AuthorizeResult.DENY,
        );
      }
    }
    // A createGroups member: create and submit (the cluster is held by the
    // action-execute condition below), never delete.
    expect(
      (await decide(launchpadInstanceCreatePermission, CREATOR)).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (await decide(launchpadWorkflowSubmitPermission, CREATOR)).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (await decide(launchpadInstanceDeletePermission, CREATOR)).result,
    ).toBe(AuthorizeResult.DENY);
  });

  describe('scaffolder.action.execute', () => {
    it('lets owners and outsiders start build, apply, sync and update (checked inside per instance) and non-Launchpad actions, not the create steps', async () => {
      for (const who of [OWNER, OUTSIDER]) {
        const decision = await decide(actionExecutePermission, who);
        expect(decision.result).toBe(AuthorizeResult.CONDITIONAL);
        for (const action of [
          'launchpad:picasso:build',
          'launchpad:argocd:apply',
          'launchpad:argocd:sync',
          'launchpad:instance:update',
          'launchpad:catalog:refresh',
          'fetch:template',
          'github:repo:create',
        ]) {
          expect(allows(decision, action, { cluster: 'staging' })).toBe(true);
        }
        for (const action of [...CREATE_STEPS, 'launchpad:instance:delete']) {
          expect(allows(decision, action, { cluster: 'staging' })).toBe(false);
        }
      }
    });

    it("lets a cluster's createGroups run the create steps with that cluster only", async () => {
      const decision = await decide(actionExecutePermission, CREATOR);
      for (const action of CREATE_STEPS) {
        expect(allows(decision, action, { cluster: 'staging' })).toBe(true);
        expect(allows(decision, action, { cluster: 'production' })).toBe(false);
        expect(allows(decision, action, {})).toBe(false);
      }
      expect(
        allows(decision, 'launchpad:instance:delete', { cluster: 'staging' }),
      ).toBe(false);
    });

    it('refuses anonymous callers', async () => {
      expect((await decide(actionExecutePermission)).result).toBe(
        AuthorizeResult.DENY,
      );
    });

    it('knows every action the Launchpad module registers', () => {
      // A new launchpad:* action must be classified in LAUNCHPAD_ACTIONS, or
      // the `not launchpad` condition would let everyone run it.
      const ids = createLaunchpadActions({
        clusters: {} as never,
        auditor: mockServices.auditor.mock(),
        permissions: mockServices.permissions(),
        auth: mockServices.auth(),
        catalog: {} as never,
        events: mockServices.events.mock(),
      }).map(a => a.id);
      expect(ids.length).toBeGreaterThan(5);
      for (const id of ids)
        expect(Object.keys(LAUNCHPAD_ACTIONS)).toContain(id);
    });
  });

  it("leaves Backstage's own permissions open, as before (catalog reads: see the templates below)", async () => {
    const catalogRead = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    });
    const locationCreate = createPermission({
      name: 'catalog.location.create',
      attributes: { action: 'create' },
    });
    const refresh = createPermission({
      name: 'catalog.entity.refresh',
      attributes: { action: 'update' },
    });
    expect((await decide(refresh, OUTSIDER)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    // Registering entities by hand is the platform team's.
    expect((await decide(locationCreate, OUTSIDER)).result).toBe(
      AuthorizeResult.DENY,
    );
    expect((await decide(locationCreate, PLATFORM)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    expect((await decide(catalogRead, PLATFORM)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    expect((await decide(catalogRead)).result).toBe(AuthorizeResult.ALLOW);
  });

  it('keeps catalog.entity.create, which the sidebar\'s "Register component" entry checks, for the platform team', async () => {
    // As @backstage/plugin-catalog-common/alpha's catalogEntityCreatePermission.
    const entityCreate = createPermission({
      name: 'catalog.entity.create',
      attributes: { action: 'create' },
    });
    for (const who of [PLATFORM, GUEST]) {
      expect(await decide(entityCreate, who)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
    // An instance owner's group (physics-dept owns staging/physics-101),
    // another group, no group at all, a cluster's createGroups member.
    for (const who of [PHYSICS_LEAD, OWNER, VISITOR, OUTSIDER, CREATOR]) {
      expect(await decide(entityCreate, who)).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });

  it('reads the platform teams and createGroups from config', async () => {
    const custom = new LaunchpadPermissionPolicy(userInfo, [
      'group:default/physics-dept',
    ]);
    expect(
      (
        await custom.handle(
          { permission: launchpadInstanceCreatePermission },
          asUser(OWNER),
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      readCreateGroups(
        new ConfigReader({
          launchpad: {
            clusters: [
              { name: 'staging', createGroups: ['group:default/course-team'] },
              { name: 'production' },
            ],
          },
        }),
      ),
    ).toEqual({ staging: ['group:default/course-team'] });
  });

  describe('templates a user may not run are hidden (catalog.entity.read)', () => {
    const entityRead = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    });
    const template = (name: string) => ({
      kind: 'Template',
      metadata: { name, namespace: 'default' },
    });
    /** The catalog's IS_ENTITY_KIND and HAS_METADATA rules, as the catalog applies them. */
    function sees(
      decision: PolicyDecision,
      entity: { kind: string; metadata: Record<string, string> },
    ): boolean {
      if (decision.result !== AuthorizeResult.CONDITIONAL) {
        return decision.result === AuthorizeResult.ALLOW;
      }
      const evaluate = (c: PermissionCriteria<any>): boolean => {
        if ('anyOf' in c) return c.anyOf.some(evaluate);
        if ('allOf' in c) return c.allOf.every(evaluate);
        if ('not' in c) return !evaluate(c.not);
        if (c.rule === 'IS_ENTITY_KIND')
          return c.params.kinds
            .map((k: string) => k.toLowerCase())
            .includes(entity.kind.toLowerCase());
        if (c.rule === 'HAS_METADATA')
          return entity.metadata[c.params.key] === c.params.value;
        throw new Error(`unexpected rule ${c.rule}`);
      };
      return evaluate(
        (decision as ConditionalPolicyDecision)
          .conditions as PermissionCriteria<any>,
      );
    }

    it('shows the platform team every template, others only those they may run', async () => {
      const platform = await decide(entityRead, PLATFORM);
      const outsider = await decide(entityRead, OUTSIDER);
      const creator = await decide(entityRead, CREATOR);
      for (const name of [
        'new-openedx-instance',
        'rebuild-images',
        'deprovision-instance',
      ]) {
        expect(sees(platform, template(name))).toBe(true);
      }
      expect(sees(outsider, template('rebuild-images'))).toBe(true);
      expect(sees(outsider, template('new-openedx-instance'))).toBe(false);
      expect(sees(outsider, template('deprovision-instance'))).toBe(false);
      // A cluster's createGroups member creates, but does not deprovision.
      expect(sees(creator, template('new-openedx-instance'))).toBe(true);
      expect(sees(creator, template('deprovision-instance'))).toBe(false);
      // Only templates: a component of that name stays visible.
      expect(
        sees(outsider, {
          kind: 'Component',
          metadata: { name: 'deprovision-instance', namespace: 'default' },
        }),
      ).toBe(true);
    });
  });
});

describe('ServicePrincipalRules', () => {
  const rules = ServicePrincipalRules.fromConfig(
    new ConfigReader({
      backend: {
        auth: {
          externalAccess: [
            {
              type: 'static',
              options: {
                token: 'x'.repeat(16),
                subject: 'launchpad-automation',
              },
              accessRestrictions: [
                {
                  plugin: 'scaffolder',
                  permission: [
                    'scaffolder.action.execute',
                    'launchpad.instance.create',
                    'launchpad.workflow.submit',
                  ],
                },
                { plugin: 'catalog' },
              ],
            },
            {
              type: 'static',
              options: { token: 'y'.repeat(16), subject: 'unrestricted-ci' },
            },
          ],
        },
      },
    }),
  );
  const principal = (subject: string) =>
    ({ type: 'service', subject } as BackstageServicePrincipal);
  const allow = { result: AuthorizeResult.ALLOW } as const;

  it('allows an automation token only the launchpad and scaffolder permissions its accessRestrictions name', () => {
    const automation = principal('launchpad-automation');
    for (const permission of [
      launchpadInstanceCreatePermission,
      launchpadWorkflowSubmitPermission,
    ]) {
      expect(rules.decide(automation, permission, allow, false)).toEqual(allow);
    }
    for (const permission of [
      launchpadBuildDispatchPermission,
      launchpadArgocdSyncPermission,
      launchpadInstanceDeletePermission,
    ]) {
      expect(rules.decide(automation, permission, allow, false).result).toBe(
        AuthorizeResult.DENY,
      );
    }
    // Backstage's own refusal stands.
    expect(
      rules.decide(
        automation,
        launchpadInstanceCreatePermission,
        { result: AuthorizeResult.DENY },
        false,
      ).result,
    ).toBe(AuthorizeResult.DENY);
  });

  it("narrows the token's scaffolder.action.execute to the Launchpad actions whose permission it names", () => {
    const decision = rules.decide(
      principal('launchpad-automation'),
      actionExecutePermission,
      allow,
      true,
    );
    for (const action of [...CREATE_STEPS, 'launchpad:catalog:refresh']) {
      expect(allows(decision, action)).toBe(true);
    }
    for (const action of [
      'launchpad:picasso:build',
      // launchpad.argocd.sync on the instance (its permission is not named)
      'launchpad:argocd:apply',
      'launchpad:argocd:sync',
      'launchpad:instance:delete',
    ]) {
      expect(allows(decision, action)).toBe(false);
    }
  });

  it('gives a token without accessRestrictions no launchpad or scaffolder permission, and leaves plugins and other permissions alone', () => {
    const ci = principal('unrestricted-ci');
    for (const permission of [
      launchpadStatusReadPermission,
      launchpadInstanceCreatePermission,
      actionExecutePermission,
    ]) {
      expect(rules.decide(ci, permission, allow, true).result).toBe(
        AuthorizeResult.DENY,
      );
    }
    const catalogRead = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
    });
    expect(rules.decide(ci, catalogRead, allow, false)).toEqual(allow);
    expect(
      rules.decide(
        principal('plugin:scaffolder'),
        launchpadInstanceCreatePermission,
        allow,
        false,
      ),
    ).toEqual(allow);
  });
});
