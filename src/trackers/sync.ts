import { eq } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { slackUsers } from '../db/schema.js';
import { type Incident, incidentRef } from '../incidents/model.js';
import type { AppLogger } from '../log.js';
import type { Clock } from '../runtime/clock.js';
import type { FetchFn } from './http.js';
import { trackerFromConfig } from './index.js';
import {
  applyRemote,
  backoffMs,
  dueOps,
  ensureCursor,
  followUpWithIncident,
  markPolled,
  openTickets,
  type RemoteApplied,
  recentlyDoneTickets,
  recordClosed,
  recordCreated,
  recordFailure,
  recordUpdated,
  requestTicket,
  scanOutbox,
  skipOp,
  type TrackerOp,
  type UserMap,
  userMap,
} from './store.js';
import { type TicketDraft, type Tracker, TrackerError } from './types.js';

/** Something to tell a person (the glue sends it as a DM). */
export interface TrackerNotice {
  userId: string;
  text: string;
}

/** How many tickets one poll reads; the rest wait for the next run (oldest first). */
export const POLL_BATCH = 200;
/**
 * Done follow-ups whose closed ticket each poll also reads, to see it reopened without a webhook:
 * those done in the last REOPEN_WINDOW_DAYS, at most POLL_DONE_BATCH, most recently done first.
 * Bounded so a poll's reads stay within the trackers' rate limits (GitHub: 5,000 an hour).
 */
export const POLL_DONE_BATCH = 50;
export const REOPEN_WINDOW_DAYS = 30;

/**
 * The tracker sync of one app: the outbox scan, the retry queue, polling and webhooks. One run of
 * the queue at a time in this process (the database lock keeps other processes out), so no op is
 * sent twice by two overlapping runs.
 */
export interface TrackerSync {
  readonly tracker: Tracker;
  readonly users: UserMap;
  /** Scans the outbox and runs every op that is due; returns what people should be told. */
  run(): Promise<TrackerNotice[]>;
  /** The Create ticket button. */
  request(followUpId: number, userId: string): { created: boolean };
  /** Reads open and recently done tickets back from the tracker (trackers without webhooks, missed deliveries). */
  poll(): Promise<RemoteApplied[]>;
  /**
   * A webhook delivery: null = bad signature; otherwise what it did to the follow-ups it names.
   * Resolves after a read of the ticket when the delivery alone cannot be trusted (no time in it,
   * or a state change at the very time of the last one we know).
   */
  webhook(raw: string, headers: Record<string, string | undefined>): Promise<RemoteApplied[] | null>;
}

export function createTrackerSync(deps: {
  config: Config;
  db: Db;
  clock: Clock;
  logger: AppLogger;
  fetch?: FetchFn;
}): TrackerSync | undefined {
  const tracker = trackerFromConfig(deps.config, deps.fetch);
  if (!tracker) return undefined;
  const { db, clock, logger } = deps;
  const users = userMap(deps.config.TRACKER_USERS);
  ensureCursor(db);
  let tail: Promise<unknown> = Promise.resolve();
  let queued: Promise<TrackerNotice[]> | undefined;

  const nameOf = (userId: string | null): string | null =>
    userId
      ? (db.select({ name: slackUsers.name }).from(slackUsers).where(eq(slackUsers.id, userId)).get()?.name ??
        null)
      : null;

  const draftFor = (
    f: { text: string; ownerId: string | null; dueDate: string | null },
    i: Incident,
  ): TicketDraft => {
    const ref = incidentRef(i);
    const url = i.channelId
      ? `https://slack.com/app_redirect?channel=${encodeURIComponent(i.channelId)}`
      : null;
    const owner = nameOf(f.ownerId);
    const body = [
      i.isPrivate ? `A follow-up from ${ref}, a private incident.` : `A follow-up from ${ref}: ${i.title}`,
      owner ? `Owner in Slack: ${owner}` : null,
      'Created by Firebreak. Closing this ticket marks the follow-up done in Slack.',
    ]
      .filter((s): s is string => s !== null)
      .join('\n\n');
    return {
      title: Array.from(f.text.replace(/\s+/g, ' ').trim()).slice(0, 200).join(''),
      body,
      link: { text: `${ref} in Slack`, url },
      assignee: users.toTracker(f.ownerId),
      dueDate: f.dueDate,
    };
  };

  const what = (op: TrackerOp, key: string | null): string =>
    op.action === 'create'
      ? `create a ${tracker.label} ticket for`
      : op.action === 'close'
        ? `close ${tracker.label} ${key ?? 'ticket'} for`
        : `update ${tracker.label} ${key ?? 'ticket'} for`;

  const runOp = async (op: TrackerOp, notices: TrackerNotice[]): Promise<void> => {
    const row = followUpWithIncident(db, op.followUpId);
    if (!row) return skipOp(db, clock, op);
    const { f, i } = row;
    const label = `follow-up #${f.id} “${Array.from(f.text).slice(0, 80).join('')}” (${incidentRef(i)})`;
    try {
      if (op.action === 'create') {
        if (f.ticketRef !== null) return skipOp(db, clock, op);
        const draft = draftFor(f, i);
        const t = await tracker.create(draft);
        const stored = recordCreated(db, clock, op, {
          tracker: tracker.name,
          label: tracker.label,
          ...t,
          assignee: draft.assignee,
          due: tracker.hasDueDates ? draft.dueDate : null,
        });
        if (op.requestedBy && (op.announce || op.failureNoticed))
          notices.push({
            userId: op.requestedBy,
            text: `:ticket: ${cap(label)} is now ${tracker.label} <${t.url}|${t.key}>${op.failureNoticed ? ` (after ${op.attempts + 1} attempts)` : ''}.`,
          });
        void stored;
      } else if (op.action === 'close') {
        // No ticket yet: the pending create closes it once it exists (recordCreated).
        if (f.ticketRef === null || f.ticketState === 'closed') return skipOp(db, clock, op);
        const closedAt = await tracker.close(f.ticketRef);
        recordClosed(db, clock, op, closedAt);
        if (op.failureNoticed && op.requestedBy)
          notices.push({
            userId: op.requestedBy,
            text: `:white_check_mark: ${tracker.label} ${f.ticketKey} is closed now, as ${label} is done.`,
          });
      } else {
        if (f.ticketRef === null || f.status !== 'open') return skipOp(db, clock, op);
        const assignee = users.toTracker(f.ownerId);
        const due = tracker.hasDueDates ? f.dueDate : null;
        const fields = {
          ...(assignee !== f.ticketAssignee ? { assignee } : {}),
          ...(tracker.hasDueDates && due !== f.ticketDue ? { dueDate: due } : {}),
        };
        const updatedAt = await tracker.update(f.ticketRef, fields);
        recordUpdated(db, clock, op, assignee, due, Object.keys(fields).length > 0, updatedAt);
      }
    } catch (e) {
      const err = e instanceof TrackerError ? e : new TrackerError((e as Error).message ?? String(e), true);
      const wait = Math.max(backoffMs(op.attempts + 1), err.retryAfterMs ?? 0);
      const stored = recordFailure(db, clock, op, err.message, { giveUp: !err.retryable, waitMs: wait });
      logger.warn(
        `tracker: could not ${what(op, f.ticketKey)} follow-up ${f.id} (attempt ${stored.attempts}): ${err.message}`,
      );
      if (!op.requestedBy) return;
      if (stored.status === 'gave_up')
        notices.push({
          userId: op.requestedBy,
          text: `:x: I gave up trying to ${what(op, f.ticketKey)} ${label} after ${stored.attempts} attempt${stored.attempts === 1 ? '' : 's'}: ${err.message}. The follow-up is kept in Firebreak${op.action === 'create' ? '; press *Create ticket* on it to try again' : ''}.`,
        });
      else if (!op.failureNoticed)
        notices.push({
          userId: op.requestedBy,
          text: `:warning: I could not ${what(op, f.ticketKey)} ${label}: ${err.message}. The follow-up is kept; I will retry on my own (next try in ${Math.round(wait / 1000)} s) and tell you how it ends.`,
        });
    }
  };

  const runOnce = async (): Promise<TrackerNotice[]> => {
    scanOutbox(db, clock, users, tracker.hasDueDates);
    const notices: TrackerNotice[] = [];
    // Ops that fail are rescheduled into the future, so this loop ends.
    for (let round = 0; round < 10; round++) {
      const ops = dueOps(db, clock);
      if (ops.length === 0) break;
      for (const op of ops) await runOp(op, notices);
    }
    return notices;
  };

  const apply = (remote: Parameters<typeof applyRemote>[3]) =>
    applyRemote(db, clock, { name: tracker.name, label: tracker.label }, remote, users);

  return {
    tracker,
    users,
    run() {
      // Strictly one run at a time: a call while one runs queues one more run after it, and
      // further calls join that queued run (their notices go to its first caller only, so nobody
      // is told twice).
      if (queued) return queued.then(() => []);
      const next = tail.then(() => {
        queued = undefined;
        return runOnce();
      });
      queued = next;
      tail = next.catch(() => []);
      return next;
    },
    request(followUpId, userId) {
      return { created: requestTicket(db, clock, followUpId, userId).created };
    },
    async poll() {
      const changed: RemoteApplied[] = [];
      const since = new Date(clock.now().getTime() - REOPEN_WINDOW_DAYS * 86_400_000);
      const tickets = [
        ...openTickets(db, tracker.name, POLL_BATCH),
        ...recentlyDoneTickets(db, tracker.name, since, POLL_DONE_BATCH),
      ];
      for (const f of tickets) {
        if (!f.ticketRef) continue;
        let remote: Awaited<ReturnType<Tracker['fetch']>>;
        try {
          remote = await tracker.fetch(f.ticketRef);
        } catch (e) {
          // A rate limit or an outage: stop here, the next poll starts again from the oldest.
          logger.warn(`tracker: polling ${tracker.label} ${f.ticketKey} failed: ${(e as Error).message}`);
          break;
        }
        if (!remote) continue;
        const r = apply(remote);
        if (r && (r.closed || r.reopened || r.ownerChanged || r.dueChanged)) changed.push(r);
      }
      markPolled(db, clock);
      return changed;
    },
    async webhook(raw, headers) {
      const remotes = tracker.verifyWebhook(raw, headers, clock.now());
      if (remotes === null) return null;
      const out: RemoteApplied[] = [];
      for (const r of remotes) {
        let applied = apply(r);
        if (applied?.needsRead) {
          // As the poll does: the ticket as it is now decides. A failed read throws, the route
          // answers 500 and the tracker redelivers (or the next poll catches up).
          const now = await tracker.fetch(r.ref);
          applied = now ? apply(now) : null;
        }
        if (applied) out.push(applied);
      }
      return out;
    },
  };
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
