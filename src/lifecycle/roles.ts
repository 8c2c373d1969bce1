import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidentRoles } from '../db/schema.js';
import type { Role } from '../incidents/model.js';

/** Who holds comms and scribe (the lead is on the incident itself). */
export function getRoles(db: Db, incidentId: number): Partial<Record<Role, string>> {
  const rows = db.select().from(incidentRoles).where(eq(incidentRoles.incidentId, incidentId)).all();
  const out: Partial<Record<Role, string>> = {};
  for (const r of rows) if (r.role === 'comms' || r.role === 'scribe') out[r.role] = r.userId;
  return out;
}
