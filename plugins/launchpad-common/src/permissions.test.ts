import { isResourcePermission } from '@backstage/plugin-permission-common';
import { launchpadPermissions } from './permissions';

describe('launchpadPermissions', () => {
  it('has unique launchpad.* names', () => {
    const names = launchpadPermissions.map(p => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names)
      expect(name).toMatch(/^launchpad\.[a-z]+\.[a-z]+$/);
  });

  it('checks instance-scoped actions against catalog entities', () => {
    const byName = Object.fromEntries(
      launchpadPermissions.map(p => [p.name, p]),
    );
    expect(
      isResourcePermission(
        byName['launchpad.instance.delete'],
        'catalog-entity',
      ),
    ).toBe(true);
    expect(
      isResourcePermission(byName['launchpad.argocd.sync'], 'catalog-entity'),
    ).toBe(true);
    expect(isResourcePermission(byName['launchpad.instance.create'])).toBe(
      false,
    );
    // A fleet upgrade names a cluster and a filter, not one instance.
    expect(isResourcePermission(byName['launchpad.fleet.upgrade'])).toBe(false);
  });
});
