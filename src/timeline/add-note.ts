import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import type { Db } from '../db/client.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import type { Incident, TimelineEvent } from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';

/** Longest note we keep; Slack's own command text is far shorter in practice. */
export const NOTE_MAX = 3000;

/** The two parts of a note errors name: when it happened (`at …`) and what it says. */
export const NOTE_FIELD = { occurredAt: 'occurredAt', text: 'text' } as const;

export interface NoteTimeSpec {
  /** YYYY-MM-DD, or undefined for "today" in the author's time zone. */
  date?: string;
  hour: number;
  minute: number;
}

export interface ParsedNote {
  at: NoteTimeSpec | null;
  text: string;
}

/**
 * `at 14:05 text` / `at 2026-11-26 14:05 text` / `text`. Only a leading `at <time>` is read as a
 * time, so a note that merely mentions "at 14:05" later on is kept as written.
 */
export function parseNote(input: string): ParsedNote {
  const trimmed = input.trim();
  const m = /^at\s+(?:(\d{4}-\d{2}-\d{2})(?:\s+|T))?(\d{1,2}):(\d{2})(?![\d:])\s*([\s\S]*)$/i.exec(trimmed);
  if (!m) {
    if (/^at\s+\d/i.test(trimmed)) {
      throw invalid(
        'I could not read that time. Use 24-hour `HH:MM`, optionally with a date: `/incident note at 14:05 …` or `/incident note at 2026-11-26 14:05 …`.',
        NOTE_FIELD.occurredAt,
      );
    }
    return { at: null, text: trimmed };
  }
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (hour > 23 || minute > 59)
    throw invalid(`${m[2]}:${m[3]} is not a time of day. Use 24-hour \`HH:MM\`.`, NOTE_FIELD.occurredAt);
  const date = m[1];
  if (date !== undefined) {
    const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
    const probe = new Date(Date.UTC(y, mo - 1, d));
    if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) {
      throw invalid(`${date} is not a calendar date.`, NOTE_FIELD.occurredAt);
    }
  }
  return { at: { ...(date !== undefined ? { date } : {}), hour, minute }, text: (m[4] ?? '').trim() };
}

/**
 * The instant a wall-clock time means in a time zone, DST included: 14:05 in Europe/Berlin is
 * 12:05Z in summer and 13:05Z in winter. "Today" is today where the author is, not in UTC.
 */
export function resolveNoteTime(spec: NoteTimeSpec, tz: string, now: Date): Date {
  const day = spec.date ?? format(new TZDate(now.getTime(), tz), 'yyyy-MM-dd');
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, mo - 1, d, spec.hour, spec.minute, 0, 0, tz).getTime());
}

/** Seconds only when the instant has them (an API's exact time): a command's times are whole minutes. */
const show = (at: Date, tz: string) =>
  `${format(new TZDate(at.getTime(), tz), at.getTime() % 60_000 === 0 ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd HH:mm:ss')} (${tz})`;

export interface AddNoteResult {
  event: TimelineEvent;
  backdated: boolean;
  /** For the hooks: `note_added`. */
  incidentChanges: IncidentChange[];
}

/**
 * What a note says and when it happened: the command's text (`at 14:05 …`, read in the author's zone),
 * or, from the API, the text as given and an exact instant (already a point in time: no zone to read).
 */
export type NoteInput = { input: string } | { text: string; occurredAt?: Date; capturedVia: string };

/**
 * `/incident note` and the API's `POST …/notes`: a person's note on the timeline, now or at a time
 * they name. One set of rules for both: the text is not empty and at most NOTE_MAX characters; a time
 * in the future, or before the incident's impact started, is refused (the timeline must say when things
 * happened, not when someone guessed). Refusals name NOTE_FIELD's `text` or `occurredAt`.
 */
export function addNote(
  db: Db,
  clock: Clock,
  input: { incident: Incident; authorId: string; tz: string } & NoteInput,
): AddNoteResult {
  const now = clock.now();
  const fromCommand = 'input' in input;
  let text: string;
  let occurredAt = now;
  let at: NoteTimeSpec | null = null;
  if (fromCommand) {
    ({ at, text } = parseNote(input.input));
    if (at) occurredAt = resolveNoteTime(at, input.tz, now);
  } else {
    text = input.text.trim();
    if (input.occurredAt) occurredAt = input.occurredAt;
  }
  const backdated = fromCommand ? at !== null : input.occurredAt !== undefined;
  if (text.length === 0) {
    throw invalid(
      fromCommand
        ? 'What should the note say? `/incident note <text>`, or backdated: `/incident note at 14:05 <text>`.'
        : 'What should the note say? The text is empty.',
      NOTE_FIELD.text,
    );
  }
  if (Array.from(text).length > NOTE_MAX) {
    throw invalid(
      `That note is ${Array.from(text).length} characters; the limit is ${NOTE_MAX}.`,
      NOTE_FIELD.text,
    );
  }
  if (backdated) {
    if (occurredAt.getTime() > now.getTime()) {
      throw invalid(
        `${show(occurredAt, input.tz)} is in the future. ${
          at !== null && at.date === undefined
            ? 'For another day, give the date too: `at 2026-11-26 14:05`.'
            : ''
        }`.trim(),
        NOTE_FIELD.occurredAt,
      );
    }
    if (occurredAt.getTime() < input.incident.startedAt.getTime()) {
      throw invalid(
        `${show(occurredAt, input.tz)} is before this incident started (${show(input.incident.startedAt, input.tz)}).`,
        NOTE_FIELD.occurredAt,
      );
    }
  }
  // One INSERT … RETURNING, atomic on its own: committed when this returns, with no transaction
  // object to build on the hot path of `/incident note`.
  const { event } = addTimelineEvent(db, {
    incidentId: input.incident.id,
    kind: 'note',
    text,
    authorId: input.authorId,
    // A command's time was read in the author's zone (shown back in it); an API instant had none.
    data: backdated ? (fromCommand ? { backdated: true, tz: input.tz } : { backdated: true }) : null,
    occurredAt,
    recordedAt: now,
    capturedVia: fromCommand ? 'command' : input.capturedVia,
  });
  return {
    event,
    backdated,
    incidentChanges: [{ kind: 'note_added', incidentId: input.incident.id }],
  };
}
