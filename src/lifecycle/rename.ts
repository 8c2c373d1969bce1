import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import type { Incident } from '../incidents/model.js';
import { loadIncident } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';
import { validateTitle } from './declare.js';

export interface Rename {
  incident: Incident;
  from: string;
  to: string;
  changed: boolean;
  /** For the hooks: `updated` (title) when the title changed. */
  incidentChanges: IncidentChange[];
}

/** Renames an incident (open or not: a better title helps the postmortem and recurrence search). */
export function renameIncident(
  db: Db,
  clock: Clock,
  input: { incidentId: number; title: string; userId: string },
): Rename {
  const to = validateTitle(input.title, 'title');
  const now = clock.now();
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    if (before.title === to)
      return { incident: before, from: before.title, to, changed: false, incidentChanges: [] };
    const incident =
      tx
        .update(incidents)
        .set({ title: to, updatedAt: now })
        .where(eq(incidents.id, before.id))
        .returning()
        .get() ?? before;
    addTimelineEvent(tx, {
      incidentId: before.id,
      kind: 'renamed',
      text: `Renamed to: ${to}`,
      authorId: input.userId,
      data: { from: before.title, to },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'command',
    });
    return {
      incident,
      from: before.title,
      to,
      changed: true,
      incidentChanges: [{ kind: 'updated', incidentId: incident.id, fields: ['title'] }],
    };
  });
}
