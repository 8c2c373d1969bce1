import { mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { backupDatabase } from './backup.js';
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

interface JournalEntry {
  tag: string;
  when: number;
}

/** The migrations this version of the code knows, oldest first (drizzle-kit's journal). */
export function knownMigrations(folder = MIGRATIONS_FOLDER): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries.map((e) => ({ tag: e.tag, when: e.when })).sort((a, b) => a.when - b.when);
}

export interface SchemaStatus {
  /** Migrations recorded in the database. */
  applied: number;
  /** Tags of the known migrations not applied yet. */
  pending: string[];
  /**
   * The database has a migration this code does not know: it was written by a newer Firebreak.
   * drizzle's migrator records each migration with its journal time (`created_at`) and applies
   * those later than the last one recorded, so a later time than any we know means a newer version.
   */
  newer: boolean;
  /** Journal time of the last applied migration (ms), if any. */
  lastApplied: number | undefined;
  latestKnown: JournalEntry | undefined;
}

export function schemaStatus(sqlite: Database.Database, folder = MIGRATIONS_FOLDER): SchemaStatus {
  const known = knownMigrations(folder);
  const latestKnown = known.at(-1);
  const table = sqlite
    .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
    .get();
  if (table === undefined)
    return {
      applied: 0,
      pending: known.map((k) => k.tag),
      newer: false,
      lastApplied: undefined,
      latestKnown,
    };
  const row = sqlite
    .prepare('select count(*) as n, max(cast(created_at as integer)) as last from __drizzle_migrations')
    .get() as { n: number; last: number | null };
  const last = row.last ?? undefined;
  return {
    applied: row.n,
    pending: known.filter((k) => last === undefined || k.when > last).map((k) => k.tag),
    newer: last !== undefined && latestKnown !== undefined && last > latestKnown.when,
    lastApplied: last,
    latestKnown,
  };
}

export class NewerSchemaError extends Error {
  override name = 'NewerSchemaError';
}

export function newerSchemaMessage(path: string, s: SchemaStatus): string {
  const when = (ms: number | undefined) => (ms === undefined ? 'unknown' : new Date(ms).toISOString());
  return (
    `the database ${path} was written by a newer version of Firebreak (its latest migration is from ` +
    `${when(s.lastApplied)}; this version knows migrations up to ${s.latestKnown?.tag ?? 'none'} from ` +
    `${when(s.latestKnown?.when)}). Run the newer version, or restore a backup made by this one ` +
    '(npm run restore -- <backup>); this version will not touch it.'
  );
}

export interface UpgradeResult {
  /** Migrations applied now. */
  applied: string[];
  /** The automatic backup taken before they ran (none for a new, empty database). */
  backup: string | undefined;
}

/**
 * Start-up's migration step: refuses a database from a newer version (before touching it), takes a
 * backup when migrations are pending on a database that already holds data, then migrates. The
 * backup goes to `backups/` beside the database, named after the first migration it precedes, so an
 * upgrade that goes wrong can be undone with `npm run restore`.
 */
export async function upgradeDb(db: Db, path: string, now = new Date()): Promise<UpgradeResult> {
  const status = schemaStatus(db.$client);
  if (status.newer) throw new NewerSchemaError(newerSchemaMessage(path, status));
  let backup: string | undefined;
  if (status.pending.length > 0 && status.applied > 0 && path !== ':memory:') {
    const dir = join(dirname(resolve(path)), 'backups');
    mkdirSync(dir, { recursive: true });
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const name = `${basename(path).replace(/\.[^.]*$/, '')}-before-${status.pending[0]}-${stamp}.db`;
    backup = (await backupDatabase(db.$client, join(dir, name))).path;
  }
  migrateDb(db);
  return { applied: status.pending, backup };
}
