import type { ScaleOption } from './index';

/** `SANDBOX_CLUSTERS=staging,production,edge` (default the two seeded clusters). */
export function clustersEnv(raw: string | undefined): string[] | undefined {
  if (!raw) return undefined;
  const names = raw
    .split(',')
    .map(n => n.trim())
    .filter(Boolean);
  if (!names.length)
    throw new Error(`SANDBOX_CLUSTERS must list cluster names, got "${raw}"`);
  return names;
}

/**
 * `SANDBOX_SCALE`: `staging:1000,edge:500`, or the older `production:1000`
 * and `1000` (staging).
 */
export function scaleEnv(raw: string | undefined): ScaleOption[] | undefined {
  if (!raw) return undefined;
  return raw.split(',').map(part => {
    const [cluster, count] = part.includes(':')
      ? part.split(':').map(p => p.trim())
      : ['staging', part.trim()];
    const instances = Number(count);
    if (!cluster || !Number.isInteger(instances) || instances < 0) {
      throw new Error(
        `SANDBOX_SCALE must be "<cluster>:<count>[,<cluster>:<count>...]" or "<count>", got "${raw}"`,
      );
    }
    return { cluster, instances };
  });
}
