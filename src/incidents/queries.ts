import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { preparedPerDb } from '../db/prepared.js';
import { incidents } from '../db/schema.js';
import { DomainError } from './errors.js';
import { type Incident, parseIncidentRef } from './model.js';

export function getIncidentById(db: Db, id: number): Incident | undefined {
  return db.select().from(incidents).where(eq(incidents.id, id)).get();
}

// Every `/incident` command in a channel or naming INC-n starts with one of these two.
const byNumber = preparedPerDb((db) =>
  db
    .select()
    .from(incidents)
    .where(eq(incidents.number, sql.placeholder('number')))
    .prepare(),
);
const byChannel = preparedPerDb((db) =>
  db
    .select()
    .from(incidents)
    .where(eq(incidents.channelId, sql.placeholder('channelId')))
    .prepare(),
);

export function getIncidentByNumber(db: Db, number: number): Incident | undefined {
  return byNumber(db).get({ number });
}

export function findIncidentByChannel(db: Db, channelId: string): Incident | undefined {
  return byChannel(db).get({ channelId });
}

/**
 * Which incident a command means: an `INC-<n>` first word wins; otherwise the incident whose
 * channel the command was typed in. Returns the remaining text after the reference.
 */
export function resolveTargetIncident(
  db: Db,
  rest: string,
  channelId: string | undefined,
): { incident: Incident; rest: string } {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest.trim());
  const first = m?.[1] ?? '';
  const ref = /^(inc-?\d+|#\d+)$/i.test(first) ? parseIncidentRef(first) : null;
  if (ref !== null) {
    const incident = getIncidentByNumber(db, ref);
    if (!incident) throw new DomainError('not_found', `There is no INC-${ref}.`);
    return { incident, rest: (m?.[2] ?? '').trim() };
  }
  const incident = channelId ? findIncidentByChannel(db, channelId) : undefined;
  if (!incident) {
    throw new DomainError(
      'not_found',
      'This is not an incident channel. Run it in the incident’s channel, or name the incident first: `/incident INC-4 …`.',
    );
  }
  return { incident, rest: rest.trim() };
}
