import type Database from 'better-sqlite3';
import type { Db } from '../db/client.js';
import type { Clock } from '../runtime/clock.js';
import type { Deps } from '../runtime/deps.js';
import type { Job } from '../runtime/schedule.js';

/**
 * The Events API inbox. An event is written here (payload and all) before Slack gets its 2xx,
 * so a retry with the same event_id is recognised and a crash mid-processing is resumed.
 *
 * This runs twice per event on the hot path (before the ack, and when the listener finishes), so it
 * uses prepared statements cached per connection instead of building each query with drizzle: that
 * was most of the bot's CPU per event in bench/events.bench.ts.
 */
export type InboxVerdict = 'new' | 'duplicate' | 'not_event';

interface EventEnvelope {
  type?: unknown;
  event_id?: unknown;
  event?: { type?: unknown };
}

interface Statements {
  insert: Database.Statement<[string, string, string, number]>;
  done: Database.Statement<[number, string]>;
  failed: Database.Statement<[string, string]>;
  pending: Database.Statement<[], { event_id: string; payload: string }>;
  prune: Database.Statement<[number]>;
  counts: Database.Statement<[], { status: string; n: number }>;
}

const cache = new WeakMap<Database.Database, Statements>();

function statements(db: Db): Statements {
  const sqlite = db.$client;
  let s = cache.get(sqlite);
  if (!s) {
    s = {
      insert: sqlite.prepare(
        `insert into slack_events (event_id, type, payload, status, attempts, received_at)
         values (?, ?, ?, 'pending', 0, ?) on conflict do nothing`,
      ),
      done: sqlite.prepare(
        `update slack_events set status = 'done', processed_at = ?, attempts = attempts + 1 where event_id = ?`,
      ),
      // Three tries, then it stays failed for a person to look at; never silently dropped.
      failed: sqlite.prepare(
        `update slack_events
            set status = case when attempts + 1 >= 3 then 'failed' else 'pending' end,
                attempts = attempts + 1, last_error = ?
          where event_id = ?`,
      ),
      pending: sqlite.prepare(
        `select event_id, payload from slack_events where status = 'pending' order by received_at, rowid`,
      ),
      prune: sqlite.prepare(`delete from slack_events where status = 'done' and processed_at < ?`),
      counts: sqlite.prepare(
        `select status, count(*) as n from slack_events where status in ('pending', 'failed') group by status`,
      ),
    };
    cache.set(sqlite, s);
  }
  return s;
}

/**
 * Stores an Events API envelope once. `raw` is the request body as received, stored as is (it is the
 * JSON of `body`), which saves serialising it again.
 */
export function recordEvent(db: Db, clock: Clock, body: unknown, raw?: string): InboxVerdict {
  const env = body as EventEnvelope;
  if (env?.type !== 'event_callback' || typeof env.event_id !== 'string') return 'not_event';
  const type = typeof env.event?.type === 'string' ? env.event.type : 'unknown';
  const inserted = statements(db).insert.run(
    env.event_id,
    type,
    raw ?? JSON.stringify(body),
    clock.now().getTime(),
  );
  return inserted.changes === 1 ? 'new' : 'duplicate';
}

export function markEvent(db: Db, clock: Clock, eventId: string, error?: unknown): void {
  const s = statements(db);
  if (error === undefined) s.done.run(clock.now().getTime(), eventId);
  else s.failed.run(error instanceof Error ? error.message : String(error), eventId);
}

export function pendingEvents(db: Db): { eventId: string; payload: Record<string, unknown> }[] {
  return statements(db)
    .pending.all()
    .map((r) => ({ eventId: r.event_id, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

/**
 * The app's own actions come back as events (Slack sends the bot its own messages, reactions, pins,
 * topic changes and joins: see sim/web-api.ts). They are stored like any event (a retry
 * must still be recognised) and then finished at once, never handed to a listener: acting on them
 * would capture the bot's own summary, loop on its own confirmations or record its own archive
 * twice. Bolt's `ignoreSelf` did the dropping before, but ahead of the inbox, which left every such
 * event pending and replayed at each start.
 */
export function isOwnEvent(
  event: { user?: unknown; bot_id?: unknown } | undefined,
  self: { botUserId?: string | undefined; botId?: string | undefined },
): boolean {
  if (!event) return false;
  if (self.botUserId !== undefined && event.user === self.botUserId) return true;
  return self.botId !== undefined && event.bot_id === self.botId;
}

/** Finished events are kept this long (a late Slack retry is still recognised), then deleted. */
export const INBOX_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Deletes events finished before `now - retentionMs`; failed ones stay for a person to look at. */
export function pruneEvents(db: Db, now: Date, retentionMs = INBOX_RETENTION_MS): number {
  return statements(db).prune.run(now.getTime() - retentionMs).changes;
}

/**
 * How many events are waiting to be (re)run and how many gave up after three attempts: for
 * operators (logged at start-up; meant for /metrics and /readyz).
 */
export function inboxCounts(db: Db): { unfinished: number; failed: number } {
  const out = { unfinished: 0, failed: 0 };
  for (const r of statements(db).counts.all()) {
    if (r.status === 'pending') out.unfinished = r.n;
    else if (r.status === 'failed') out.failed = r.n;
  }
  return out;
}

export const PRUNE_INBOX_JOB = 'prune-inbox';

/** Daily, and once at start-up: the inbox keeps a week of finished events, not all of them. */
export function inboxJobs(deps: Pick<Deps, 'db' | 'clock' | 'logger'>): Job[] {
  return [
    {
      name: PRUNE_INBOX_JOB,
      cron: '23 3 * * *',
      runOnStart: true,
      async run() {
        const removed = pruneEvents(deps.db, deps.clock.now());
        if (removed > 0) deps.logger.debug(`event inbox: removed ${removed} events finished over a week ago`);
      },
    },
  ];
}
