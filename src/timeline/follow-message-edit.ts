import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { timelineEdits, timelineEvents } from '../db/schema.js';
import type { TimelineEvent } from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import { redactSecrets } from './redact.js';

/**
 * What following one Slack change of a captured message does to one of its entries: the edit
 * history row, and the new values; null when the entry stays as it is.
 */
type Follow = (ev: TimelineEvent) => {
  change: 'edited' | 'deleted';
  by: string | null;
  set: Partial<typeof timelineEvents.$inferInsert>;
} | null;

/**
 * Every live timeline entry made from the message (one per incident) follows the change, and the
 * text it had before goes into its edit history, in one transaction.
 */
function followMessage(
  db: Db,
  now: Date,
  input: { channel: string; ts: string },
  follow: Follow,
): TimelineEvent[] {
  return db.transaction((tx) => {
    const entries = tx
      .select()
      .from(timelineEvents)
      .where(and(eq(timelineEvents.sourceChannel, input.channel), eq(timelineEvents.sourceTs, input.ts)))
      .all();
    const changed: TimelineEvent[] = [];
    for (const ev of entries) {
      // A deleted message's entry is final; Slack sends no edits for it, but a late retry might.
      if (ev.removedReason === 'deleted') continue;
      const f = follow(ev);
      if (!f) continue;
      tx.insert(timelineEdits)
        .values({
          eventId: ev.id,
          change: f.change,
          previousText: ev.text,
          changedAt: now,
          changedBy: f.by,
        })
        .run();
      const updated = tx
        .update(timelineEvents)
        .set(f.set)
        .where(eq(timelineEvents.id, ev.id))
        .returning()
        .get();
      if (updated) changed.push(updated);
    }
    return changed;
  });
}

/**
 * A captured message was edited in Slack: every timeline entry made from it (one per incident)
 * takes the new text, and the text it had before goes into its edit history. A retried or
 * repeated event with the same text changes nothing.
 */
export function followMessageEdit(
  db: Db,
  clock: Clock,
  input: { channel: string; ts: string; text: string; files?: string[]; editedBy?: string | null },
): TimelineEvent[] {
  const now = clock.now();
  const clean = redactSecrets(input.text);
  return followMessage(db, now, input, (ev) => {
    const sameFiles = input.files === undefined || input.files.join('\n') === ev.files.join('\n');
    if (ev.text === clean.text && sameFiles) return null;
    return {
      change: 'edited',
      by: input.editedBy ?? null,
      set: {
        text: clean.text,
        editedAt: now,
        redacted: ev.redacted || clean.redacted,
        ...(input.files !== undefined ? { files: input.files } : {}),
      },
    };
  });
}

/**
 * A captured message was deleted in Slack: the entry follows (its text is cleared and it is
 * marked removed, reason `deleted`), and the text it had is kept in its edit history.
 */
export function followMessageDelete(
  db: Db,
  clock: Clock,
  input: { channel: string; ts: string; deletedBy?: string | null },
): TimelineEvent[] {
  const now = clock.now();
  return followMessage(db, now, input, () => ({
    change: 'deleted',
    by: input.deletedBy ?? null,
    set: { text: '', removedAt: now, removedReason: 'deleted' },
  }));
}
