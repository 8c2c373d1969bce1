import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidentRoles, incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import { type Incident, ROLES, type Role } from '../incidents/model.js';
import { loadIncident, requireOpen, requireUserId } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';

export type AssignableRole = 'lead' | Role;

export interface RoleChange {
  incident: Incident;
  role: AssignableRole;
  from: string | null;
  to: string;
  changed: boolean;
}

/**
 * Errors name the role asked for (`role`), or, for the person, the role they were to take (`lead`,
 * `comms`, `scribe`): the API's body keys are those role names.
 */
export const ROLE_FIELD = { role: 'role' } as const;

export function parseRole(text: string): Role {
  const t = text.trim().toLowerCase();
  const hit = ROLES.find((r) => r === t);
  if (!hit)
    throw invalid(
      `Role is one of ${ROLES.join(', ')} (the lead: \`/incident lead @person\`).`,
      ROLE_FIELD.role,
    );
  return hit;
}

/** Makes someone lead, comms or scribe; the previous holder is recorded in the timeline. */
export function assignRole(
  db: Db,
  clock: Clock,
  input: { incidentId: number; role: AssignableRole; userId: string; by: string; via?: string },
): RoleChange {
  requireUserId(input.userId, input.role);
  if (input.role !== 'lead') parseRole(input.role);
  const now = clock.now();
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    requireOpen(before, 'change its roles');
    let from: string | null;
    if (input.role === 'lead') {
      from = before.leadId;
      if (from === input.userId)
        return { incident: before, role: input.role, from, to: input.userId, changed: false };
      tx.update(incidents)
        .set({ leadId: input.userId, updatedAt: now })
        .where(eq(incidents.id, before.id))
        .run();
    } else {
      const existing = tx
        .select()
        .from(incidentRoles)
        .where(and(eq(incidentRoles.incidentId, before.id), eq(incidentRoles.role, input.role)))
        .get();
      from = existing?.userId ?? null;
      if (from === input.userId)
        return { incident: before, role: input.role, from, to: input.userId, changed: false };
      tx.insert(incidentRoles)
        .values({
          incidentId: before.id,
          role: input.role,
          userId: input.userId,
          assignedBy: input.by,
          assignedAt: now,
        })
        .onConflictDoUpdate({
          target: [incidentRoles.incidentId, incidentRoles.role],
          set: { userId: input.userId, assignedBy: input.by, assignedAt: now },
        })
        .run();
      tx.update(incidents).set({ updatedAt: now }).where(eq(incidents.id, before.id)).run();
    }
    addTimelineEvent(tx, {
      incidentId: before.id,
      kind: input.role === 'lead' ? 'lead' : 'role',
      text: `${input.role === 'lead' ? 'Lead' : input.role === 'comms' ? 'Comms' : 'Scribe'} assigned`,
      authorId: input.by,
      data: { role: input.role, from, to: input.userId },
      occurredAt: now,
      recordedAt: now,
      capturedVia: input.via ?? 'command',
    });
    return { incident: loadIncident(tx, before.id), role: input.role, from, to: input.userId, changed: true };
  });
}
