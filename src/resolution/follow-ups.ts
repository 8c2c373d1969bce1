import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { followUps, incidents } from '../db/schema.js';
import { addTimelineEvent, type Tx } from '../incidents/add-timeline-event.js';
import { DomainError, invalid } from '../incidents/errors.js';
import type { FollowUp, Incident } from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import { addDays, isCalendarDate, weekdayOf } from './reminders.js';

/** Follow-ups: the work that makes sure the same incident does not happen again. */

export const FOLLOW_UP_MAX = 500;
export const MAX_FOLLOW_UPS_IN_RESOLVE = 5;

export interface NewFollowUp {
  text: string;
  ownerId?: string | null;
  /** YYYY-MM-DD */
  dueDate?: string | null;
}

/**
 * Where a follow-up came from; its key makes it once per incident (a message reacted to twice, a
 * form submitted twice). Message sources carry the message; a form only its key.
 */
export interface FollowUpSource {
  sourceKey: string;
  sourceChannel?: string | null;
  sourceTs?: string | null;
  /** The timeline's capturedVia; default 'reaction' (the original source). */
  via?: string;
}

/** The inputs of one follow-up, as errors name them (a form maps each to its own block). */
export type FollowUpField = 'text' | 'ownerId' | 'dueDate';

/**
 * `fieldOf` names the input an error is about where the follow-up sits inside a bigger form (row 3
 * of the resolve modal); alone, a follow-up's errors name its own fields.
 */
export function validateFollowUp(
  f: NewFollowUp,
  fieldOf: (part: FollowUpField) => string = (part) => part,
): NewFollowUp {
  const text = f.text.trim();
  if (text.length === 0) throw invalid('A follow-up needs a description of the work.', fieldOf('text'));
  if (Array.from(text).length > FOLLOW_UP_MAX)
    throw invalid(`Keep a follow-up under ${FOLLOW_UP_MAX} characters.`, fieldOf('text'));
  if (f.dueDate != null && !isCalendarDate(f.dueDate))
    throw invalid('The due date must be a date such as 2026-12-01.', fieldOf('dueDate'));
  return { text, ownerId: f.ownerId ?? null, dueDate: f.dueDate ?? null };
}

/** Inserts inside a caller's transaction (resolve adds several with the resolution). */
export function insertFollowUp(
  tx: Tx,
  incidentId: number,
  f: NewFollowUp,
  createdBy: string,
  now: Date,
  source?: FollowUpSource,
  /** capturedVia when there is no source (a form): 'command' unless the API made it. */
  via?: string,
): { followUp: FollowUp; created: boolean } {
  const row = tx
    .insert(followUps)
    .values({
      incidentId,
      text: f.text,
      ownerId: f.ownerId ?? null,
      dueDate: f.dueDate ?? null,
      createdBy,
      createdAt: now,
      sourceKey: source?.sourceKey ?? null,
      sourceChannel: source?.sourceChannel ?? null,
      sourceTs: source?.sourceTs ?? null,
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) {
    const existing = tx
      .select()
      .from(followUps)
      .where(and(eq(followUps.incidentId, incidentId), eq(followUps.sourceKey, source?.sourceKey ?? '')))
      .get();
    if (!existing) throw new Error('follow-up insert conflicted but no existing row was found');
    return { followUp: existing, created: false };
  }
  addTimelineEvent(tx, {
    incidentId,
    kind: 'follow_up',
    text: row.text,
    authorId: createdBy,
    data: { action: 'added', followUpId: row.id, ownerId: row.ownerId, dueDate: row.dueDate },
    occurredAt: now,
    recordedAt: now,
    sourceChannel: source?.sourceChannel ?? null,
    sourceTs: source?.sourceTs ?? null,
    capturedVia: source ? (source.via ?? 'reaction') : (via ?? 'command'),
  });
  return { followUp: row, created: true };
}

export function addFollowUp(
  db: Db,
  clock: Clock,
  input: NewFollowUp & { incidentId: number; createdBy: string; source?: FollowUpSource },
): { followUp: FollowUp; created: boolean } {
  const now = clock.now();
  const f = validateFollowUp(input);
  return db.transaction((tx) => insertFollowUp(tx, input.incidentId, f, input.createdBy, now, input.source));
}

export function getFollowUp(db: Db, id: number): FollowUp | undefined {
  return db.select().from(followUps).where(eq(followUps.id, id)).get();
}

export function requireFollowUp(db: Db, id: number): FollowUp {
  const f = getFollowUp(db, id);
  if (!f) throw new DomainError('not_found', 'That follow-up no longer exists.');
  return f;
}

/** Marks a follow-up done; done twice is not an error (two people clicking the same button). */
export function completeFollowUp(
  db: Db,
  clock: Clock,
  input: { followUpId: number; userId: string },
): { followUp: FollowUp; changed: boolean } {
  const now = clock.now();
  return db.transaction((tx) => {
    const f = tx.select().from(followUps).where(eq(followUps.id, input.followUpId)).get();
    if (!f) throw new DomainError('not_found', 'That follow-up no longer exists.');
    if (f.status !== 'open') return { followUp: f, changed: false };
    const updated = tx
      .update(followUps)
      .set({ status: 'done', doneAt: now, doneBy: input.userId })
      .where(eq(followUps.id, f.id))
      .returning()
      .get();
    if (!updated) throw new Error('follow-up vanished during update');
    addTimelineEvent(tx, {
      incidentId: f.incidentId,
      kind: 'follow_up',
      text: f.text,
      authorId: input.userId,
      data: { action: 'done', followUpId: f.id },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'command',
    });
    return { followUp: updated, changed: true };
  });
}

/** No reminders before `until` (a date in the owner's calendar). */
export function snoozeFollowUp(
  db: Db,
  input: { followUpId: number; until: string; today: string },
  field?: string,
): FollowUp {
  if (!isCalendarDate(input.until)) throw invalid('Pick a date to snooze until.', field);
  if (input.until <= input.today) throw invalid('Pick a date after today.', field);
  if (input.until > addDays(input.today, 366)) throw invalid('Snooze for at most a year.', field);
  const f = requireFollowUp(db, input.followUpId);
  if (f.status !== 'open') throw new DomainError('invalid_state', 'That follow-up is already done.');
  const updated = db
    .update(followUps)
    .set({ snoozedUntil: input.until })
    .where(eq(followUps.id, f.id))
    .returning()
    .get();
  if (!updated) throw new Error('follow-up vanished during update');
  return updated;
}

export interface FollowUpWithIncident {
  followUp: FollowUp;
  incident: Incident;
}

export type FollowUpScope =
  | { kind: 'mine'; userId: string }
  | { kind: 'all' }
  | { kind: 'incident'; incidentId: number };

/** Open follow-ups in a scope, soonest due first (undated last), oldest first within a day. */
export function listOpenFollowUps(db: Db, scope: FollowUpScope): FollowUpWithIncident[] {
  const where = [eq(followUps.status, 'open')];
  if (scope.kind === 'mine') where.push(eq(followUps.ownerId, scope.userId));
  if (scope.kind === 'incident') where.push(eq(followUps.incidentId, scope.incidentId));
  return db
    .select({ followUp: followUps, incident: incidents })
    .from(followUps)
    .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
    .where(and(...where))
    .orderBy(sql`${followUps.dueDate} is null`, asc(followUps.dueDate), asc(followUps.createdAt))
    .all();
}

export function followUpsOfIncident(db: Db, incidentId: number): FollowUp[] {
  return db
    .select()
    .from(followUps)
    .where(eq(followUps.incidentId, incidentId))
    .orderBy(asc(followUps.createdAt), asc(followUps.id))
    .all();
}

/** Open follow-ups with an owner and a due date on or before `latestDue`: reminder candidates. */
export function followUpsForReminders(db: Db, latestDue: string): FollowUpWithIncident[] {
  return db
    .select({ followUp: followUps, incident: incidents })
    .from(followUps)
    .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
    .where(
      and(
        eq(followUps.status, 'open'),
        isNotNull(followUps.ownerId),
        isNotNull(followUps.dueDate),
        lte(followUps.dueDate, latestDue),
      ),
    )
    .all();
}

export function followUpWithIncidentById(db: Db, id: number): FollowUpWithIncident | undefined {
  return db
    .select({ followUp: followUps, incident: incidents })
    .from(followUps)
    .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
    .where(eq(followUps.id, id))
    .get();
}

export function followUpsByIds(db: Db, ids: number[]): FollowUp[] {
  if (ids.length === 0) return [];
  return db.select().from(followUps).where(inArray(followUps.id, ids)).all();
}

// ---------------------------------------------------------------------------------------------
// `/incident followup <text> [@owner] [due <date>]`

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * Due dates people type: 2026-12-01, today, tomorrow, mon … sun (the next one after today),
 * "in 3d", "in 2w", "in 3 days", "next week" (next Monday). `today` is in the caller's time zone.
 */
export function parseDueDate(input: string, today: string): string | null {
  const s = input.trim().toLowerCase().replace(/\s+/g, ' ');
  if (isCalendarDate(s)) return s;
  if (s === 'today') return today;
  if (s === 'tomorrow' || s === 'tmrw') return addDays(today, 1);
  const wd = /^(?:next )?(sun|mon|tue|wed|thu|fri|sat)[a-z]*$/.exec(s);
  if (wd?.[1] !== undefined) {
    const target = WEEKDAYS.indexOf(wd[1]);
    const diff = (target - weekdayOf(today) + 7) % 7 || 7;
    return addDays(today, diff);
  }
  const rel = /^in (\d{1,3}) ?(d|day|days|w|wk|week|weeks)$/.exec(s);
  if (rel?.[1] !== undefined && rel[2] !== undefined) {
    const n = Number(rel[1]);
    return addDays(today, rel[2].startsWith('w') ? n * 7 : n);
  }
  if (s === 'next week') return addDays(today, (1 - weekdayOf(today) + 7) % 7 || 7);
  return null;
}

/**
 * Splits the command text into the work, an optional owner (`@bob`: the command text is decoded
 * before it gets here, so an escaped `<@U123|bob>` reads `@bob`; a raw `<@U123>` is accepted too)
 * and an optional trailing `due <date>`. The owner comes back as `ownerRef`, for the one people
 * parser (src/slack/mentions.ts) to turn into an ID; `ownerId` is left null.
 */
export function parseFollowUpCommand(text: string, today: string): NewFollowUp & { ownerRef?: string } {
  let rest = text.trim();
  let dueDate: string | null = null;
  // The last "due …" counts, so "fix the due-date parser due fri" keeps its first "due".
  const due = /^([\s\S]*)\bdue:?\s+(\S[^\n]*)$/i.exec(rest);
  if (due?.[1] !== undefined && due[2] !== undefined) {
    const parsed = parseDueDate(due[2], today);
    if (parsed !== null) {
      dueDate = parsed;
      rest = due[1].trim();
    } else if (/\d/.test(due[2])) {
      throw invalid(
        `I can’t read “${due[2].slice(0, 40).replace(/[<>&`]/g, '')}” as a date. Try 2026-12-01, tomorrow, fri or in 3d.`,
        'dueDate',
      );
    }
  }
  // `@here` and friends are not people; an address like ops@example.com is not a mention.
  const owners = [
    ...rest.matchAll(
      /<@[UW][A-Z0-9]+(?:\|[^>]*)?>|(?<=^|\s)@(?!(?:here|channel|everyone)\b)[A-Za-z0-9][\w.-]*/g,
    ),
  ];
  if (owners.length > 1) throw invalid('Name at most one owner for a follow-up.', 'ownerId');
  const m = owners[0];
  let ownerRef: string | undefined;
  if (m !== undefined) {
    ownerRef = m[0].replace(/[.-]+$/, '');
    rest = (rest.slice(0, m.index) + rest.slice((m.index ?? 0) + ownerRef.length))
      .replace(/\s+/g, ' ')
      .trim();
  }
  return { ...validateFollowUp({ text: rest, ownerId: null, dueDate }), ...(ownerRef ? { ownerRef } : {}) };
}
