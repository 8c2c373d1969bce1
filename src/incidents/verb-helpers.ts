import { eq } from 'drizzle-orm';
import { incidents } from '../db/schema.js';
import type { Tx } from './add-timeline-event.js';
import { DomainError } from './errors.js';
import { type Incident, incidentRef, isOpen } from './model.js';

/** Reads an incident inside a transaction, or fails with a message a person understands. */
export function loadIncident(tx: Tx, incidentId: number): Incident {
  const i = tx.select().from(incidents).where(eq(incidents.id, incidentId)).get();
  if (!i) throw new DomainError('not_found', 'That incident no longer exists.');
  return i;
}

export function requireOpen(i: Incident, doing: string): void {
  if (!isOpen(i)) {
    throw new DomainError(
      'invalid_state',
      `${incidentRef(i)} is ${i.status}; reopen it before you ${doing}.`,
    );
  }
}

/** Slack user IDs look like U…/W…; anything else is a typing error worth naming. */
export function requireUserId(userId: string, field?: string): void {
  if (!/^[UW][A-Z0-9]{2,}$/.test(userId)) {
    throw new DomainError('invalid_input', 'Name a person with an @mention, e.g. `@alice`.', field);
  }
}
