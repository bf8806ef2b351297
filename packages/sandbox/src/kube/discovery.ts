import { METRICS_GROUP } from './metrics';
import { RESOURCE_TYPES } from './resources';

/** Discovery documents: `/version`, `/api`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`. */
const VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

export const VERSION_INFO = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-launchpad-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function groupsOf() {
  const groups = new Map<string, Set<string>>();
  for (const type of RESOURCE_TYPES) {
    if (!type.group) continue;
    const versions = groups.get(type.group) ?? new Set<string>();
    versions.add(type.version);
    groups.set(type.group, versions);
  }
  return groups;
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      ...[...groupsOf()].map(([name, versions]) => {
        const entries = [...versions].map(version => ({
          groupVersion: `${name}/${version}`,
          version,
        }));
        return { name, versions: entries, preferredVersion: entries[0] };
      }),
      ...[METRICS_GROUP].map(name => {
        const entry = { groupVersion: `${name}/v1beta1`, version: 'v1beta1' };
        return { name, versions: [entry], preferredVersion: entry };
      }),
    ],
  };
}

/** `/apis/<group>`, or undefined for a group the sandbox does not serve. */
export function apiGroup(name: string) {
  const versions = groupsOf().get(name);
  if (!versions) return undefined;
  const entries = [...versions].map(v => ({
    groupVersion: `${name}/${v}`,
    version: v,
  }));
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name,
    versions: entries,
    preferredVersion: entries[0],
  };
}

export function resourceList(group: string, version: string) {
  const types = RESOURCE_TYPES.filter(
    r => r.group === group && r.version === version,
  );
  if (!types.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(type => [
      {
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: VERBS,
        ...(type.shortNames ? { shortNames: type.shortNames } : {}),
      },
      // Only the subresources the real API has: CRDs without `subresources.status` list none.
      ...(type.statusSubresource
        ? [
            {
              name: `${type.plural}/status`,
              singularName: '',
              namespaced: type.namespaced,
              kind: type.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
      ...(type.scale
        ? [
            {
              name: `${type.plural}/scale`,
              singularName: '',
              namespaced: type.namespaced,
              group: 'autoscaling',
              version: 'v1',
              kind: 'Scale',
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  };
}
