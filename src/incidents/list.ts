import { and, asc, desc, eq, gte, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { type Incident, OPEN_STATUSES } from './model.js';

/** Open incidents, most severe first, then oldest first (the one burning longest). */
export function listOpenIncidents(db: Db): Incident[] {
  return db
    .select()
    .from(incidents)
    .where(inArray(incidents.status, [...OPEN_STATUSES]))
    .orderBy(asc(incidents.severity), asc(incidents.declaredAt), asc(incidents.number))
    .all();
}

/** Resolved or closed within the last `days`, newest first. */
export function listRecentlyResolved(db: Db, now: Date, days = 7, limit = 10): Incident[] {
  const since = new Date(now.getTime() - days * 24 * 60 * 60 * 1000);
  return db
    .select()
    .from(incidents)
    .where(
      and(
        inArray(incidents.status, ['resolved', 'closed']),
        gte(incidents.resolvedAt, since),
        // Imported history is not the team's recent work.
        eq(incidents.imported, false),
      ),
    )
    .orderBy(desc(incidents.resolvedAt))
    .limit(limit)
    .all();
}

/** Services named on earlier incidents, most used first: offered in the declare modal. */
export function knownServices(db: Db, limit = 100): string[] {
  const rows = db.$client
    .prepare(
      `select value as name, count(*) as n from incidents, json_each(incidents.services)
       group by lower(value) order by n desc, name limit ?`,
    )
    .all(limit) as { name: string }[];
  return rows.map((r) => r.name);
}
