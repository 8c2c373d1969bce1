import type { WebClient } from '@slack/web-api';
import { and, eq, max } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { slackUsers } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { DomainError } from '../incidents/errors.js';
import { describeError } from './effects.js';
import { mention, safe } from './format.js';

/** As long as users.info answers are trusted (src/slack/users.ts): a day. */
export const DIRECTORY_TTL_MS = 24 * 60 * 60 * 1000;
const PAGE = 200;

/** `<@U123|alice>` / `<@U123>` (escaped commands, pasted mentions) or a bare `U123`. */
export function userIdIn(text: string): string | null {
  const t = text.trim();
  const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(t) ?? /^([UW][A-Z0-9]{2,})$/.exec(t);
  return m?.[1] ?? null;
}

type Person = typeof slackUsers.$inferSelect;

/**
 * The person named in command text. The manifest sends commands unescaped, so besides mentions
 * people arrive as `@alice` or `Alice Archer`: matched, case-insensitively, against the handle,
 * display name and real name of everyone in the workspace (users.list, paginated, kept in
 * slack_users for a day). Unknown or ambiguous names become a DomainError saying what was tried.
 */
export async function resolveUserRef(
  deps: Pick<Deps, 'db' | 'clock' | 'logger'>,
  client: WebClient,
  text: string,
): Promise<string> {
  const id = userIdIn(text);
  if (id) return id;
  const typed = text.trim().replace(/^@/, '').replace(/\s+/g, ' ');
  if (!typed) throw new DomainError('invalid_input', 'Name a person, e.g. `@alice`.');
  let listError: string | null = null;
  try {
    await refreshDirectory(deps, client);
  } catch (e) {
    // Slack's list is unavailable: people we already know can still be found.
    listError = describeError(e);
    deps.logger.warn(`users.list failed, resolving “${typed}” from the cache: ${listError}`);
  }
  const { db } = deps;
  const listedAt = latestListing(db);
  const pool = db
    .select()
    .from(slackUsers)
    .where(
      and(
        eq(slackUsers.isBot, false),
        listError === null && listedAt ? eq(slackUsers.listedAt, listedAt) : undefined,
      ),
    )
    .all();
  const q = typed.toLowerCase();
  const hits = pool.filter((p) => [p.handle, p.name, p.realName].some((n) => n?.toLowerCase() === q));
  const [only] = hits;
  if (only && hits.length === 1) return only.id;
  const shown = `“${safe(typed, 80)}”`;
  const pick = 'Mention them with @ and pick them from Slack’s list.';
  if (hits.length > 1) {
    const names = hits.slice(0, 5).map(describePerson).join(', ');
    throw new DomainError(
      'invalid_input',
      `${shown} could be ${hits.length} people: ${names}${hits.length > 5 ? ', …' : ''}. ${pick}`,
    );
  }
  const where =
    listError === null
      ? `the ${pool.length} people of this workspace`
      : `the ${pool.length} people I have met (Slack’s member list could not be read: ${safe(listError, 80)})`;
  throw new DomainError(
    'invalid_input',
    `I found nobody called ${shown}: I compared it with the handle, display name and real name of ${where}. ${pick}`,
  );
}

const describePerson = (p: Person): string => {
  const names = [...new Set([p.handle, p.realName].filter((n): n is string => !!n))];
  return `${mention(p.id)}${names.length ? ` (${safe(names.join(', '), 120)})` : ''}`;
};

function latestListing(db: Db): Date | null {
  return (
    db
      .select({ at: max(slackUsers.listedAt) })
      .from(slackUsers)
      .get()?.at ?? null
  );
}

/** One walk at a time per database: concurrent commands share it. */
const walking = new WeakMap<Db, Promise<void>>();

/** Re-reads users.list when the stored directory is older than a day (or was never read). */
export async function refreshDirectory(deps: Pick<Deps, 'db' | 'clock'>, client: WebClient): Promise<void> {
  const { db, clock } = deps;
  const last = latestListing(db);
  if (last && clock.now().getTime() - last.getTime() < DIRECTORY_TTL_MS) return;
  const running = walking.get(db);
  if (running !== undefined) return running;
  const p = walkDirectory(db, clock.now(), client).finally(() => walking.delete(db));
  walking.set(db, p);
  return p;
}

interface ListedMember {
  id?: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  tz?: string;
  profile?: { display_name?: string; real_name?: string };
}

async function walkDirectory(db: Db, now: Date, client: WebClient): Promise<void> {
  const members: ListedMember[] = [];
  let cursor: string | undefined;
  do {
    const res = await client.users.list({ limit: PAGE, ...(cursor ? { cursor } : {}) });
    members.push(...((res.members ?? []) as ListedMember[]));
    cursor = res.response_metadata?.next_cursor || undefined;
  } while (cursor);
  // All rows of one walk carry the same listedAt, written together: a walk cut short leaves the
  // previous directory in place rather than half of a new one.
  db.transaction((tx) => {
    for (const u of members) {
      if (!u.id || u.deleted) continue;
      const row = {
        name: u.profile?.display_name || u.real_name || u.name || u.id,
        tz: u.tz || 'UTC',
        isBot: u.is_bot === true,
        fetchedAt: now,
        handle: u.name ?? null,
        realName: u.profile?.real_name || u.real_name || null,
        listedAt: now,
      };
      tx.insert(slackUsers)
        .values({ id: u.id, ...row })
        .onConflictDoUpdate({ target: slackUsers.id, set: row })
        .run();
    }
  });
}
