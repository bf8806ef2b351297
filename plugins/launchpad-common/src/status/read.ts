/*
 * Narrowing helpers for raw Kubernetes objects: the derivations take `unknown`
 * (whatever a watch or a list delivered, any API version) and never throw.
 */

export type Json = Record<string, unknown>;

/** The value as a plain object, or undefined (arrays and null are not objects here). */
export function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

/** `obj.a.b.c`, each step narrowed to an object. */
export function path(value: unknown, ...keys: string[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    const o = asObject(current);
    if (!o) return undefined;
    current = o[key];
  }
  return current;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Finite numbers, and integer strings (some clients serialise int-or-string fields as strings). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asStringArray(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  return typeof value === 'string' &&
    (allowed as readonly string[]).includes(value)
    ? (value as T)
    : undefined;
}

/** A condition of `status.conditions` by type (Kubernetes' `{type, status, reason, message}`). */
export interface RawCondition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function conditionsOf(value: unknown): RawCondition[] {
  return asArray(path(value, 'status', 'conditions')).flatMap(c => {
    const type = asString(path(c, 'type'));
    if (!type) return [];
    return [
      {
        type,
        status: asString(path(c, 'status')),
        reason: asString(path(c, 'reason')),
        message: asString(path(c, 'message')),
        lastTransitionTime: asString(path(c, 'lastTransitionTime')),
      },
    ];
  });
}
