import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import type { Incident } from '../incidents/model.js';
import { loadIncident } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';
import { MAX_FACTORS, RESOLVE_FIELD, TEXT_MAX, validateCategory } from './resolve.js';

/**
 * Writes (or rewrites) the root cause at any time; it ends the daily reminder of an incident that
 * was resolved with "not known yet".
 */
export interface RootCauseInput {
  incidentId: number;
  userId: string;
  rootCause: string;
  category: string | null;
  contributingFactors: string[];
}

export function setRootCause(
  db: Db,
  clock: Clock,
  categories: readonly string[],
  input: RootCauseInput,
): { incident: Incident; before: Incident; incidentChanges: IncidentChange[] } {
  const now = clock.now();
  const rootCause = input.rootCause.trim();
  if (rootCause.length === 0) throw invalid('Write down the root cause.', RESOLVE_FIELD.rootCause);
  if (rootCause.length > TEXT_MAX) throw invalid('Keep it under 3,000 characters.', RESOLVE_FIELD.rootCause);
  const category = validateCategory(input.category, categories);
  const factors = [...new Set(input.contributingFactors.map((s) => s.trim()).filter((s) => s.length > 0))];
  if (factors.length > MAX_FACTORS)
    throw invalid(`List at most ${MAX_FACTORS} contributing factors.`, RESOLVE_FIELD.factors);
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    const incident = tx
      .update(incidents)
      .set({
        rootCauseSummary: rootCause,
        rootCauseCategory: category,
        contributingFactors: factors,
        rootCausePending: false,
        updatedAt: now,
      })
      .where(eq(incidents.id, before.id))
      .returning()
      .get();
    if (!incident) throw new Error('incident vanished during root cause update');
    addTimelineEvent(tx, {
      incidentId: incident.id,
      kind: 'root_cause',
      text: rootCause,
      authorId: input.userId,
      data: { category, factors, previous: before.rootCauseSummary },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'command',
    });
    return { incident, before, incidentChanges: [{ kind: 'root_cause_set', incidentId: incident.id }] };
  });
}

/** Resolved (or closed) incidents whose lead still owes a root cause. */
export function incidentsAwaitingRootCause(db: Db): Incident[] {
  return db
    .select()
    .from(incidents)
    .where(
      and(
        eq(incidents.rootCausePending, true),
        inArray(incidents.status, ['resolved', 'closed']),
        isNotNull(incidents.resolvedAt),
      ),
    )
    .all();
}
