import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { Entity } from '@backstage/catalog-model';
import { InstanceOverviewCard } from './InstanceOverviewCard';
import { instanceEntity } from '../../testing/fixtures';

function render(entity: Entity) {
  return renderInTestApp(
    <EntityProvider entity={entity}>
      <InstanceOverviewCard />
    </EntityProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

/** The value cell next to a label in the details table. */
function valueOf(label: string): HTMLElement {
  const row = screen.getByText(label).closest('tr');
  if (!row) {
    throw new Error(`no row for ${label}`);
  }
  return row;
}

describe('InstanceOverviewCard', () => {
  it('shows where the instance runs and what it runs', async () => {
    await render(instanceEntity());

    expect(screen.getByText('Open edX instance')).toBeInTheDocument();
    const cluster = within(valueOf('Cluster')).getByRole('link');
    expect(cluster).toHaveAttribute(
      'href',
      '/catalog/staging/resource/staging',
    );
    expect(within(valueOf('Environment')).getByText('staging')).toBeVisible();
    expect(within(valueOf('Namespace')).getByText('demo')).toBeVisible();
    expect(
      within(valueOf('Open edX release')).getByText('release/teak.3 (teak)'),
    ).toBeVisible();
    expect(within(valueOf('Tutor version')).getByText('v20.0.5')).toBeVisible();
    expect(
      within(valueOf('Open edX image')).getByText(
        'ghcr.io/acme-edu/demo-openedx:teak-4f2a9c1',
      ),
    ).toBeVisible();
    expect(
      within(valueOf('MFE image')).getByText(
        'ghcr.io/acme-edu/demo-mfe:teak-4f2a9c1',
      ),
    ).toBeVisible();
    expect(within(valueOf('LMS')).getByRole('link')).toHaveAttribute(
      'href',
      'https://demo.staging.learn.acme.test',
    );
    expect(within(valueOf('Studio')).getByRole('link')).toHaveAttribute(
      'href',
      'https://studio.demo.staging.learn.acme.test',
    );
    expect(within(valueOf('Preview')).getByRole('link')).toHaveAttribute(
      'href',
      'https://preview.demo.staging.learn.acme.test',
    );
    expect(
      within(valueOf('ArgoCD application')).getByText('demo-staging'),
    ).toBeVisible();
    const folder = within(valueOf('Repository folder')).getByRole('link', {
      name: /^acme-edu\/launchpad-cluster-staging\/instances\/demo\b/,
    });
    expect(folder).toHaveAttribute(
      'href',
      // The folder URL the provider recorded as the entity's location.
      'https://github.com/acme-edu/launchpad-cluster-staging/tree/main/instances/demo',
    );
    expect(screen.queryByText(/Configuration error/)).not.toBeInTheDocument();
  });

  it('finds links by their type, never by their title', async () => {
    await render(
      instanceEntity({
        links: [
          // Titled like the LMS, but not the provider's LMS link.
          { url: 'https://untyped.demo.example', title: 'LMS' },
          {
            url: 'https://preview.demo.example',
            title: 'LMS',
            type: 'preview',
          },
          { url: 'https://demo.example', title: 'Learners', type: 'lms' },
        ],
      }),
    );
    expect(within(valueOf('LMS')).getByRole('link')).toHaveAttribute(
      'href',
      'https://demo.example',
    );
    expect(within(valueOf('Preview')).getByRole('link')).toHaveAttribute(
      'href',
      'https://preview.demo.example',
    );
    expect(screen.queryByText('Studio')).not.toBeInTheDocument();
  });

  it('links the repository folder the provider recorded as its location', async () => {
    await render(
      instanceEntity({
        annotations: {
          'backstage.io/managed-by-location':
            'url:https://github.example/acme-edu/launchpad-cluster-staging/tree/main/instances/demo',
        },
      }),
    );
    expect(
      within(valueOf('Repository folder')).getByRole('link'),
    ).toHaveAttribute(
      'href',
      'https://github.example/acme-edu/launchpad-cluster-staging/tree/main/instances/demo',
    );
  });

  it("prefers the catalog's view URL for the repository folder", async () => {
    await render(
      instanceEntity({
        annotations: {
          'backstage.io/managed-by-location':
            'url:https://github.example/acme-edu/launchpad-cluster-staging/tree/main/instances/demo',
          'backstage.io/view-url':
            'https://github.example/acme-edu/launchpad-cluster-staging/tree/main/instances/demo?view',
        },
      }),
    );
    expect(
      within(valueOf('Repository folder')).getByRole('link'),
    ).toHaveAttribute(
      'href',
      'https://github.example/acme-edu/launchpad-cluster-staging/tree/main/instances/demo?view',
    );
  });

  it('shows a configuration error and only the details it could read', async () => {
    const entity = instanceEntity({
      slug: 'broken',
      links: [],
      annotations: {
        'launchpad.openedx.org/config-error':
          'instances/broken/config.yml: bad indentation of a mapping entry (3:5)',
      },
    });
    // A malformed config.yml leaves the provider without these values.
    for (const key of [
      'launchpad.openedx.org/openedx-release',
      'launchpad.openedx.org/tutor-version',
      'launchpad.openedx.org/openedx-image',
      'launchpad.openedx.org/mfe-image',
    ]) {
      delete entity.metadata.annotations![key];
    }
    delete entity.metadata.labels!['launchpad.openedx.org/release'];
    await render(entity);

    expect(screen.getByText('Error: Configuration error')).toBeVisible();
    expect(
      screen.getByText(
        'instances/broken/config.yml: bad indentation of a mapping entry (3:5)',
      ),
    ).toBeVisible();
    expect(screen.getByText('instances/broken')).toBeVisible();
    expect(screen.queryByText('Open edX release')).not.toBeInTheDocument();
    expect(screen.queryByText('LMS')).not.toBeInTheDocument();
    // What it could read is still there.
    expect(within(valueOf('Cluster')).getByRole('link')).toHaveAttribute(
      'href',
      '/catalog/staging/resource/staging',
    );
  });
});
