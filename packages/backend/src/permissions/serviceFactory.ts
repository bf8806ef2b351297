import {
  coreServices,
  createServiceFactory,
  type BackstageCredentials,
  type BackstageServicePrincipal,
  type PermissionsService,
  type PermissionsServiceRequestOptions,
} from '@backstage/backend-plugin-api';
import type {
  AuthorizePermissionRequest,
  AuthorizePermissionResponse,
  PolicyDecision,
  QueryPermissionRequest,
  QueryPermissionResponse,
} from '@backstage/plugin-permission-common';
import { ServerPermissionClient } from '@backstage/plugin-permission-node';
import { ServicePrincipalRules } from './policy';

function servicePrincipal(
  options?: PermissionsServiceRequestOptions,
): BackstageServicePrincipal | undefined {
  const credentials = (options as { credentials?: BackstageCredentials })
    ?.credentials;
  const principal = credentials?.principal as
    | { type?: string; subject?: string }
    | undefined;
  return principal?.type === 'service' && typeof principal.subject === 'string'
    ? (principal as BackstageServicePrincipal)
    : undefined;
}

/**
 * Backstage's permissions service (ServerPermissionClient: users go to the
 * permission backend's policy, service principals are decided from their
 * accessRestrictions) with {@link ServicePrincipalRules} applied on top for
 * external service principals. Everything else is Backstage's decision.
 */
export class LaunchpadPermissionsService implements PermissionsService {
  constructor(
    private readonly inner: PermissionsService,
    private readonly rules: ServicePrincipalRules,
  ) {}

  async authorize(
    requests: AuthorizePermissionRequest[],
    options?: PermissionsServiceRequestOptions,
  ): Promise<AuthorizePermissionResponse[]> {
    const decisions = await this.inner.authorize(
      requests,
      options as PermissionsServiceRequestOptions,
    );
    const principal = servicePrincipal(options);
    if (!principal || !this.rules.applies(principal)) return decisions;
    return decisions.map(
      (decision, i) =>
        this.rules.decide(
          principal,
          requests[i].permission,
          decision,
          false,
        ) as AuthorizePermissionResponse,
    );
  }

  async authorizeConditional(
    queries: QueryPermissionRequest[],
    options?: PermissionsServiceRequestOptions,
  ): Promise<QueryPermissionResponse[]> {
    const decisions = await this.inner.authorizeConditional(
      queries,
      options as PermissionsServiceRequestOptions,
    );
    const principal = servicePrincipal(options);
    if (!principal || !this.rules.applies(principal)) return decisions;
    return decisions.map(
      (decision, i) =>
        this.rules.decide(
          principal,
          queries[i].permission,
          decision as PolicyDecision,
          true,
        ) as QueryPermissionResponse,
    );
  }
}

/**
 * Replaces the default `coreServices.permissions` factory (backend-defaults'
 * permissionsServiceFactory, the same ServerPermissionClient) so that every
 * plugin's permission checks for external service principals follow
 * {@link ServicePrincipalRules}, read from config once per plugin.
 */
export const launchpadPermissionsServiceFactory = createServiceFactory({
  service: coreServices.permissions,
  deps: {
    auth: coreServices.auth,
    config: coreServices.rootConfig,
    discovery: coreServices.discovery,
  },
  async factory({ auth, config, discovery }) {
    return new LaunchpadPermissionsService(
      ServerPermissionClient.fromConfig(config, { auth, discovery }),
      ServicePrincipalRules.fromConfig(config),
    );
  },
});
