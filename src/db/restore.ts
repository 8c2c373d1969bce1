import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { backupDatabase } from './backup.js';
import { acquireDbLock } from './lock.js';
import { newerSchemaMessage, schemaStatus } from './migrate.js';

/**
 * `npm run restore -- <backup>`: puts a backup (from `npm run backup` or the automatic one taken
 * before migrations) in place of DATABASE_PATH.
 *
 * - It takes the database's writer lock first, so it refuses while the bot (or another restore) runs.
 * - The backup is checked before anything changes: integrity, a Firebreak schema, not newer than this code.
 * - A `-wal` left beside the database is the tail of the *old* database: SQLite would replay it onto the
 *   restored file and bring the crashed state back (or corrupt it). The old database moves aside with its
 *   `-wal` and `-shm`, kept as `<db>.before-restore-<time>` (plus its `-wal`/`-shm`), so nothing is lost
 *   and nothing stale stays beside the restored file.
 * - The copy is written to a temporary file through SQLite's backup API, checked again, and renamed into place.
 */
export interface RestoreResult {
  database: string;
  backup: string;
  /** Where the database that was replaced now is (undefined when there was none). */
  previous: string | undefined;
  migrations: number;
  /** Migrations this version will apply at the next start. */
  pending: string[];
  counts: Record<string, number>;
}

export class RestoreError extends Error {
  override name = 'RestoreError';
}

function inspectBackup(path: string): { migrations: number; pending: string[] } {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new RestoreError(`cannot open ${path} as a SQLite database: ${(e as Error).message}`);
  }
  try {
    let check: unknown;
    try {
      check = db.pragma('integrity_check', { simple: true });
    } catch (e) {
      throw new RestoreError(`${path} is not a usable SQLite database: ${(e as Error).message}`);
    }
    if (check !== 'ok') throw new RestoreError(`${path} failed its integrity check: ${String(check)}`);
    const s = schemaStatus(db);
    if (
      s.applied === 0 ||
      db.prepare("select 1 from sqlite_master where name = 'incidents'").get() === undefined
    )
      throw new RestoreError(`${path} is not a Firebreak database (no migrations recorded in it)`);
    if (s.newer) throw new RestoreError(newerSchemaMessage(path, s));
    return { migrations: s.applied, pending: s.pending };
  } finally {
    db.close();
  }
}

export async function restoreDatabase(
  backup: string,
  dbPath: string,
  now = new Date(),
): Promise<RestoreResult> {
  const source = resolve(backup);
  const target = resolve(dbPath);
  if (!existsSync(source)) throw new RestoreError(`no backup file at ${source}`);
  if (source === target) throw new RestoreError('the backup file is the database itself');
  // Throws LockedError naming the bot when it runs.
  const lock = acquireDbLock(target, 'npm run restore');
  try {
    const info = inspectBackup(source);
    const tmp = `${target}.restoring-${process.pid}`;
    // A consistent, integrity-checked, self-contained copy (no -wal of its own), beside the target.
    const copy = await backupDatabase(source, tmp);
    let previous: string | undefined;
    if (existsSync(target)) {
      previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
      renameSync(target, previous);
    }
    for (const suffix of ['-wal', '-shm', '-journal']) {
      if (!existsSync(target + suffix)) continue;
      if (previous) renameSync(target + suffix, previous + suffix);
      else rmSync(target + suffix);
    }
    renameSync(tmp, target);
    return { database: target, backup: source, previous, ...info, counts: copy.counts };
  } finally {
    lock.release();
  }
}
