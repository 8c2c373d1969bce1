import { and, eq, inArray, isNotNull, isNull, lte } from 'drizzle-orm';
import { archiveAfterDays } from '../config.js';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { DomainError } from '../incidents/errors.js';
import { type Incident, incidentRef } from '../incidents/model.js';
import { loadIncident } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';

/**
 * Closing ends an incident's life after resolution. Whether its channel is archived follows
 * ARCHIVE_POLICY: never, on-close (now), or after-<N>d (N days after resolve, by a job).
 */
export interface CloseResult {
  incident: Incident;
  /** Archive the channel right after the commit. */
  archiveNow: boolean;
  /** When the archive job will archive it (after-<N>d), if not now. */
  archiveDueAt: Date | null;
  /** For the hooks: `updated` (status). */
  incidentChanges: IncidentChange[];
}

export function archiveDueAt(policy: string, resolvedAt: Date | null): Date | null {
  const days = archiveAfterDays(policy);
  if (days === null || resolvedAt === null) return null;
  return new Date(resolvedAt.getTime() + days * 86_400_000);
}

export function closeIncident(
  db: Db,
  clock: Clock,
  policy: string,
  input: { incidentId: number; userId: string },
): CloseResult {
  const now = clock.now();
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    if (before.status === 'closed')
      throw new DomainError('invalid_state', `${incidentRef(before)} is already closed.`);
    if (before.status !== 'resolved')
      throw new DomainError(
        'invalid_state',
        `Resolve ${incidentRef(before)} first (/incident resolve); an incident is closed after it is resolved.`,
      );
    const incident = tx
      .update(incidents)
      .set({ status: 'closed', closedAt: now, updatedAt: now })
      .where(eq(incidents.id, before.id))
      .returning()
      .get();
    if (!incident) throw new Error('incident vanished during close');
    addTimelineEvent(tx, {
      incidentId: incident.id,
      kind: 'closed',
      authorId: input.userId,
      data: { from: 'resolved', to: 'closed', policy },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'command',
    });
    const hasChannel = incident.channelId !== null && incident.archivedAt === null;
    const dueAt = archiveDueAt(policy, incident.resolvedAt);
    const archiveNow = hasChannel && (policy === 'on-close' || (dueAt !== null && dueAt <= now));
    return {
      incident,
      archiveNow,
      archiveDueAt: hasChannel && !archiveNow ? dueAt : null,
      incidentChanges: [{ kind: 'updated', incidentId: incident.id, fields: ['status'] }],
    };
  });
}

/** Resolved or closed incidents whose channel is due for archiving under after-<N>d. */
export function incidentsDueForArchive(db: Db, clock: Clock, policy: string): Incident[] {
  const now = clock.now();
  const days = archiveAfterDays(policy);
  if (days === null) return [];
  return db
    .select()
    .from(incidents)
    .where(
      and(
        inArray(incidents.status, ['resolved', 'closed']),
        isNotNull(incidents.channelId),
        isNull(incidents.archivedAt),
        lte(incidents.resolvedAt, new Date(now.getTime() - days * 86_400_000)),
      ),
    )
    .all();
}

/**
 * The archive job closes a still-resolved incident before archiving its channel, so the summary
 * and announcement can say "closed" while the channel still accepts edits.
 */
export function closeForArchive(db: Db, clock: Clock, incidentId: number): Incident | undefined {
  const now = clock.now();
  return db.transaction((tx) => {
    const before = tx.select().from(incidents).where(eq(incidents.id, incidentId)).get();
    if (before?.status !== 'resolved') return before;
    const incident = tx
      .update(incidents)
      .set({ status: 'closed', closedAt: now, updatedAt: now })
      .where(eq(incidents.id, incidentId))
      .returning()
      .get();
    addTimelineEvent(tx, {
      incidentId,
      kind: 'closed',
      data: { from: 'resolved', to: 'closed', via: 'archive' },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'auto',
    });
    return incident;
  });
}

/** Records a successful archive (first time only). */
export function markArchived(db: Db, clock: Clock, incidentId: number): Incident | undefined {
  const now = clock.now();
  return db
    .update(incidents)
    .set({ archivedAt: now, updatedAt: now })
    .where(and(eq(incidents.id, incidentId), isNull(incidents.archivedAt)))
    .returning()
    .get();
}
