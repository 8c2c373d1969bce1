import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema.js';

/** Page cache per connection, in KiB. */
export const PAGE_CACHE_KIB = 2000;

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * Opens the SQLite file with the pragmas Firebreak relies on: WAL so readers never block the writer,
 * foreign keys on, and a busy timeout so a second process (backup, CLI) waits instead of failing.
 * `:memory:` gives a private database for tests.
 */
export function openDb(path: string): Db {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's own default page cache (2 MB) instead of better-sqlite3's 16 MB: the file sits in the
  // OS page cache anyway, and at 100,000 incidents the larger cache held up to 16 MB of the bot's
  // RSS (plus the holes it left in the C heap when shrunk); no bench figure moved with it smaller.
  sqlite.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  cacheStatements(sqlite);
  retryBusyTransactions(sqlite);
  return drizzle(sqlite, { schema }) as Db;
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close();
}

/**
 * drizzle prepares a new statement for every query it runs, and preparing was the largest single
 * cost on the note path (npm run bench http). better-sqlite3 statements are reusable, so the same
 * SQL text gets the same statement. drizzle switches a statement to raw (array) rows for typed
 * selects and never back, so a reused reader is reset to object rows before it is handed out.
 * Safe because nothing here iterates a statement (a statement mid-iteration cannot be reused).
 */
const STATEMENT_CACHE_SIZE = 1000;

function cacheStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const hit = cache.get(source);
    if (hit) {
      if (hit.reader) hit.raw(false);
      return hit;
    }
    const stmt = prepare(source);
    if (cache.size >= STATEMENT_CACHE_SIZE) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(source, stmt);
    return stmt;
  }) as typeof sqlite.prepare;
}

/** Attempts of a transaction that met SQLITE_BUSY before the error goes to the caller. */
export const BUSY_ATTEMPTS = 8;

export function isBusyError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A transaction that meets SQLITE_BUSY runs again, whole, instead of failing the command it belongs to.
 * busy_timeout already waits for a lock held by another connection (a backup, `npm run import`), but
 * SQLite answers SQLITE_BUSY_SNAPSHOT at once, without waiting, when a deferred transaction that has
 * read tries to write after another connection committed: its snapshot is stale, and only starting
 * over helps. better-sqlite3 has rolled the transaction back when the error arrives, so running the
 * callback again is safe (callbacks are synchronous and call Slack only after the commit). Only the
 * outermost transaction retries; a nested one (a savepoint) passes the error up to it. The wait is a
 * short synchronous sleep: rare, and it keeps transactions synchronous as the design requires.
 */
function retryBusyTransactions(sqlite: Database.Database): void {
  const transaction = sqlite.transaction.bind(sqlite);
  const withRetry =
    <A extends unknown[], R>(run: (...a: A) => R) =>
    (...args: A): R => {
      for (let attempt = 1; ; attempt++) {
        const outermost = !sqlite.inTransaction;
        try {
          return run(...args);
        } catch (e) {
          if (!outermost || !isBusyError(e) || attempt >= BUSY_ATTEMPTS) throw e;
          sleepSync(Math.min(2 ** attempt * 5, 500));
        }
      }
    };
  sqlite.transaction = ((fn: (...a: unknown[]) => unknown) => {
    const native = transaction(fn);
    const wrapped = Object.assign(withRetry(native), {
      default: withRetry(native.default),
      deferred: withRetry(native.deferred),
      immediate: withRetry(native.immediate),
      exclusive: withRetry(native.exclusive),
    });
    return wrapped;
  }) as typeof sqlite.transaction;
}
