import { TZDate } from '@date-fns/tz';
import { addWeeks } from 'date-fns/addWeeks';
import { format } from 'date-fns/format';
import { startOfWeek } from 'date-fns/startOfWeek';

/**
 * A digest week: Monday 00:00 to the next Monday 00:00 in the digest's time zone. Computed with
 * wall-clock arithmetic in that zone, so a week containing a DST change is 167 or 169 hours long
 * and both of its ends still fall on local midnight.
 */
export interface Week {
  /** The local date of the Monday it starts, YYYY-MM-DD: the key of `digest_runs`. */
  key: string;
  start: Date;
  end: Date;
  tz: string;
}

function weekAt(mondayLocal: TZDate, tz: string): Week {
  const start = new TZDate(mondayLocal.getTime(), tz);
  const end = addWeeks(start, 1);
  return {
    key: format(start, 'yyyy-MM-dd'),
    start: new Date(start.getTime()),
    end: new Date(end.getTime()),
    tz,
  };
}

/** The week that contains `at`. */
export function weekContaining(at: Date, tz: string): Week {
  const local = new TZDate(at.getTime(), tz);
  return weekAt(startOfWeek(local, { weekStartsOn: 1 }), tz);
}

/** The week `n` weeks after (negative: before) `week`. */
export function shiftWeek(week: Week, n: number): Week {
  return weekAt(addWeeks(new TZDate(week.start.getTime(), week.tz), n), week.tz);
}

/** The last full week before `at`: what the scheduled digest reports. */
export function previousWeek(at: Date, tz: string): Week {
  return shiftWeek(weekContaining(at, tz), -1);
}

/** The week whose key (its Monday, YYYY-MM-DD) is given. */
export function weekFromKey(key: string, tz: string): Week {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!m) throw new Error(`not a week key: ${key}`);
  const local = new TZDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]), tz);
  return weekAt(startOfWeek(local, { weekStartsOn: 1 }), tz);
}

/** "16–22 Nov 2026": the local dates a week covers, for people. */
export function weekLabel(week: Week): string {
  const first = new TZDate(week.start.getTime(), week.tz);
  const last = new TZDate(week.end.getTime() - 1, week.tz);
  const sameMonth = format(first, 'MMM yyyy') === format(last, 'MMM yyyy');
  return sameMonth
    ? `${format(first, 'd')}–${format(last, 'd MMM yyyy')}`
    : `${format(first, 'd MMM')} – ${format(last, 'd MMM yyyy')}`;
}

/** The local calendar date (YYYY-MM-DD) of an instant in `tz`. */
export function localDate(at: Date, tz: string): string {
  return format(new TZDate(at.getTime(), tz), 'yyyy-MM-dd');
}
