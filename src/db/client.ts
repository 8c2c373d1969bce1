import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema.js';

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
  cacheStatements(sqlite);
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
