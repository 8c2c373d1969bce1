import type { Db } from '../db/client.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import type { Incident, TimelineEvent } from '../incidents/model.js';
import { loadIncident } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';

export const UPDATE_MAX = 2900;

/** Records a status update for stakeholders; the listener posts it in the channel and the announcement thread. */
export function postUpdate(
  db: Db,
  clock: Clock,
  input: { incidentId: number; text: string; userId: string; field?: string },
): { incident: Incident; event: TimelineEvent } {
  const text = input.text.trim();
  if (!text)
    throw invalid(
      'Write the update after the word, e.g. `/incident update Rolled back; error rate falling`.',
      input.field,
    );
  if (text.length > UPDATE_MAX)
    throw invalid(`An update can be at most ${UPDATE_MAX} characters.`, input.field);
  const now = clock.now();
  return db.transaction((tx) => {
    const incident = loadIncident(tx, input.incidentId);
    const { event } = addTimelineEvent(tx, {
      incidentId: incident.id,
      kind: 'update',
      text,
      authorId: input.userId,
      data: { status: incident.status, severity: incident.severity },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'command',
    });
    return { incident, event };
  });
}
