import type { Db } from '../../src/db/client.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { incidents } from '../../src/db/schema.js';
import type { Incident, NewIncident } from '../../src/incidents/model.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';

/** A fresh in-memory database with the real migrations applied. */
export function testDb(): Db {
  return openMigratedDb(':memory:');
}

/** Inserts an incident directly (for unit tests of later features); numbers follow on (imported history is below zero). */
export function makeIncident(db: Db, over: Partial<NewIncident> = {}): Incident {
  const max = db.$client
    .prepare('select coalesce(max(number), 0) as n from incidents where number > 0')
    .get() as {
    n: number;
  };
  const at = over.declaredAt ?? new Date('2026-11-23T09:00:00.000Z');
  return db
    .insert(incidents)
    .values({
      number: max.n + 1,
      title: 'Checkout API returns 502',
      severity: 2,
      declaredBy: 'U0ALICE',
      leadId: 'U0ALICE',
      startedAt: at,
      declaredAt: at,
      ...over,
    })
    .returning()
    .get();
}

/** The channel of INC-n; throws when it has none (its setup failed or has not run yet). */
export function channelOfIncident(db: Db, n: number): string {
  const i = getIncidentByNumber(db, n);
  if (!i?.channelId) throw new Error(`INC-${n} has no channel`);
  return i.channelId;
}
