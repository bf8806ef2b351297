/**
 * GitHub's search syntax for dates, as the `created` filter of the workflow
 * run listings takes it
 * (https://docs.github.com/en/search-github/getting-started-with-searching-on-github/understanding-the-search-syntax#query-for-dates):
 * `>D`, `>=D`, `<D`, `<=D`, `D..D`, `D..*`, `*..D` or a bare `D`, where `D`
 * is `YYYY-MM-DD` with an optional `THH:MM`, `THH:MM:SS` (and fraction) and a
 * zone (`Z`, `+HH:MM`; none means UTC).
 *
 * A value stands for the whole span of its precision: `2026-12-01` is that
 * day, so `>2026-12-01` starts the next day, `<=2026-12-01` ends with it and
 * `2026-12-01..2026-12-02` covers both days, as GitHub's examples read
 * (`created:<=2012-07-04` "on or before July 4").
 */
export interface DateSpan {
  /** Inclusive lower bound in ms, if any. */
  from?: number;
  /** Exclusive upper bound in ms, if any. */
  to?: number;
}

const VALUE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The span `[start, end)` one date or timestamp stands for, or undefined if it does not parse. */
function span(value: string): { start: number; end: number } | undefined {
  const m = VALUE.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Math.floor(Number(frac) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMs = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = zone.replace(':', '');
    const sign = z[0] === '-' ? -1 : 1;
    offsetMs =
      sign * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
  }
  const start =
    Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs;
  if (new Date(start + offsetMs).getUTCDate() !== day) return undefined; // 2026-02-31
  let precision = 86_400_000;
  if (frac !== undefined) precision = 1;
  else if (s !== undefined) precision = 1_000;
  else if (mi !== undefined) precision = 60_000;
  return { start, end: start + precision };
}

/** Parses a `created` query; undefined when it is not GitHub's date syntax. */
export function parseDateQuery(query: string): DateSpan | undefined {
  const q = query.trim();
  const op = /^(>=|<=|>|<)(.*)$/.exec(q);
  if (op) {
    const v = span(op[2]);
    if (!v) return undefined;
    switch (op[1]) {
      case '>':
        return { from: v.end };
      case '>=':
        return { from: v.start };
      case '<':
        return { to: v.start };
      default:
        return { to: v.end };
    }
  }
  const range = q.split('..');
  if (range.length === 2) {
    const [a, b] = range.map(p => p.trim());
    const lower = a === '*' ? undefined : span(a);
    const upper = b === '*' ? undefined : span(b);
    if ((a !== '*' && !lower) || (b !== '*' && !upper)) return undefined;
    return { from: lower?.start, to: upper?.end };
  }
  const v = span(q);
  return v ? { from: v.start, to: v.end } : undefined;
}

export function inSpan(range: DateSpan, date: Date): boolean {
  const t = date.getTime();
  return (
    (range.from === undefined || t >= range.from) &&
    (range.to === undefined || t < range.to)
  );
}
