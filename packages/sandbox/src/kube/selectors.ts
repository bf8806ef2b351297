import { badRequest } from './errors';

/** One parsed term of a label selector (`a=b`, `a!=b`, `a in (x,y)`, `a`, `!a`). */
type LabelTerm =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type LabelSelector = (
  labels: Record<string, string> | undefined,
) => boolean;

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

/** Splits on commas that are not inside a `( ... )` value set. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map(t => t.trim()).filter(Boolean);
}

function parseTerm(term: string): LabelTerm {
  const setMatch = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (setMatch) {
    const values = setMatch[3]
      .split(',')
      .map(v => v.trim())
      .filter(Boolean);
    return { op: setMatch[2] as 'in' | 'notin', key: setMatch[1], values };
  }
  const neq = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(term);
  if (neq) return { op: 'neq', key: neq[1], value: neq[2] };
  const eq = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(term);
  if (eq) return { op: 'eq', key: eq[1], value: eq[2] };
  const not = /^!\s*(\S+)$/.exec(term);
  if (not) return { op: 'notexists', key: not[1] };
  if (/^\S+$/.test(term)) return { op: 'exists', key: term };
  throw badRequest(`unable to parse requirement: ${term}`);
}

export function parseLabelSelector(
  selector: string | undefined,
): LabelSelector {
  if (!selector || !selector.trim()) return () => true;
  const terms = splitTerms(selector).map(parseTerm);
  for (const term of terms) {
    if (!KEY.test(term.key)) {
      throw badRequest(
        `unable to parse requirement: invalid label key "${term.key}"`,
      );
    }
  }
  return labels => terms.every(term => matchesTerm(term, labels ?? {}));
}

function matchesTerm(term: LabelTerm, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, term.key);
  const value = labels[term.key];
  switch (term.op) {
    case 'eq':
      return has && value === term.value;
    case 'neq':
      return !has || value !== term.value;
    case 'in':
      return has && term.values.includes(value);
    case 'notin':
      return !has || !term.values.includes(value);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    default:
      return false;
  }
}

/** Turns a `matchLabels` map into the equivalent selector string. */
export function selectorFromLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export type FieldSelector = (obj: unknown) => boolean;

function readPath(obj: unknown, path: string): string | undefined {
  let current: unknown = obj;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return undefined;
  return String(current);
}

/** Field selectors: `metadata.name`, `metadata.namespace`, or any scalar path, `=`, `==`, `!=`. */
export function parseFieldSelector(
  selector: string | undefined,
): FieldSelector {
  if (!selector || !selector.trim()) return () => true;
  const terms = selector.split(',').map(term => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(!=|==|=)\s*(\S*)\s*$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: ${term}`);
    return { path: m[1], negate: m[2] === '!=', value: m[3] };
  });
  return obj =>
    terms.every(t => {
      const actual = readPath(obj, t.path) ?? '';
      return t.negate ? actual !== t.value : actual === t.value;
    });
}
