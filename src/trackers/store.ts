import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lte, max } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { followUps, incidents, reminders, timelineEvents, trackerCursor, trackerOps } from '../db/schema.js';
import { addTimelineEvent, type Tx } from '../incidents/add-timeline-event.js';
import { DomainError } from '../incidents/errors.js';
import type { FollowUp, Incident } from '../incidents/model.js';
import { REOPEN_NOTICE_KIND } from '../resolution/reminders.js';
import type { Clock } from '../runtime/clock.js';
import type { RemoteTicket, TrackerName } from './types.js';

/**
 * The tracker's persistent state: the outbox read from the timeline, the queue of ticket work, and
 * what a tracker reports back. Every function is synchronous (one transaction each), so a crash
 * leaves either the old state or the new one, never half of it.
 *
 * The outbox is the timeline itself: every follow-up verb (added, done, edited) already writes a
 * `follow_up` entry in the same transaction as its change, so reading those entries past a cursor
 * finds every change to sync without each Slack surface having to remember to enqueue it.
 */

export type TrackerAction = 'create' | 'close' | 'update';
export type TrackerOp = typeof trackerOps.$inferSelect;

/** 30 s, 1, 2, 4 … minutes, at most an hour apart; after MAX_ATTEMPTS (about four hours) it gives up. */
export const MAX_ATTEMPTS = 10;
export function backoffMs(attempt: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
}

/** A tracker user for a Slack user, through TRACKER_USERS; both directions. */
export interface UserMap {
  toTracker(slackId: string | null): string | null;
  toSlack(trackerUser: string | null): string | null;
}

export function userMap(pairs: Record<string, string>): UserMap {
  const reverse = new Map(Object.entries(pairs).map(([s, t]) => [t.toLowerCase(), s]));
  return {
    toTracker: (id) => (id ? (pairs[id] ?? null) : null),
    toSlack: (u) => (u ? (reverse.get(u.toLowerCase()) ?? null) : null),
  };
}

function pendingOp(tx: Tx, followUpId: number, action: TrackerAction): TrackerOp | undefined {
  return tx
    .select()
    .from(trackerOps)
    .where(
      and(
        eq(trackerOps.followUpId, followUpId),
        eq(trackerOps.action, action),
        eq(trackerOps.status, 'pending'),
      ),
    )
    .get();
}

/** Queues work for a follow-up once: a second request for the same pending work is the same work. */
export function enqueueOp(
  tx: Tx,
  now: Date,
  op: { followUpId: number; action: TrackerAction; requestedBy: string | null; announce?: boolean },
): { op: TrackerOp; created: boolean } {
  const existing = pendingOp(tx, op.followUpId, op.action);
  if (existing) return { op: existing, created: false };
  const row = tx
    .insert(trackerOps)
    .values({
      followUpId: op.followUpId,
      action: op.action,
      requestedBy: op.requestedBy,
      announce: op.announce ?? false,
      nextAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  return { op: row, created: true };
}

/**
 * Sets the outbox cursor to the end of the timeline if it has none (the first start with a tracker), so
 * the follow-ups that already existed are not all turned into tickets, and the first one added after
 * start-up is, whichever runs first: the scheduled sync or the run after a Slack request.
 */
export function ensureCursor(db: Db): void {
  db.transaction((tx) => {
    if (tx.select().from(trackerCursor).where(eq(trackerCursor.id, 1)).get()) return;
    const last =
      tx
        .select({ id: max(timelineEvents.id) })
        .from(timelineEvents)
        .get()?.id ?? 0;
    tx.insert(trackerCursor).values({ id: 1, timelineId: last }).run();
  });
}

/**
 * Reads follow-up changes from the timeline past the cursor and queues their ticket work. The first
 * run starts at the end: follow-ups from before the tracker was configured get a ticket only when
 * someone presses Create ticket. Follow-ups of private incidents never become tickets on their own
 * (the tracker is seen by people outside the incident); the button still works for them.
 */
export function scanOutbox(db: Db, clock: Clock, users: UserMap, hasDueDates: boolean): number {
  const now = clock.now();
  return db.transaction((tx) => {
    const cursor = tx.select().from(trackerCursor).where(eq(trackerCursor.id, 1)).get();
    const last =
      tx
        .select({ id: max(timelineEvents.id) })
        .from(timelineEvents)
        .get()?.id ?? 0;
    if (!cursor) {
      tx.insert(trackerCursor).values({ id: 1, timelineId: last }).run();
      return 0;
    }
    if (last <= cursor.timelineId) return 0;
    const events = tx
      .select({ id: timelineEvents.id, data: timelineEvents.data, authorId: timelineEvents.authorId })
      .from(timelineEvents)
      .where(
        and(
          gt(timelineEvents.id, cursor.timelineId),
          lte(timelineEvents.id, last),
          eq(timelineEvents.kind, 'follow_up'),
        ),
      )
      .orderBy(asc(timelineEvents.id))
      .all();
    let queued = 0;
    for (const ev of events) {
      const action = ev.data?.action;
      const id = ev.data?.followUpId;
      if (typeof id !== 'number') continue;
      const row = tx
        .select({ f: followUps, i: incidents })
        .from(followUps)
        .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
        .where(eq(followUps.id, id))
        .get();
      if (!row) continue;
      const { f, i } = row;
      let want: TrackerAction | null = null;
      if (action === 'added' && f.ticketRef === null && f.status === 'open' && !i.isPrivate) want = 'create';
      // Not a close the tracker itself reported (`via`), nor one undone since by a reopen there.
      else if (
        action === 'done' &&
        ev.data?.via === undefined &&
        f.status !== 'open' &&
        f.ticketRef !== null &&
        f.ticketState !== 'closed'
      )
        want = 'close';
      else if (
        action === 'edited' &&
        f.ticketRef !== null &&
        f.status === 'open' &&
        needsUpdate(f, users, hasDueDates)
      )
        want = 'update';
      if (
        want &&
        enqueueOp(tx, now, { followUpId: f.id, action: want, requestedBy: ev.authorId ?? f.createdBy })
          .created
      )
        queued++;
    }
    tx.update(trackerCursor).set({ timelineId: last }).where(eq(trackerCursor.id, 1)).run();
    return queued;
  });
}

function needsUpdate(f: FollowUp, users: UserMap, hasDueDates: boolean): boolean {
  return users.toTracker(f.ownerId) !== f.ticketAssignee || (hasDueDates && f.dueDate !== f.ticketDue);
}

/** The Create ticket button: queues a ticket for one follow-up, and says why not when it cannot. */
export function requestTicket(
  db: Db,
  clock: Clock,
  followUpId: number,
  userId: string,
): { op: TrackerOp; created: boolean } {
  const now = clock.now();
  return db.transaction((tx) => {
    const f = tx.select().from(followUps).where(eq(followUps.id, followUpId)).get();
    if (!f) throw new DomainError('not_found', 'That follow-up no longer exists.');
    if (f.ticketRef !== null)
      throw new DomainError(
        'invalid_state',
        `Follow-up #${f.id} already has a ticket: ${f.ticketKey ?? f.ticketRef}.`,
      );
    return enqueueOp(tx, now, { followUpId: f.id, action: 'create', requestedBy: userId, announce: true });
  });
}

export function dueOps(db: Db, clock: Clock, limit = 20): TrackerOp[] {
  const now = clock.now();
  return db
    .select()
    .from(trackerOps)
    .where(and(eq(trackerOps.status, 'pending'), lte(trackerOps.nextAt, now)))
    .orderBy(asc(trackerOps.nextAt), asc(trackerOps.id))
    .limit(limit)
    .all();
}

export function opsOf(db: Db, followUpId: number): TrackerOp[] {
  return db
    .select()
    .from(trackerOps)
    .where(eq(trackerOps.followUpId, followUpId))
    .orderBy(desc(trackerOps.id))
    .all();
}

export function followUpWithIncident(db: Db, id: number): { f: FollowUp; i: Incident } | undefined {
  return db
    .select({ f: followUps, i: incidents })
    .from(followUps)
    .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
    .where(eq(followUps.id, id))
    .get();
}

/** The ticket exists: store it with the follow-up, finish the op, tell the timeline. */
export function recordCreated(
  db: Db,
  clock: Clock,
  op: TrackerOp,
  t: {
    tracker: TrackerName;
    label: string;
    ref: string;
    key: string;
    url: string;
    assignee: string | null;
    due: string | null;
  },
): FollowUp {
  const now = clock.now();
  return db.transaction((tx) => {
    const f = tx
      .update(followUps)
      .set({
        ticketTracker: t.tracker,
        ticketRef: t.ref,
        ticketKey: t.key,
        ticketUrl: t.url,
        ticketState: 'open',
        ticketAssignee: t.assignee,
        ticketDue: t.due,
      })
      .where(eq(followUps.id, op.followUpId))
      .returning()
      .get();
    if (!f) throw new Error('follow-up vanished while its ticket was created');
    finishOp(tx, now, op.id, 'done', null);
    addTimelineEvent(tx, {
      incidentId: f.incidentId,
      kind: 'follow_up',
      text: `Follow-up #${f.id} is ${t.label} ${t.key}`,
      data: { action: 'ticket', followUpId: f.id, tracker: t.tracker, key: t.key, url: t.url },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'auto',
    });
    // Done in Slack before the ticket existed (say, while the tracker was down): close it too.
    if (f.status !== 'open')
      enqueueOp(tx, now, { followUpId: f.id, action: 'close', requestedBy: op.requestedBy });
    return f;
  });
}

/** A ticket time mark only moves forward: `at` replaces `known` when it is later (or none is known). */
function movesMark(known: Date | null | undefined, at: Date): boolean {
  return !known || at.getTime() > known.getTime();
}

/**
 * The ticket is closed: `at` is the tracker's time of the close when its answer said (else our
 * clock), so a delivery from before it (a late `reopened`) reads as stale.
 */
export function recordClosed(db: Db, clock: Clock, op: TrackerOp, at?: Date): void {
  const now = clock.now();
  db.transaction((tx) => {
    const f = tx.select().from(followUps).where(eq(followUps.id, op.followUpId)).get();
    const when = at ?? now;
    tx.update(followUps)
      .set({
        ticketState: 'closed',
        ...(movesMark(f?.ticketStateAt, when) ? { ticketStateAt: when } : {}),
      })
      .where(eq(followUps.id, op.followUpId))
      .run();
    finishOp(tx, now, op.id, 'done', null);
  });
}

/**
 * The ticket's assignee and due date are ours now. When something was sent, `at` (the tracker's time
 * of the change when its answer said, else our clock) marks them, so a delivery from before it (the
 * late echo of an older assignee) reads as stale.
 */
export function recordUpdated(
  db: Db,
  clock: Clock,
  op: TrackerOp,
  assignee: string | null,
  due: string | null,
  sent = true,
  at?: Date,
): void {
  const now = clock.now();
  db.transaction((tx) => {
    const f = tx.select().from(followUps).where(eq(followUps.id, op.followUpId)).get();
    const when = at ?? now;
    tx.update(followUps)
      .set({
        ticketAssignee: assignee,
        ticketDue: due,
        ...(sent && movesMark(f?.ticketFieldsAt, when) ? { ticketFieldsAt: when } : {}),
      })
      .where(eq(followUps.id, op.followUpId))
      .run();
    finishOp(tx, now, op.id, 'done', null);
  });
}

/** Nothing to do after all (no ticket to close yet; the create closes it). */
export function skipOp(db: Db, clock: Clock, op: TrackerOp): void {
  const now = clock.now();
  finishOp(db, now, op.id, 'done', null);
}

function finishOp(tx: Tx, now: Date, id: number, status: 'done' | 'gave_up', error: string | null): void {
  tx.update(trackerOps)
    .set({ status, updatedAt: now, ...(error !== null ? { lastError: error } : {}) })
    .where(eq(trackerOps.id, id))
    .run();
}

/** A failed attempt: retried at `nextAt`, or given up. Returns the op as stored. */
export function recordFailure(
  db: Db,
  clock: Clock,
  op: TrackerOp,
  error: string,
  retry: { giveUp: boolean; waitMs: number },
): TrackerOp {
  const now = clock.now();
  const attempts = op.attempts + 1;
  const giveUp = retry.giveUp || attempts >= MAX_ATTEMPTS;
  const row = db
    .update(trackerOps)
    .set({
      attempts,
      lastError: error.slice(0, 500),
      status: giveUp ? 'gave_up' : 'pending',
      nextAt: new Date(now.getTime() + retry.waitMs),
      failureNoticed: true,
      updatedAt: now,
    })
    .where(eq(trackerOps.id, op.id))
    .returning()
    .get();
  if (!row) throw new Error('tracker op vanished');
  return row;
}

export function openTickets(db: Db, tracker: TrackerName, limit: number): FollowUp[] {
  return db
    .select()
    .from(followUps)
    .where(
      and(eq(followUps.ticketTracker, tracker), isNotNull(followUps.ticketRef), eq(followUps.status, 'open')),
    )
    .orderBy(asc(followUps.id))
    .limit(limit)
    .all();
}

/**
 * Done follow-ups whose ticket may be reopened: done within `sinceDays` (in Slack or by the ticket's
 * close), most recently done first, at most `limit` (each costs the poll one read of the tracker).
 */
export function recentlyDoneTickets(db: Db, tracker: TrackerName, since: Date, limit: number): FollowUp[] {
  return db
    .select()
    .from(followUps)
    .where(
      and(
        eq(followUps.ticketTracker, tracker),
        isNotNull(followUps.ticketRef),
        eq(followUps.status, 'done'),
        eq(followUps.ticketState, 'closed'),
        gte(followUps.doneAt, since),
      ),
    )
    .orderBy(desc(followUps.doneAt), desc(followUps.id))
    .limit(limit)
    .all();
}

export function markPolled(db: Db, clock: Clock): void {
  const now = clock.now();
  db.update(trackerCursor).set({ polledAt: now }).where(eq(trackerCursor.id, 1)).run();
}

export interface RemoteApplied {
  followUp: FollowUp;
  incident: Incident;
  closed: boolean;
  /** A done follow-up whose ticket is open again in the tracker: open again too. */
  reopened: boolean;
  ownerChanged: boolean;
  dueChanged: boolean;
  /**
   * A delivery older than the last known state change, or than the last known assignee/due date
   * change: that part of it (or all of it) was ignored.
   */
  stale?: boolean;
  /**
   * Nothing applied: the delivery has no usable time, or the same time as the last known state
   * change while it would change the state; the caller reads the ticket and applies that instead.
   */
  needsRead?: boolean;
}

/**
 * What the tracker says about a ticket (webhook or poll) applied to its follow-up: closed there
 * marks it done (reminders only go to open follow-ups, so they stop), and an assignee or due date
 * changed there moves the follow-up's owner or due date. Each change goes on the timeline, marked
 * as coming from the tracker. The ticket's last-known values are stored too, so the outbox does
 * not send the same change back.
 */
export function applyRemote(
  db: Db,
  clock: Clock,
  tracker: { name: TrackerName; label: string },
  remote: RemoteTicket,
  users: UserMap,
): RemoteApplied | null {
  const now = clock.now();
  return db.transaction((tx) => {
    const row = tx
      .select({ f: followUps, i: incidents })
      .from(followUps)
      .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
      .where(and(eq(followUps.ticketTracker, tracker.name), eq(followUps.ticketRef, remote.ref)))
      .get();
    if (!row) return null;
    const { f, i } = row;
    const set: Partial<typeof followUps.$inferInsert> = {};
    const changes: Record<string, unknown> = {};
    const closed = remote.closed && f.status === 'open';
    // Reopened only from a close we know of (ticketState closed, whoever closed it): a ticket read as
    // open while Slack's Done is still on its way to the tracker is not a reopen, and the echo of that
    // close only confirms ticketState. A webhook must itself be the state change (see stateChanged).
    const reopened =
      !remote.closed && f.status === 'done' && f.ticketState === 'closed' && remote.stateChanged !== false;
    // Deliveries can arrive out of order (a tracker's retry, a slow hop): one older than the last
    // state change we know of must not undo it (a stale `reopened` would reopen the follow-up and DM
    // its owner until the next poll closed it again). A read is the ticket as it is now: never stale.
    // The same for the assignee and due date, by their own mark: an old `assigned` delivery arriving
    // after a newer owner change made in Slack (and sent to the ticket) must not switch the owner back,
    // while the same delivery may still be news about the state (a genuine late close), or the reverse.
    const delivery = remote.stateChanged !== undefined;
    const known = f.ticketStateAt;
    const fieldsKnown = f.ticketFieldsAt;
    const fieldsDiffer =
      remote.assignee !== f.ticketAssignee ||
      (remote.dueDate !== undefined && remote.dueDate !== f.ticketDue);
    const unchanged = {
      followUp: f,
      incident: i,
      closed: false,
      reopened: false,
      ownerChanged: false,
      dueChanged: false,
    };
    if (delivery && remote.at === undefined) return { ...unchanged, needsRead: true };
    let stateStale = false;
    let fieldsStale = false;
    if (delivery && remote.at && known) {
      stateStale = remote.at.getTime() < known.getTime();
      // Same time (GitHub's times are whole seconds): cannot tell which came first; ask the tracker.
      if (remote.at.getTime() === known.getTime() && (closed || reopened))
        return { ...unchanged, needsRead: true };
    }
    if (delivery && remote.at && fieldsKnown) {
      fieldsStale = remote.at.getTime() < fieldsKnown.getTime();
      if (remote.at.getTime() === fieldsKnown.getTime() && fieldsDiffer)
        return { ...unchanged, needsRead: true };
    }
    if (stateStale && (fieldsStale || !fieldsDiffer)) return { ...unchanged, stale: true };
    const stale = stateStale || fieldsStale;
    const isClosed = !stateStale && closed;
    const isReopened = !stateStale && reopened;
    if (
      !stateStale &&
      remote.closed !== (f.ticketState === 'closed') &&
      (remote.closed || reopened || f.status === 'open')
    )
      set.ticketState = remote.closed ? 'closed' : 'open';
    // What this tells is the state as of `at` (a delivery about the state, or a read): newer than
    // what we knew, it is the new mark deliveries are measured against.
    if (remote.at && (!delivery || remote.stateChanged) && movesMark(known, remote.at))
      set.ticketStateAt = remote.at;
    // Every delivery and read carries the ticket's assignee and due date as of `at`.
    if (remote.at && !fieldsStale && movesMark(fieldsKnown, remote.at)) set.ticketFieldsAt = remote.at;
    if (isClosed) Object.assign(set, { status: 'done', doneAt: now, doneBy: null });
    if (isReopened) Object.assign(set, { status: 'open', doneAt: null, doneBy: null, snoozedUntil: null });
    const open = f.status === 'open' || isReopened;

    let ownerChanged = false;
    if (!fieldsStale && remote.assignee !== f.ticketAssignee) {
      set.ticketAssignee = remote.assignee;
      const owner = users.toSlack(remote.assignee);
      // An assignee Firebreak cannot map to a person leaves the owner alone rather than clearing it.
      if ((owner !== null || remote.assignee === null) && owner !== f.ownerId && open) {
        set.ownerId = owner;
        changes.ownerId = { from: f.ownerId, to: owner };
        ownerChanged = true;
      }
    }
    let dueChanged = false;
    if (!fieldsStale && remote.dueDate !== undefined && remote.dueDate !== f.ticketDue) {
      set.ticketDue = remote.dueDate;
      if (remote.dueDate !== f.dueDate && open) {
        set.dueDate = remote.dueDate;
        changes.dueDate = { from: f.dueDate, to: remote.dueDate };
        dueChanged = true;
      }
    }
    if ((ownerChanged || dueChanged) && f.snoozedUntil !== null) set.snoozedUntil = null;
    if (Object.keys(set).length === 0)
      return { followUp: f, incident: i, closed: false, reopened: false, ownerChanged, dueChanged, stale };
    const updated = tx.update(followUps).set(set).where(eq(followUps.id, f.id)).returning().get();
    if (!updated) throw new Error('follow-up vanished during update');
    const base = {
      incidentId: f.incidentId,
      kind: 'follow_up',
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'auto',
    };
    if (ownerChanged || dueChanged)
      addTimelineEvent(tx, {
        ...base,
        text: `Follow-up #${f.id} changed in ${tracker.label} ${f.ticketKey ?? ''}: ${describe(changes)}`,
        data: { action: 'edited', followUpId: f.id, via: tracker.name, ...changes },
      });
    if (isClosed)
      addTimelineEvent(tx, {
        ...base,
        text: `Follow-up #${f.id} done: ${tracker.label} ${f.ticketKey ?? ''} was closed`,
        data: { action: 'done', followUpId: f.id, via: tracker.name, key: f.ticketKey },
      });
    if (isReopened) {
      // The outbox ignores `reopened` (nothing to send back: the tracker is where it happened).
      addTimelineEvent(tx, {
        ...base,
        text: `Follow-up #${f.id} reopened: ${tracker.label} ${f.ticketKey ?? ''} was reopened`,
        data: { action: 'reopened', followUpId: f.id, via: tracker.name, key: f.ticketKey },
      });
      // The owner's DM, stored with the change so it is not lost: a reminders row waiting to be
      // claimed (status failed, no attempt yet), sent by the reminder job with the usual retries.
      if (updated.ownerId)
        tx.insert(reminders)
          .values({
            kind: REOPEN_NOTICE_KIND,
            subjectId: f.id,
            slot: now.toISOString(),
            userId: updated.ownerId,
            status: 'failed',
            attempts: 0,
            lastError: 'not sent yet',
            claimedAt: now,
          })
          .onConflictDoNothing()
          .run();
    }
    return {
      followUp: updated,
      incident: i,
      closed: isClosed,
      reopened: isReopened,
      ownerChanged,
      dueChanged,
      ...(stale ? { stale } : {}),
    };
  });
}

function describe(changes: Record<string, unknown>): string {
  const parts: string[] = [];
  const c = changes as {
    ownerId?: { from: string | null; to: string | null };
    dueDate?: { from: string | null; to: string | null };
  };
  if (c.ownerId) parts.push(`owner ${c.ownerId.from ?? 'none'} → ${c.ownerId.to ?? 'none'}`);
  if (c.dueDate) parts.push(`due ${c.dueDate.from ?? 'none'} → ${c.dueDate.to ?? 'none'}`);
  return parts.join('; ');
}

export function followUpsByTicket(db: Db, ids: number[]): FollowUp[] {
  return ids.length === 0 ? [] : db.select().from(followUps).where(inArray(followUps.id, ids)).all();
}
