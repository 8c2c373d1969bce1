import type { WebClient } from '@slack/web-api';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { preparedPerDb } from '../db/prepared.js';
import { slackUsers } from '../db/schema.js';
import type { Clock } from '../runtime/clock.js';

/** A person as Firebreak needs them: name and Slack time zone (for backdating and reminders). */
export interface SlackPerson {
  id: string;
  name: string;
  tz: string;
  isBot: boolean;
}

const TTL_MS = 24 * 60 * 60 * 1000;

// Read on every note and timeline (the author's time zone): built once per database.
const cachedPerson = preparedPerDb((db) =>
  db
    .select()
    .from(slackUsers)
    .where(eq(slackUsers.id, sql.placeholder('id')))
    .prepare(),
);

/**
 * users.info, cached in SQLite for a day. If Slack cannot be reached and nothing is cached the
 * person is treated as UTC, and the caller is told so through `fromCache: false, fallback: true`.
 */
export async function getPerson(
  client: WebClient,
  db: Db,
  clock: Clock,
  userId: string,
): Promise<SlackPerson & { fallback: boolean }> {
  const cached = cachedPerson(db).get({ id: userId });
  if (cached && clock.now().getTime() - cached.fetchedAt.getTime() < TTL_MS) {
    return { id: cached.id, name: cached.name, tz: cached.tz, isBot: cached.isBot, fallback: false };
  }
  try {
    const res = await client.users.info({ user: userId });
    const u = res.user;
    const person: SlackPerson = {
      id: userId,
      name: u?.profile?.display_name || u?.real_name || u?.name || userId,
      tz: u?.tz || 'UTC',
      isBot: u?.is_bot === true,
    };
    db.insert(slackUsers)
      .values({ ...person, fetchedAt: clock.now() })
      .onConflictDoUpdate({ target: slackUsers.id, set: { ...person, fetchedAt: clock.now() } })
      .run();
    return { ...person, fallback: false };
  } catch (e) {
    if (cached)
      return { id: cached.id, name: cached.name, tz: cached.tz, isBot: cached.isBot, fallback: false };
    void e;
    return { id: userId, name: userId, tz: 'UTC', isBot: false, fallback: true };
  }
}

export async function getUserTz(client: WebClient, db: Db, clock: Clock, userId: string): Promise<string> {
  return (await getPerson(client, db, clock, userId)).tz;
}
