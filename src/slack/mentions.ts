import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { slackUsers } from '../db/schema.js';
import { DomainError } from '../incidents/errors.js';

/**
 * The person named in command text: `<@U123|alice>` / `<@U123>` (escaped commands, pasted
 * mentions), a bare `U123`, or `@alice` (what Slack sends while the command's escaping is off),
 * which is looked up among the people Firebreak has met.
 */
export function parseUserRef(db: Db, text: string): string {
  const t = text.trim();
  const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(t) ?? /^([UW][A-Z0-9]{2,})$/.exec(t);
  if (m?.[1]) return m[1];
  const name = /^@?([\w.-]+)$/.exec(t)?.[1];
  if (name) {
    const hit = db
      .select({ id: slackUsers.id })
      .from(slackUsers)
      .where(sql`lower(${slackUsers.name}) = lower(${name})`)
      .get();
    if (hit) return hit.id;
  }
  throw new DomainError(
    'invalid_input',
    t
      ? `I can’t tell who “${t.replace(/[<>&`]/g, '').slice(0, 40)}” is. Mention them with @ and pick them from the list.`
      : 'Name a person, e.g. `@alice`.',
  );
}
