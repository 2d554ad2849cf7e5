const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90m` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text.trim());
  const unit = match?.[2] ? UNITS[match[2]] : undefined;
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    throw new Error(`Invalid duration '${text}': use a number followed by m, h or d (e.g. 30d)`);
  }
  return Number(match[1]) * unit;
}
