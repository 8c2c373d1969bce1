import type Database from 'better-sqlite3';
import type { Db } from '../db/client.js';
import type { Clock } from '../incidents/clock.js';

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
