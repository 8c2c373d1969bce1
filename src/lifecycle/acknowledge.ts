import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import type { Incident } from '../incidents/model.js';
import { loadIncident, requireOpen } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';

export interface AcknowledgeResult {
  incident: Incident;
  /** False when it was acknowledged already (the first acknowledgement stands: MTTA). */
  acknowledged: boolean;
  /** True when the person became lead because there was none. */
  becameLead: boolean;
}

/** Sets the acknowledged time once, and makes the person lead if nobody leads yet. */
export function acknowledgeIncident(
  db: Db,
  clock: Clock,
  input: { incidentId: number; userId: string },
): AcknowledgeResult {
  const now = clock.now();
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    requireOpen(before, 'acknowledge it');
    const acknowledged = before.acknowledgedAt === null;
    const becameLead = before.leadId === null;
    if (!acknowledged && !becameLead) return { incident: before, acknowledged, becameLead };
    const incident =
      tx
        .update(incidents)
        .set({
          ...(acknowledged ? { acknowledgedAt: now } : {}),
          ...(becameLead ? { leadId: input.userId } : {}),
          updatedAt: now,
        })
        .where(eq(incidents.id, before.id))
        .returning()
        .get() ?? before;
    if (acknowledged) {
      addTimelineEvent(tx, {
        incidentId: before.id,
        kind: 'acknowledged',
        text: 'Acknowledged',
        authorId: input.userId,
        data: { minutesSinceDeclared: Math.round((now.getTime() - before.declaredAt.getTime()) / 60000) },
        occurredAt: now,
        recordedAt: now,
        capturedVia: 'auto',
      });
    }
    if (becameLead) {
      addTimelineEvent(tx, {
        incidentId: before.id,
        kind: 'lead',
        text: 'Became lead on acknowledging',
        authorId: input.userId,
        data: { from: null, to: input.userId },
        occurredAt: now,
        recordedAt: now,
        capturedVia: 'auto',
      });
    }
    return { incident, acknowledged, becameLead };
  });
}
