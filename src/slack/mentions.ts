import type { WebClient } from '@slack/web-api';
import { max } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { slackUsers } from '../db/schema.js';
import { DomainError } from '../incidents/errors.js';
import type { AppLogger } from '../log.js';
import type { Clock } from '../runtime/clock.js';
import type { Tasks } from '../runtime/tasks.js';
import { describeError } from './effects.js';
import { mention, safe } from './format.js';

/**
 * People named in commands: the one parser for every place that takes a person (lead, role,
 * follow-up owner, follow-up edit), and the workspace directory it reads names from.
 *
 * A command never walks the workspace (users.list) while a person waits: a mention Slack escaped
 * (`<@U…|bob>`, read by text.ts `fromCommand`) is used by its ID; a typed `@bob`, `bob` or
 * `Bob Becker` is looked up in the directory, which the app reads in the background at start-up and
 * every DIRECTORY_REFRESH_MS (users.list, paginated, stored in slack_users so a restart has names at
 * once). The manifest does not subscribe to user_change / team_join: user_change fires on every
 * status change of everyone, which the inbox would store for nothing; someone who joined since the
 * last read can be mentioned with @ meanwhile, and an unknown name starts an early re-read.
 */

/** How often the directory is read again. */
export const DIRECTORY_REFRESH_MS = 6 * 60 * 60 * 1000;
/** An unknown name re-reads the directory early, at most this often. */
export const DIRECTORY_RETRY_MS = 10 * 60 * 1000;
const PAGE = 200;

/** `<@U123|alice>` / `<@U123>` (a raw mention) or a bare `U123`. */
export function userIdIn(text: string): string | null {
  const t = text.trim();
  const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(t) ?? /^@?([UW][A-Z0-9]{2,})$/.exec(t);
  return m?.[1] ?? null;
}

type Person = typeof slackUsers.$inferSelect;

export interface PeopleDirectory {
  /**
   * The user ID a command's text names: an escaped mention's ID (`mentions` from `fromCommand`),
   * a raw `<@U…>` or bare ID, else a handle, display name or real name (any case, `@` optional)
   * matched in the directory. Never calls Slack. Unknown or ambiguous: a DomainError that says what
   * was tried and how to name the person instead.
   */
  resolve(ref: string, mentions?: ReadonlyMap<string, string>): string;
  /** A display name for an ID, when the directory knows it. */
  nameOf(userId: string): string | undefined;
  /** Reads users.list into the directory; one walk at a time (callers share it). */
  refresh(client: WebClient): Promise<void>;
  /** Starts `refresh` in the background unless a read is running or happened within DIRECTORY_RETRY_MS. */
  refreshSoon(client: WebClient): void;
}

interface Index {
  listedAt: Date | null;
  pool: Person[];
  byName: Map<string, Person[]>;
  byId: Map<string, Person>;
}

export function createPeopleDirectory(deps: {
  db: Db;
  clock: Clock;
  logger: AppLogger;
  tasks: Tasks;
}): PeopleDirectory {
  const { db, clock, logger, tasks } = deps;
  let index: Index | null = null;
  let walking: Promise<void> | null = null;
  let lastAttempt = 0;
  let lastError: string | null = null;

  const build = (): Index => {
    const listedAt =
      db
        .select({ at: max(slackUsers.listedAt) })
        .from(slackUsers)
        .get()?.at ?? null;
    const rows = db.select().from(slackUsers).all();
    // After a full read, the people in it (deleted ones are left out of it) plus anyone met since
    // through users.info; before any read, everyone met so far.
    const pool = rows.filter(
      (p) =>
        !p.isBot &&
        (listedAt === null ||
          p.listedAt?.getTime() === listedAt.getTime() ||
          (p.listedAt === null && p.fetchedAt.getTime() > listedAt.getTime())),
    );
    const byName = new Map<string, Person[]>();
    for (const p of pool)
      for (const n of new Set([p.handle, p.name, p.realName].map((x) => x?.toLowerCase()))) {
        if (!n) continue;
        const list = byName.get(n) ?? [];
        list.push(p);
        byName.set(n, list);
      }
    return { listedAt, pool, byName, byId: new Map(rows.map((p) => [p.id, p])) };
  };
  const current = () => {
    index ??= build();
    return index;
  };

  const dir: PeopleDirectory = {
    resolve(ref, mentions) {
      const id = userIdIn(ref) ?? mentions?.get(ref.trim().toLowerCase());
      if (id) {
        // Slack's autocomplete offers apps too; an incident needs a person.
        if (current().byId.get(id)?.isBot)
          throw new DomainError('invalid_input', `${mention(id)} is an app, not a person. Name a person.`);
        return id;
      }
      const typed = ref.trim().replace(/^@/, '').replace(/\s+/g, ' ');
      if (!typed) throw new DomainError('invalid_input', 'Name a person, e.g. `@alice`.');
      const { pool, byName, listedAt } = current();
      const hits = byName.get(typed.toLowerCase()) ?? [];
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
        listedAt !== null
          ? `the ${pool.length} people of this workspace`
          : lastError !== null
            ? `the ${pool.length} people I have met (Slack’s member list could not be read: ${safe(lastError, 80)})`
            : `the ${pool.length} people I have met (I am still reading this workspace’s member list)`;
      throw new DomainError(
        'invalid_input',
        `I found nobody called ${shown}: I compared it with the handle, display name and real name of ${where}. ${pick}`,
      );
    },

    nameOf(userId) {
      const p = current().byId.get(userId);
      return p?.handle || p?.name || undefined;
    },

    refresh(client) {
      if (walking !== null) return walking;
      lastAttempt = clock.now().getTime();
      walking = walkDirectory(db, clock.now(), client)
        .then(() => {
          lastError = null;
        })
        .catch((e: unknown) => {
          lastError = describeError(e);
          logger.warn(`reading the workspace's member list (users.list) failed: ${lastError}`);
        })
        .finally(() => {
          index = null;
          walking = null;
        });
      return walking;
    },

    refreshSoon(client) {
      if (walking !== null || clock.now().getTime() - lastAttempt < DIRECTORY_RETRY_MS) return;
      // Tracked: shutdown and tests wait for it like any work done after an answer.
      tasks.defer('read the member list', () => dir.refresh(client));
    },
  };
  return dir;
}

const describePerson = (p: Person): string => {
  const names = [...new Set([p.handle, p.realName].filter((n): n is string => !!n))];
  return `${mention(p.id)}${names.length ? ` (${safe(names.join(', '), 120)})` : ''}`;
};

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
