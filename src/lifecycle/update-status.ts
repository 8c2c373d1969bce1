import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import { type Incident, OPEN_STATUSES, type OpenStatus, statusLabel } from '../incidents/model.js';
import { loadIncident, requireOpen } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';

export interface StatusChange {
  incident: Incident;
  from: string;
  to: OpenStatus;
  changed: boolean;
}

export function parseOpenStatus(text: string, field?: string): OpenStatus {
  const t = text.trim().toLowerCase();
  const hit = OPEN_STATUSES.find((s) => s === t || (t.length >= 3 && s.startsWith(t)));
  if (!hit) {
    throw invalid(
      `Status is one of ${OPEN_STATUSES.join(', ')}. To resolve, use \`/incident resolve\` or the Resolve button.`,
      field,
    );
  }
  return hit;
}

/**
 * Moves an open incident between investigating, identified and monitoring. Reaching monitoring
 * sets the mitigated time (once: impact stopped the first time it did).
 */
export function updateStatus(
  db: Db,
  clock: Clock,
  input: { incidentId: number; status: string; userId: string; via?: string },
): StatusChange {
  const to = parseOpenStatus(input.status, 'status');
  const now = clock.now();
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    requireOpen(before, 'change its status');
    if (before.status === to) return { incident: before, from: before.status, to, changed: false };
    const setMitigated = to === 'monitoring' && before.mitigatedAt === null;
    const incident =
      tx
        .update(incidents)
        .set({ status: to, ...(setMitigated ? { mitigatedAt: now } : {}), updatedAt: now })
        .where(eq(incidents.id, before.id))
        .returning()
        .get() ?? before;
    addTimelineEvent(tx, {
      incidentId: before.id,
      kind: 'status',
      text: `Status ${statusLabel(before.status)} → ${statusLabel(to)}`,
      authorId: input.userId,
      data: { from: before.status, to, ...(setMitigated ? { mitigated: true } : {}) },
      occurredAt: now,
      recordedAt: now,
      capturedVia: input.via ?? 'command',
    });
    return { incident, from: before.status, to, changed: true };
  });
}
