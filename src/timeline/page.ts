import { and, asc, count, desc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents, slackUsers, timelineEdits, timelineEvents } from '../db/schema.js';
import { type Incident, OPEN_STATUSES, type TimelineEvent } from '../incidents/model.js';

/** The timeline read model: entries in the order things happened, paged for Slack. */
export type TimelineEdit = typeof timelineEdits.$inferSelect;

export const TIMELINE_PAGE_SIZE = 10;

export interface TimelinePage {
  entries: TimelineEvent[];
  /** 0-based, clamped into range. */
  page: number;
  pageCount: number;
  total: number;
}

const order = [asc(timelineEvents.occurredAt), asc(timelineEvents.id)] as const;

/**
 * Joins and leaves are kept (they tell the postmortem who was there) but are noise in the
 * timeline a responder pages through at 3 a.m., so the timeline views leave them out.
 */
export const PRESENCE_KINDS = ['joined', 'left'] as const;
export const isPresence = (e: Pick<TimelineEvent, 'kind'>): boolean =>
  (PRESENCE_KINDS as readonly string[]).includes(e.kind);

export function timelinePage(
  db: Db,
  incidentId: number,
  page: number,
  pageSize = TIMELINE_PAGE_SIZE,
): TimelinePage {
  const shown = and(
    eq(timelineEvents.incidentId, incidentId),
    notInArray(timelineEvents.kind, [...PRESENCE_KINDS]),
  );
  const total = db.select({ n: count() }).from(timelineEvents).where(shown).get()?.n ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(Math.max(0, Math.floor(Number.isFinite(page) ? page : 0)), pageCount - 1);
  const entries = db
    .select()
    .from(timelineEvents)
    .where(shown)
    .orderBy(...order)
    .limit(pageSize)
    .offset(p * pageSize)
    .all();
  return { entries, page: p, pageCount, total };
}

export function fullTimeline(db: Db, incidentId: number): TimelineEvent[] {
  return db
    .select()
    .from(timelineEvents)
    .where(eq(timelineEvents.incidentId, incidentId))
    .orderBy(...order)
    .all();
}

/** Earlier versions of an entry, oldest first. */
export function editHistory(db: Db, eventId: number): TimelineEdit[] {
  return db
    .select()
    .from(timelineEdits)
    .where(eq(timelineEdits.eventId, eventId))
    .orderBy(asc(timelineEdits.changedAt), asc(timelineEdits.id))
    .all();
}

/** Display names Firebreak already knows (the users.info cache); unknown ids are left out. */
export function knownNames(db: Db, ids: Iterable<string>): Map<string, string> {
  const list = [...new Set(ids)];
  if (list.length === 0) return new Map();
  const rows = db
    .select({ id: slackUsers.id, name: slackUsers.name })
    .from(slackUsers)
    .where(inArray(slackUsers.id, list))
    .all();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Open incidents, newest first: the choices when a message is captured outside an incident channel. */
export function openIncidents(db: Db, limit = 100): Incident[] {
  return db
    .select()
    .from(incidents)
    .where(inArray(incidents.status, [...OPEN_STATUSES]))
    .orderBy(desc(incidents.declaredAt), desc(incidents.id))
    .limit(limit)
    .all();
}
