import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { DomainError, invalid } from '../incidents/errors.js';
import { type Incident, incidentRef } from '../incidents/model.js';
import { loadIncident } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';

/** The input errors name: the only thing a person types when reopening. */
export const REOPEN_FIELD = { reason: 'reason' } as const;

/**
 * Reopens a resolved incident: back to investigating, the resolution time cleared so the next
 * resolve measures again (the old one stays in the timeline). The root cause, if any, is kept.
 * A closed incident's channel may be archived, so it is not reopened: declare a new one.
 */
export function reopenIncident(
  db: Db,
  clock: Clock,
  input: { incidentId: number; userId: string; reason?: string; via?: string },
): { incident: Incident; before: Incident; incidentChanges: IncidentChange[] } {
  const now = clock.now();
  const reason = input.reason?.trim() ?? '';
  if (reason.length > 3000) throw invalid('Keep the reason under 3,000 characters.', REOPEN_FIELD.reason);
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    if (before.status === 'closed')
      throw new DomainError(
        'invalid_state',
        `${incidentRef(before)} is closed. Declare a new incident and mention ${incidentRef(before)} in it.`,
      );
    if (before.status !== 'resolved')
      throw new DomainError(
        'invalid_state',
        `${incidentRef(before)} is not resolved; it is ${before.status}.`,
      );
    const incident = tx
      .update(incidents)
      .set({ status: 'investigating', resolvedAt: null, rootCausePending: false, updatedAt: now })
      .where(eq(incidents.id, before.id))
      .returning()
      .get();
    if (!incident) throw new Error('incident vanished during reopen');
    addTimelineEvent(tx, {
      incidentId: incident.id,
      kind: 'reopened',
      text: reason,
      authorId: input.userId,
      data: { from: 'resolved', to: 'investigating', previousResolvedAt: before.resolvedAt?.toISOString() },
      occurredAt: now,
      recordedAt: now,
      capturedVia: input.via ?? 'command',
    });
    return { incident, before, incidentChanges: [{ kind: 'reopened', incidentId: incident.id }] };
  });
}
