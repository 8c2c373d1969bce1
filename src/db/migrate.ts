import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { type Db, openDb } from './client.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Applies pending migrations from migrations/ (drizzle-kit's output); idempotent. */
export function migrateDb(db: Db): void {
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}

/** A fresh, migrated database: the file at `path`, or a private in-memory one for tests. */
export function openMigratedDb(path = ':memory:'): Db {
  const db = openDb(path);
  migrateDb(db);
  return db;
}
