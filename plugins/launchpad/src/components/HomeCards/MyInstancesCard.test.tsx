import { screen, within } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { clusterEntity, instanceEntity } from '../../testing/fixtures';
import { slow } from '../../__testUtils__/statusTestUtils';
import {
  MY_INSTANCES_CATALOG_PATH,
  MY_INSTANCES_LIMIT,
  MyInstancesCard,
} from './MyInstancesCard';

const mountedRoutes = { '/catalog/:namespace/:kind/:name': entityRouteRef };

// catalog/org.yaml's physics department lead.
const LEAD = 'user:default/physics-lead';
const PHYSICS = 'group:default/physics-dept';

/** The entity with the ownedBy relation the catalog adds from spec.owner. */
function owned(entity: Entity): Entity {
  const owner = stringifyEntityRef(
    parseEntityRef(String(entity.spec?.owner), { defaultKind: 'group' }),
  );
  return { ...entity, relations: [{ type: 'ownedBy', targetRef: owner }] };
}

/** A catalog that answers queryEntities from `entities`, filters applied. */
function catalogOf(entities: Entity[]) {
  const catalogApi = catalogApiMock({ entities: entities.map(owned) });
  jest.spyOn(catalogApi, 'queryEntities');
  return catalogApi;
}

function render(
  catalogApi: ReturnType<typeof catalogApiMock>,
  ownershipEntityRefs = [LEAD, PHYSICS],
) {
  return renderInTestApp(<MyInstancesCard />, {
    mountedRoutes,
    apis: [
      catalogApi,
      mockApis.identity({ userEntityRef: LEAD, ownershipEntityRefs }),
    ],
  });
}

describe('MyInstancesCard', () => {
  it("lists the instances owned by the user or the user's groups, no others", async () => {
    const catalogApi = catalogOf([
      clusterEntity('staging'),
      instanceEntity({
        slug: 'physics-101',
        title: 'Physics 101',
        release: 'sumac',
        owner: PHYSICS,
      }),
      instanceEntity({
        cluster: 'production',
        slug: 'lab',
        title: 'Physics Lab',
        owner: LEAD,
      }),
      // Another group's instance, and the group's component of another type.
      instanceEntity({ slug: 'demo', title: 'Acme Demo' }),
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'physics-site', namespace: 'staging' },
        spec: { type: 'website', owner: PHYSICS, lifecycle: 'production' },
      },
    ]);
    await render(catalogApi);

    expect(
      await screen.findByText('Your instances (2)', {}, slow),
    ).toBeInTheDocument();
    const physics = screen.getByRole('link', { name: 'Physics 101' });
    expect(physics).toHaveAttribute(
      'href',
      '/catalog/staging/component/physics-101',
    );
    const row = physics.closest('tr')!;
    expect(within(row).getByText('staging')).toBeInTheDocument();
    expect(within(row).getByText('sumac')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Physics Lab' })).toHaveAttribute(
      'href',
      '/catalog/production/component/lab',
    );
    expect(screen.queryByText('Acme Demo')).not.toBeInTheDocument();
    expect(screen.queryByText('physics-site')).not.toBeInTheDocument();
    // All of them shown: no link to the full list.
    expect(screen.queryByRole('link', { name: /^All / })).toBeNull();

    // The catalog is asked for the user's ownership refs' instances, one page.
    expect(catalogApi.queryEntities).toHaveBeenCalledTimes(1);
    expect(catalogApi.queryEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: {
          kind: 'component',
          'spec.type': 'openedx-instance',
          'relations.ownedBy': [LEAD, PHYSICS],
        },
        limit: MY_INSTANCES_LIMIT,
      }),
    );
  });

  it('shows the empty state when nothing is owned by the user or their groups', async () => {
    const catalogApi = catalogOf([
      instanceEntity({ slug: 'demo', title: 'Acme Demo' }),
    ]);
    await render(catalogApi);
    expect(
      await screen.findByText('You own no Open edX instance yet', {}, slow),
    ).toBeInTheDocument();
    expect(screen.queryByText('Acme Demo')).not.toBeInTheDocument();
  });

  it('asks the catalog nothing for an identity without ownership refs', async () => {
    const catalogApi = catalogOf([
      instanceEntity({ slug: 'demo', title: 'Acme Demo' }),
    ]);
    await render(catalogApi, []);
    expect(
      await screen.findByText('You own no Open edX instance yet', {}, slow),
    ).toBeInTheDocument();
    expect(catalogApi.queryEntities).not.toHaveBeenCalled();
  });

  it('shows the first instances by name and links to all of them in the catalog', async () => {
    const total = MY_INSTANCES_LIMIT + 2;
    const slugs = Array.from(
      { length: total },
      (_, i) => `course-${String(i).padStart(2, '0')}`,
    );
    const catalogApi = catalogOf(
      [...slugs]
        .reverse()
        .map(slug => instanceEntity({ slug, title: slug, owner: PHYSICS })),
    );
    await render(catalogApi);

    expect(
      await screen.findByText(`Your instances (${total})`, {}, slow),
    ).toBeInTheDocument();
    for (const slug of slugs.slice(0, MY_INSTANCES_LIMIT)) {
      expect(screen.getByRole('link', { name: slug })).toBeInTheDocument();
    }
    for (const slug of slugs.slice(MY_INSTANCES_LIMIT)) {
      expect(screen.queryByRole('link', { name: slug })).toBeNull();
    }
    expect(screen.getByRole('link', { name: `All ${total}` })).toHaveAttribute(
      'href',
      MY_INSTANCES_CATALOG_PATH,
    );
  });
});
