import { TZDate } from '@date-fns/tz';
import { invalid } from './errors.js';

/**
 * A time typed by a person in their own time zone: `YYYY-MM-DD HH:MM` (also with `T`), or `HH:MM`
 * meaning today there. Empty means `now`. Never in the future.
 */
export function parseLocalTime(text: string, tz: string, now: Date, field?: string): Date {
  const parts = readLocalTime(text, field);
  if (!parts) return now;
  let { y, mo, d } = parts;
  const { h, mi } = parts;
  if (y === undefined || mo === undefined || d === undefined) {
    const today = new TZDate(now.getTime(), tz);
    y = today.getFullYear();
    mo = today.getMonth() + 1;
    d = today.getDate();
  }
  const at = new TZDate(y, mo - 1, d, h, mi, tz);
  if (at.getDate() !== d || at.getMonth() !== mo - 1) throw invalid('That date does not exist.', field);
  const instant = new Date(at.getTime());
  if (instant.getTime() > now.getTime()) {
    throw invalid(`Impact can’t start in the future (it is ${formatLocal(now, tz)} for you now).`, field);
  }
  return instant;
}

/**
 * The typed fields, checked for form and range without a time zone (so a listener can refuse a
 * malformed time before it waits for the person's zone). Empty text gives null.
 */
export function readLocalTime(
  text: string,
  field?: string,
): { y?: number; mo?: number; d?: number; h: number; mi: number } | null {
  const t = text.trim();
  if (!t) return null;
  const full = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$/.exec(t);
  const timeOnly = /^(\d{1,2}):(\d{2})$/.exec(t);
  let out: { y?: number; mo?: number; d?: number; h: number; mi: number };
  if (full) {
    const [y, mo, d, h, mi] = full.slice(1, 6).map(Number) as [number, number, number, number, number];
    out = { y, mo, d, h, mi };
  } else if (timeOnly) {
    const [h, mi] = timeOnly.slice(1, 3).map(Number) as [number, number];
    out = { h, mi };
  } else {
    throw invalid('Write the time as YYYY-MM-DD HH:MM or HH:MM (24-hour), in your time zone.', field);
  }
  const { mo = 1, d = 1, h, mi } = out;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) {
    throw invalid('That date or time does not exist.', field);
  }
  return out;
}

export function formatLocal(at: Date, tz: string): string {
  const z = new TZDate(at.getTime(), tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${z.getFullYear()}-${p(z.getMonth() + 1)}-${p(z.getDate())} ${p(z.getHours())}:${p(z.getMinutes())}`;
}
