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

function parseField(field: string, [lo, hi]: [number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [rangePart, stepPart] = part.split('/');
    const step = stepPart ? Number(stepPart) : 1;
    let from = lo;
    let to = hi;
    if (rangePart !== '*') {
      const [a, b] = rangePart.split('-').map(Number);
      from = a;
      to = b ?? (stepPart ? hi : a);
    }
    if (
      [from, to, step].some(n => Number.isNaN(n)) ||
      step <= 0 ||
      from < lo ||
      to > hi
    ) {
      throw new Error(`invalid cron field "${field}"`);
    }
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
  const fields = (DESCRIPTORS[trimmed] ?? trimmed).split(/\s+/);
  if (fields.length !== 5)
    throw new Error(`invalid cron expression "${expression}"`);
  const [minutes, hours, days, months, weekdays] = fields.map((f, i) =>
    parseField(f, RANGES[i]),
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
