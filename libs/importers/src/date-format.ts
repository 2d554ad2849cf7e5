// `date: {format}` patterns (Unicode/Java style, as users write them: `dd.MM.yyyy`, `yyyy-MM-dd HH:mm`).

const TOKENS: Record<string, { group: string; pattern: string }> = {
  yyyy: { group: 'year', pattern: '\\d{4}' },
  yy: { group: 'year2', pattern: '\\d{2}' },
  MM: { group: 'month', pattern: '\\d{2}' },
  M: { group: 'month', pattern: '\\d{1,2}' },
  dd: { group: 'day', pattern: '\\d{2}' },
  d: { group: 'day', pattern: '\\d{1,2}' },
  HH: { group: 'hour', pattern: '\\d{2}' },
  H: { group: 'hour', pattern: '\\d{1,2}' },
  mm: { group: 'minute', pattern: '\\d{2}' },
  ss: { group: 'second', pattern: '\\d{2}' },
  SSS: { group: 'millis', pattern: '\\d{3}' },
};
// Longest first, so `yyyy` is not read as two `yy`.
const TOKEN_RE = /yyyy|yy|MM|M|dd|d|HH|H|mm|ss|SSS|'[^']*'|[A-Za-z]/g;

export interface DateFormat {
  readonly source: string;
  readonly hasTime: boolean;
  /** ISO date (`2024-03-01`) or local date-time (`2024-03-01T08:30:00`), or null when the text does not match. */
  parse(text: string): string | null;
}

/** Compiles a pattern; throws an Error with a user-facing message for a pattern that cannot work. */
export function compileDateFormat(format: string): DateFormat {
  let regex = '';
  const groups = new Set<string>();
  let last = 0;
  for (const match of format.matchAll(TOKEN_RE)) {
    regex += escape(format.slice(last, match.index));
    last = match.index + match[0].length;
    const token = match[0];
    if (token.startsWith("'")) {
      regex += escape(token.slice(1, -1));
      continue;
    }
    const spec = TOKENS[token];
    if (!spec) throw new Error(`unknown pattern letter '${token}' (use yyyy yy MM M dd d HH H mm ss SSS)`);
    const group = spec.group === 'year2' ? 'year' : spec.group;
    if (groups.has(group)) throw new Error(`'${token}' repeats a part of the date`);
    groups.add(group);
    regex += `(?<${spec.group}>${spec.pattern})`;
  }
  regex += escape(format.slice(last));
  for (const needed of ['year', 'month', 'day']) {
    if (!groups.has(needed)) throw new Error('must contain a year (yyyy), a month (MM) and a day (dd)');
  }
  const re = new RegExp(`^${regex}$`);
  const hasTime = groups.has('hour');
  return {
    source: format,
    hasTime,
    parse(text: string): string | null {
      const g = re.exec(text.trim())?.groups;
      if (!g) return null;
      const year = g.year !== undefined ? Number(g.year) : 2000 + Number(g.year2);
      const month = Number(g.month);
      const day = Number(g.day);
      const hour = Number(g.hour ?? 0);
      const minute = Number(g.minute ?? 0);
      const second = Number(g.second ?? 0);
      if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
      const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
      if (!hasTime) return date;
      const millis = g.millis !== undefined ? `.${g.millis}` : '';
      return `${date}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${millis}`;
    },
  };
}

export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
