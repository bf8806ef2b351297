import { ReactElement } from 'react';
import type { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { InstanceStatusResponse } from '@internal/plugin-launchpad-common';
import { launchpadApiRef, type LaunchpadApi } from '../api';
import { instanceEntity } from '../testing/fixtures';
import {
  instanceStatus,
  type StatusFixtureOptions,
} from '../testing/statusFixtures';

/** A busy machine can take longer than the default to render. */
export const slow = { timeout: 10_000 };

export function fakeLaunchpadApi(
  overrides: Partial<LaunchpadApi> = {},
): jest.Mocked<LaunchpadApi> {
  return {
    getInstanceStatus: jest.fn(() => new Promise<never>(() => {})),
    getFleet: jest.fn(() => new Promise<never>(() => {})),
    getInstanceHistory: jest.fn(() => new Promise<never>(() => {})),
    syncInstance: jest.fn(async () => ({ application: 'demo-staging' })),
    refreshInstance: jest.fn(async () => ({ application: 'demo-staging' })),
    ...overrides,
  } as jest.Mocked<LaunchpadApi>;
}

/** An entity of the seed instance the status is for. */
export function entityFor(options: StatusFixtureOptions): Entity {
  return instanceEntity({
    cluster: options.cluster ?? 'staging',
    slug: options.slug ?? 'demo',
  });
}

export async function renderStatusCard(
  card: ReactElement,
  options: {
    status?: InstanceStatusResponse | Error;
    api?: jest.Mocked<LaunchpadApi>;
    entity?: Entity;
    allowed?: boolean;
  } = {},
) {
  const api =
    options.api ??
    fakeLaunchpadApi({
      getInstanceStatus: jest.fn(async () => {
        if (options.status instanceof Error) throw options.status;
        return options.status ?? instanceStatus();
      }),
    });
  const entity =
    options.entity ??
    (options.status && !(options.status instanceof Error)
      ? instanceEntity({
          cluster: options.status.cluster,
          slug: options.status.namespace,
        })
      : instanceEntity());
  await renderInTestApp(
    <EntityProvider entity={entity}>{card}</EntityProvider>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [
        [launchpadApiRef, api],
        mockApis.permission({
          authorize:
            options.allowed === false
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
        }),
      ],
    },
  );
  return { api, entity };
}
