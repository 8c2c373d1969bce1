import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { slackEvents } from '../db/schema.js';
import type { Clock } from '../incidents/clock.js';

/**
 * The Events API inbox. An event is written here (payload and all) before Slack gets its 2xx,
 * so a retry with the same event_id is recognised and a crash mid-processing is resumed.
 */
export type InboxVerdict = 'new' | 'duplicate' | 'not_event';

interface EventEnvelope {
  type?: unknown;
  event_id?: unknown;
  event?: { type?: unknown };
}

export function recordEvent(db: Db, clock: Clock, body: unknown): InboxVerdict {
  const env = body as EventEnvelope;
  if (env?.type !== 'event_callback' || typeof env.event_id !== 'string') return 'not_event';
  const inserted = db
    .insert(slackEvents)
    .values({
      eventId: env.event_id,
      type: typeof env.event?.type === 'string' ? env.event.type : 'unknown',
      payload: body as Record<string, unknown>,
      receivedAt: clock.now(),
    })
    .onConflictDoNothing()
    .run();
  return inserted.changes === 1 ? 'new' : 'duplicate';
}

export function markEvent(db: Db, clock: Clock, eventId: string, error?: unknown): void {
  db.update(slackEvents)
    .set(
      error === undefined
        ? { status: 'done', processedAt: clock.now(), attempts: sql`${slackEvents.attempts} + 1` }
        : {
            // Three tries, then it stays failed for a person to look at; never silently dropped.
            status: sql`case when ${slackEvents.attempts} + 1 >= 3 then 'failed' else 'pending' end`,
            attempts: sql`${slackEvents.attempts} + 1`,
            lastError: error instanceof Error ? error.message : String(error),
          },
    )
    .where(eq(slackEvents.eventId, eventId))
    .run();
}

export function pendingEvents(db: Db): { eventId: string; payload: Record<string, unknown> }[] {
  return db
    .select({ eventId: slackEvents.eventId, payload: slackEvents.payload })
    .from(slackEvents)
    .where(eq(slackEvents.status, 'pending'))
    .orderBy(slackEvents.receivedAt)
    .all();
}
