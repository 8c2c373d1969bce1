import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { timelineEdits, timelineEvents } from '../db/schema.js';
import type { TimelineEvent } from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import { type CaptureVia, captureHolder, holdsOf } from './capture-message.js';

/**
 * A pin or capture reaction was taken off a message. History is not erased: when nothing holds
 * the entry any more it is marked removed (with the reason), and its text stays, with a
 * `removed` row in its edit history saying when and by whom.
 */
export function removeCapture(
  db: Db,
  clock: Clock,
  input: { channel: string; ts: string; via: Exclude<CaptureVia, 'shortcut'>; by: string; emoji?: string },
): TimelineEvent[] {
  const now = clock.now();
  const holder = captureHolder(input.via, input.by, input.emoji);
  return db.transaction((tx) => {
    const entries = tx
      .select()
      .from(timelineEvents)
      .where(
        and(
          eq(timelineEvents.sourceChannel, input.channel),
          eq(timelineEvents.sourceTs, input.ts),
          isNull(timelineEvents.removedAt),
        ),
      )
      .all();
    const removed: TimelineEvent[] = [];
    for (const ev of entries) {
      const holds = holdsOf(ev);
      if (!holds.includes(holder)) continue;
      const left = holds.filter((h) => h !== holder);
      const gone = left.length === 0;
      const reason = input.via === 'pin' ? 'unpinned' : 'reaction removed';
      const updated = tx
        .update(timelineEvents)
        .set({
          data: { ...(ev.data ?? {}), holds: left },
          ...(gone ? { removedAt: now, removedReason: reason } : {}),
        })
        .where(eq(timelineEvents.id, ev.id))
        .returning()
        .get();
      if (gone && updated) {
        tx.insert(timelineEdits)
          .values({
            eventId: ev.id,
            change: 'removed',
            previousText: ev.text,
            changedAt: now,
            changedBy: input.by,
          })
          .run();
        removed.push(updated);
      }
    }
    return removed;
  });
}
