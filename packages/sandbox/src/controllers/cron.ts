/**
 * Just enough cron for Velero schedules (robfig/cron as Velero uses it):
 * five fields with `*`, `*\/n`, `a`, `a-b`, `a,b`, plus `@hourly`, `@daily`,
 * `@weekly`, `@monthly`, `@every <duration>`. Times are UTC.
 */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

const NAMES: Array<Record<string, number>> = [
  {},
  {},
  {},
  Object.fromEntries(
    [
      'jan',
      'feb',
      'mar',
      'apr',
      'may',
      'jun',
      'jul',
      'aug',
      'sep',
      'oct',
      'nov',
      'dec',
    ].map((m, i) => [m, i + 1]),
  ),
  Object.fromEntries(
    ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d, i) => [d, i]),
  ),
];

/** robfig/cron's parser messages (parser.go getRange/parseIntOrName), which the API server returns for CronJobs. */
function parseNumber(text: string, names: Record<string, number>): number {
  const named = names[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text)) {
    throw new Error(
      `failed to parse int from ${text}: strconv.Atoi: parsing "${text}": invalid syntax`,
    );
  }
  return Number(text);
}

function parseField(
  field: string,
  [lo, hi]: [number, number],
  names: Record<string, number> = {},
): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [rangePart, stepPart, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`too many slashes: ${part}`);
    const step = stepPart !== undefined ? parseNumber(stepPart, {}) : 1;
    let from = lo;
    let to = hi;
    if (rangePart !== '*' && rangePart !== '?') {
      const [a, b, more] = rangePart.split('-');
      if (more !== undefined) throw new Error(`too many hyphens: ${part}`);
      from = parseNumber(a, names);
      if (b !== undefined) to = parseNumber(b, names);
      else to = stepPart ? hi : from;
    }
    // Day-of-week 7 is Sunday too.
    const max = hi === 6 ? 7 : hi;
    if (from < lo)
      throw new Error(
        `beginning of range (${from}) below minimum (${lo}): ${part}`,
      );
    if (to > max)
      throw new Error(`end of range (${to}) above maximum (${max}): ${part}`);
    if (from > to)
      throw new Error(
        `beginning of range (${from}) beyond end of range (${to}): ${part}`,
      );
    if (step === 0)
      throw new Error(`step of range should be a positive number: ${part}`);
    for (let v = from; v <= to; v += step)
      values.add(v === 7 && hi === 6 ? 0 : v);
  }
  return values;
}

export type CronMatcher = (date: Date) => boolean;

function parseDuration(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) {
    total +=
      Number(m[1]) *
      { h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'h' | 'm' | 's'];
  }
  if (!total) throw new Error(`invalid duration "${text}"`);
  return total;
}

/** Fire times of `expression` in (after, until], oldest first, at most `limit` (the newest ones). */
export function cronOccurrences(
  expression: string,
  after: number,
  until: number,
  limit = 100,
): Date[] {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@every ')) {
    const period = parseDuration(trimmed.slice(7));
    const result: Date[] = [];
    for (
      let t = Math.floor(after / period) * period + period;
      t <= until;
      t += period
    )
      result.push(new Date(t));
    return result.slice(-limit);
  }
  if (trimmed.startsWith('@') && !DESCRIPTORS[trimmed])
    throw new Error(`unrecognized descriptor: ${trimmed}`);
  const fields = (DESCRIPTORS[trimmed] ?? trimmed).split(/\s+/).filter(Boolean);
  if (fields.length !== 5)
    throw new Error(
      `expected exactly 5 fields, found ${fields.length}: [${fields.join(
        ' ',
      )}]`,
    );
  const [minutes, hours, days, months, weekdays] = fields.map((f, i) =>
    parseField(f, RANGES[i], NAMES[i]),
  );
  const matches = (d: Date) =>
    minutes.has(d.getUTCMinutes()) &&
    hours.has(d.getUTCHours()) &&
    days.has(d.getUTCDate()) &&
    months.has(d.getUTCMonth() + 1) &&
    weekdays.has(d.getUTCDay());
  const result: Date[] = [];
  const start = Math.floor(after / 60_000) * 60_000 + 60_000;
  for (let t = start; t <= until; t += 60_000) {
    const d = new Date(t);
    if (matches(d)) {
      result.push(d);
      if (result.length > limit) result.shift();
    }
  }
  return result;
}

export function validateCron(expression: string): string | undefined {
  try {
    cronOccurrences(expression, 0, 0);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
