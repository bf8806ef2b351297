import { InputError } from '@backstage/errors';
import {
  instanceSourcePath,
  isSecretConfigKey,
  isSecretConfigValue,
  stripSecrets,
} from '@internal/plugin-launchpad-common';
import {
  githubError,
  requestErrorStatus,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import YAML, { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { normalizeRelease } from './instanceCreate';

/*
 * The checks and the redaction `launchpad:instance:update` applies around
 * the clusters service's ConfigEditor.merge (which keeps comments and key
 * order and validates the known keys' types with launchpad-common's schema).
 */

/**
 * Keys that name the instance's data and objects (DESIGN.md: derived from
 * the slug). Changing one in config.yml would point the instance at another
 * namespace, database or bucket and orphan its data: refused.
 */
export const IDENTITY_KEYS = [
  'K8S_NAMESPACE',
  'MYSQL_DATABASE',
  'MYSQL_USERNAME',
  'MONGODB_DATABASE',
  'MONGODB_USERNAME',
  'FORUM_MONGODB_DATABASE',
  'STORAGE_BUCKET_NAME',
] as const;

/**
 * Tutor's major version per Open edX release (Tutor's changelog: v15 Olive,
 * v16 Palm, v17 Quince, v18 Redwood, v19 Sumac, v20 Teak). A release not
 * listed is not checked against the Tutor version.
 */
const TUTOR_MAJOR: Record<string, number> = {
  olive: 15,
  palm: 16,
  quince: 17,
  redwood: 18,
  sumac: 19,
  teak: 20,
};

/**
 * A Tutor version as Picasso uses it: `pip install
 * git+https://github.com/overhangio/tutor.git@$TUTOR_VERSION`
 * (eduNEXT/picasso .github/workflows/build.yml), so a git tag of Tutor's:
 * `v<major>.<minor>.<patch>`.
 */
const TUTOR_VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

/** Whether a top-level key or its value carries a secret (at any depth). */
export function isSecretEntry(key: string, value: unknown): boolean {
  if (isSecretConfigKey(key) || isSecretConfigValue(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  return (
    JSON.stringify(stripSecrets({ v: value })) !== JSON.stringify({ v: value })
  );
}

/**
 * The change, checked and normalized before anything is read: key names,
 * identity keys, secrets (only with `allowSecrets`), the release
 * (`release/<name>.<n>`) and the Tutor version (`v<x>.<y>.<z>`).
 * InputError names the offending key.
 */
export function checkChange(
  change: Record<string, unknown>,
  options: { allowSecrets: boolean },
): Record<string, unknown> {
  const keys = Object.keys(change);
  if (!keys.length) {
    throw new InputError('changes: give at least one config.yml key');
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(change)) {
    if ((IDENTITY_KEYS as readonly string[]).includes(key)) {
      throw new InputError(
        `changes.${key}: names the instance's namespace, database or bucket (derived from the slug); it cannot be changed by an update`,
      );
    }
    if (isSecretEntry(key, value) && !options.allowSecrets) {
      throw new InputError(
        `changes.${key}: is a secret; secrets are changed only with allowSecrets: true`,
      );
    }
    if (key === 'EDX_PLATFORM_VERSION' && value !== null) {
      if (typeof value !== 'string') {
        throw new InputError(
          'changes.EDX_PLATFORM_VERSION: must be a string like release/teak.3',
        );
      }
      out[key] = normalizeRelease(value);
      continue;
    }
    if (key === 'TUTOR_VERSION' && value !== null) {
      const match = TUTOR_VERSION.exec(String(value).trim());
      if (!match) {
        throw new InputError(
          `changes.TUTOR_VERSION: "${String(
            value,
          )}" is not a Tutor release tag; use v<major>.<minor>.<patch> (e.g. v20.0.5)`,
        );
      }
      out[key] = `v${match[1]}.${match[2]}.${match[3]}`;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * The merged config's release and Tutor version agree (a Teak instance needs
 * Tutor v20): InputError naming both otherwise. Unknown releases pass.
 */
export function checkReleaseMatchesTutor(config: Record<string, unknown>) {
  const release = /^release\/([a-z]+)\.\d+$/.exec(
    String(config.EDX_PLATFORM_VERSION ?? ''),
  );
  const tutor = TUTOR_VERSION.exec(String(config.TUTOR_VERSION ?? ''));
  if (!release || !tutor) return;
  const expected = TUTOR_MAJOR[release[1]];
  if (expected !== undefined && Number(tutor[1]) !== expected) {
    throw new InputError(
      `TUTOR_VERSION ${config.TUTOR_VERSION} does not build ${config.EDX_PLATFORM_VERSION}: ${release[1]} needs Tutor v${expected}.x; change both together`,
    );
  }
}

/**
 * What `change` replaces in `before`, for a rollback: each changed key's old
 * value, `null` for a key the change adds. Secret entries are left out
 * (outputs are stored with the task): `omitted` lists them.
 */
export function previousValues(
  before: Record<string, unknown>,
  changedKeys: string[],
): { previous: Record<string, unknown>; omitted: string[] } {
  const previous: Record<string, unknown> = {};
  const omitted: string[] = [];
  for (const key of changedKeys) {
    const value = key in before ? before[key] : null;
    if (isSecretEntry(key, value)) omitted.push(key);
    else previous[key] = value;
  }
  return { previous, omitted };
}

/**
 * Line numbers (1-based) of `text` holding a secret value, each with what
 * to show instead: the key and `<redacted>` on the key's line, the
 * indentation and `<redacted>` on a multi-line value's other lines.
 */
function secretLines(text: string): Map<number, string> {
  const lines = new Map<number, string>();
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) return lines;
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  const mark = (start: number, end: number) => {
    const first = lineOf(start);
    const last = lineOf(Math.max(start, end - 1));
    const source = text.split('\n');
    for (let n = first; n <= last; n++) {
      const line = source[n - 1] ?? '';
      const keep =
        n === first
          ? line.slice(0, start - (text.lastIndexOf('\n', start - 1) + 1))
          : /^\s*/.exec(line)?.[0] ?? '';
      lines.set(n, `${keep}<redacted>`);
    }
  };
  const walk = (node: unknown) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        const value = pair.value as Node | null;
        const plain = value && 'toJSON' in value ? value.toJSON() : value;
        if (value?.range && isSecretEntry(key, plain)) {
          // From the value's start: the key stays readable.
          mark(value.range[0], value.range[1]);
        } else walk(value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (isScalar(item) && isSecretConfigValue(item.value) && item.range) {
          mark(item.range[0], item.range[1]);
        } else walk(item);
      }
    }
  };
  walk(doc.contents);
  return lines;
}

/**
 * The ConfigEditor's unified diff with every secret value replaced by
 * `<redacted>` (context lines included: a diff goes to outputs and logs),
 * the line numbers unchanged. Lines are matched to the old and new file by
 * the hunk headers.
 */
export function redactDiff(diff: string, before: string, after: string) {
  if (!diff) return diff;
  const oldSecrets = secretLines(before);
  const newSecrets = secretLines(after);
  let oldLine = 0;
  let newLine = 0;
  return diff
    .split('\n')
    .map(line => {
      const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (hunk) {
        oldLine = Number(hunk[1]);
        newLine = Number(hunk[2]);
        return line;
      }
      if (line.startsWith('--- ') || line.startsWith('+++ ') || !line) {
        return line;
      }
      const kind = line[0];
      let replaced: string | undefined;
      if (kind === ' ') {
        replaced = oldSecrets.get(oldLine) ?? newSecrets.get(newLine);
        oldLine++;
        newLine++;
      } else if (kind === '-') {
        replaced = oldSecrets.get(oldLine++);
      } else if (kind === '+') {
        replaced = newSecrets.get(newLine++);
      }
      return replaced === undefined ? line : `${kind}${replaced}`;
    })
    .join('\n');
}

/** config.yml's text and blob at a commit of the cluster repository. */
export async function readConfigText(
  cluster: LaunchpadCluster,
  slug: string,
  ref: string,
): Promise<{ path: string; text: string; blobSha: string }> {
  const { repository } = cluster;
  const path = `${instanceSourcePath(slug)}/config.yml`;
  const octokit = await repository.octokit();
  try {
    const { data } = await octokit.rest.repos.getContent({
      owner: repository.owner,
      repo: repository.repo,
      path,
      ref,
    });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
      throw new InputError(`${path} is not a file`);
    }
    return {
      path,
      text: Buffer.from(data.content, 'base64').toString('utf8'),
      blobSha: data.sha,
    };
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (requestErrorStatus(error) === 404) {
      throw new InputError(
        `slug "${slug}": no ${path} in ${repository.owner}/${repository.repo} (cluster ${cluster.name})`,
      );
    }
    throw githubError(error, {
      action: `read ${path}`,
      cluster: cluster.name,
      repository: `${repository.owner}/${repository.repo}`,
    });
  }
}
