/*
 * The period of a Velero schedule's cron expression. Velero parses schedules
 * with robfig/cron's standard parser (pkg/controller/schedule_controller.go:
 * cron.ParseStandard): five fields, names for months and weekdays, `?`,
 * descriptors (@hourly, @daily, @weekly, @monthly, @yearly, @every <duration>)
 * and an optional `CRON_TZ=` / `TZ=` prefix.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const DESCRIPTORS: Record<string, number> = {
  '@yearly': 366 * DAY,
  '@annually': 366 * DAY,
  '@monthly': 31 * DAY,
  '@weekly': 7 * DAY,
  '@daily': DAY,
  '@midnight': DAY,
  '@hourly': HOUR,
};

const MONTHS = [
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
];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Go's time.ParseDuration for the units a schedule uses (h, m, s, ms). */
function parseGoDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    const unit = { h: HOUR, m: MINUTE, s: 1000, ms: 1 }[
      match[2] as 'h' | 'm' | 's' | 'ms'
    ];
    total += Number(match[1]) * unit;
    consumed += match[0].length;
  }
  return consumed === text.length && total > 0 ? total : undefined;
}

/** One field's allowed values, or undefined when it does not parse. */
function parseField(
  field: string,
  min: number,
  max: number,
  names?: string[],
): { values: Set<number>; star: boolean } | undefined {
  const values = new Set<number>();
  const star = field.startsWith('*') || field.startsWith('?');
  const value = (token: string): number | undefined => {
    const index = names?.indexOf(token.toLowerCase()) ?? -1;
    if (index >= 0) return index + (names === MONTHS ? 1 : 0);
    if (!/^\d+$/.test(token)) return undefined;
    return Number(token);
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let low: number | undefined;
    let high: number | undefined;
    if (range === '*' || range === '?') {
      low = min;
      high = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      low = value(a);
      high = value(b);
    } else {
      low = value(range);
      // robfig: "N/step" runs from N to the field's maximum.
      high = stepText === undefined ? low : max;
    }
    if (
      low === undefined ||
      high === undefined ||
      low < min ||
      high > max ||
      low > high
    ) {
      // Sunday may be written 7.
      if (!(names === WEEKDAYS && high === 7 && low !== undefined && low <= 7))
        return undefined;
    }
    for (let v = low!; v <= high!; v += step)
      values.add(names === WEEKDAYS ? v % 7 : v);
  }
  return { values, star };
}

/**
 * The longest gap between two runs of a cron schedule, in ms, or undefined
 * when the expression does not parse or runs less than monthly.
 */
export function cronPeriodMs(expression: unknown): number | undefined {
  if (typeof expression !== 'string') return undefined;
  const text = expression.trim().replace(/^(CRON_TZ|TZ)=\S+\s+/, '');
  if (text.startsWith('@every ')) return parseGoDuration(text.slice(7).trim());
  if (text.startsWith('@')) return DESCRIPTORS[text];
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return undefined;
  const minute = parseField(fields[0], 0, 59);
  const hour = parseField(fields[1], 0, 23);
  const dom = parseField(fields[2], 1, 31);
  const month = parseField(fields[3], 1, 12, MONTHS);
  const dow = parseField(fields[4], 0, 6, WEEKDAYS);
  if (!minute || !hour || !dom || !month || !dow) return undefined;

  const dayMatches = (date: Date) => {
    const d = dom.values.has(date.getUTCDate());
    const w = dow.values.has(date.getUTCDay());
    // robfig/cron: when either day field is a wildcard both must match, else either may.
    return dom.star || dow.star ? d && w : d || w;
  };
  // Walk 62 days from a fixed Monday, minute by minute within matching hours.
  const start = Date.UTC(2026, 0, 5);
  const end = start + 62 * DAY;
  let previous: number | undefined;
  let longest = 0;
  let first: number | undefined;
  for (let t = start; t < end; t += HOUR) {
    const date = new Date(t);
    if (!month.values.has(date.getUTCMonth() + 1) || !dayMatches(date))
      continue;
    if (!hour.values.has(date.getUTCHours())) continue;
    for (const m of [...minute.values].sort((a, b) => a - b)) {
      const fire = t + m * MINUTE;
      if (previous !== undefined) longest = Math.max(longest, fire - previous);
      first ??= fire;
      previous = fire;
    }
  }
  if (first === undefined || previous === undefined || first === previous)
    return undefined;
  // The wrap-around gap (last run of the window to the first of the next cycle) is not seen; a
  // schedule that is regular within 62 days has it among the gaps already.
  return longest;
}
