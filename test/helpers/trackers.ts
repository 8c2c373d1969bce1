import { eq } from 'drizzle-orm';
import { followUps, timelineEvents, trackerOps } from '../../src/db/schema.js';
import type { Harness } from './harness.js';

/** What the tracker integration tests read back: follow-ups, their ops, the timeline and DMs. */
export function followUp(h: Harness, id: number) {
  const f = h.db.select().from(followUps).where(eq(followUps.id, id)).get();
  if (!f) throw new Error(`no follow-up ${id}`);
  return f;
}

export const lastFollowUpId = (h: Harness): number =>
  Math.max(
    ...h.db
      .select({ id: followUps.id })
      .from(followUps)
      .all()
      .map((r) => r.id),
  );

export const opOf = (h: Harness, followUpId: number) =>
  h.db.select().from(trackerOps).where(eq(trackerOps.followUpId, followUpId)).all();

export const followUpTimeline = (h: Harness): string[] =>
  h.db
    .select()
    .from(timelineEvents)
    .where(eq(timelineEvents.kind, 'follow_up'))
    .all()
    .map((e) => e.text);

export const dmTexts = (h: Harness, user: string): string[] =>
  h.sim.dms(user).map((m) => h.sim.renderBlocks(m.blocks, m.text));

export const webhookUrl = (h: Harness, tracker: string): string =>
  h.botUrl.replace('/slack/events', `/trackers/${tracker}/webhook`);
