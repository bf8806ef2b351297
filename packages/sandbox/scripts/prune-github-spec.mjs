#!/usr/bin/env node
// Prunes GitHub's published OpenAPI description down to the operations the
// sandbox's GitHub API serves, plus every component they reference, and writes
// spec/github-api.pruned.json (committed; the sandbox validates requests, and
// tests validate responses, against it).
//
// Source: @octokit/openapi@23.0.1 (generated/api.github.com.json, OpenAPI
// 3.0.3). 23.0.1 is the spec version behind @octokit/openapi-types 29.0.1,
// the types @octokit/rest 22 is built from, so client and sandbox agree.
// The package is 385 MB unpacked, so it is never a dependency: this script
// `npm pack`s the pinned version into a temporary folder and extracts one file.
//
// Usage: node scripts/prune-github-spec.mjs [--version <x.y.z>]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_VERSION = '23.0.1';

/** operationIds the sandbox serves (keep in sync with src/github/routes). */
export const OPERATIONS = [
  'rate-limit/get',
  'users/get-authenticated',
  'repos/get',
  'repos/create-in-org',
  'repos/create-for-authenticated-user',
  'repos/create-using-template',
  'repos/get-content',
  'repos/create-or-update-file-contents',
  'repos/delete-file',
  'repos/list-branches',
  'repos/get-branch',
  'repos/get-commit',
  'git/get-ref',
  'git/list-matching-refs',
  'git/create-ref',
  'git/update-ref',
  'git/delete-ref',
  'git/get-tree',
  'git/create-tree',
  'git/get-blob',
  'git/create-blob',
  'git/get-commit',
  'git/create-commit',
  'pulls/list',
  'pulls/create',
  'pulls/get',
  'pulls/merge',
  'actions/list-repo-workflows',
  'actions/get-workflow',
  'actions/create-workflow-dispatch',
  'actions/list-workflow-runs',
  'actions/list-workflow-runs-for-repo',
  'actions/get-workflow-run',
  'actions/list-jobs-for-workflow-run',
  // GitHub App authentication (routes/apps.ts) and the tarball (routes/tarball.ts).
  'apps/get-authenticated',
  'apps/list-installations',
  'apps/get-installation',
  'apps/get-org-installation',
  'apps/get-repo-installation',
  'apps/create-installation-access-token',
  'apps/list-repos-accessible-to-installation',
  'apps/revoke-installation-access-token',
  'repos/download-tarball-archive',
];

function parseArgs(argv) {
  const i = argv.indexOf('--version');
  return { version: i >= 0 ? argv[i + 1] : DEFAULT_VERSION };
}

function fetchSpec(version) {
  const dir = mkdtempSync(join(tmpdir(), 'octokit-openapi-'));
  try {
    const tarball = execFileSync(
      'npm',
      [
        'pack',
        `@octokit/openapi@${version}`,
        '--silent',
        '--pack-destination',
        dir,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    )
      .trim()
      .split('\n')
      .pop();
    execFileSync('tar', [
      '-xzf',
      join(dir, tarball),
      '-C',
      dir,
      'package/generated/api.github.com.json',
    ]);
    return JSON.parse(
      readFileSync(join(dir, 'package/generated/api.github.com.json'), 'utf8'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drops documentation-only payloads (examples) to keep the committed file small. */
function stripExamples(node) {
  if (Array.isArray(node)) return node.map(stripExamples);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'examples' || key === 'example') continue;
    out[key] = stripExamples(value);
  }
  return out;
}

function collectRefs(node, refs) {
  if (Array.isArray(node)) {
    node.forEach(n => collectRefs(n, refs));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.add(value);
      else collectRefs(value, refs);
    }
  }
}

export function prune(
  spec,
  operations = OPERATIONS,
  packageVersion = DEFAULT_VERSION,
) {
  const wanted = new Set(operations);
  const paths = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !wanted.has(op.operationId))
        continue;
      paths[path] ??= {};
      paths[path][method] = stripExamples(op);
      wanted.delete(op.operationId);
    }
  }
  if (wanted.size)
    throw new Error(`Operations not in the spec: ${[...wanted].join(', ')}`);

  // Follow $refs transitively from the kept operations.
  const components = {};
  const seen = new Set();
  const queue = new Set();
  collectRefs(paths, queue);
  while (queue.size) {
    const [ref] = queue;
    queue.delete(ref);
    if (seen.has(ref)) continue;
    seen.add(ref);
    const [, , section, name] = ref.split('/'); // #/components/<section>/<name>
    const target = spec.components?.[section]?.[name];
    if (!target) throw new Error(`Unresolved reference ${ref}`);
    const value = stripExamples(target);
    (components[section] ??= {})[name] = value;
    const more = new Set();
    collectRefs(value, more);
    more.forEach(r => !seen.has(r) && queue.add(r));
  }
  for (const section of Object.keys(components)) {
    components[section] = Object.fromEntries(
      Object.entries(components[section]).sort(([a], [b]) =>
        a.localeCompare(b),
      ),
    );
  }

  return {
    openapi: spec.openapi,
    info: {
      ...spec.info,
      'x-pruned-from': `@octokit/openapi@${packageVersion} generated/api.github.com.json`,
      'x-pruned-by': 'packages/sandbox/scripts/prune-github-spec.mjs',
    },
    servers: spec.servers,
    paths,
    components,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { version } = parseArgs(process.argv.slice(2));
  const spec = fetchSpec(version);
  const pruned = prune(spec, OPERATIONS, version);
  const out = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    'spec',
    'github-api.pruned.json',
  );
  const text = `${JSON.stringify(pruned, null, 1)}\n`;
  writeFileSync(out, text);
  const ops = Object.values(pruned.paths).reduce(
    (n, item) => n + Object.keys(item).length,
    0,
  );
  console.log(
    `wrote spec/github-api.pruned.json: ${ops} operations, ${Math.round(
      text.length / 1024,
    )} KB, from @octokit/openapi@${version}`,
  );
}
