import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase } from '../../../src/db/backup.js';
import { closeDb, openDb } from '../../../src/db/client.js';
import { acquireDbLock, LockedError } from '../../../src/db/lock.js';
import {
  knownMigrations,
  MIGRATIONS_FOLDER,
  NewerSchemaError,
  openMigratedDb,
  upgradeDb,
} from '../../../src/db/migrate.js';
import { RestoreError, restoreDatabase } from '../../../src/db/restore.js';
import { makeIncident } from '../../helpers/db.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-restore-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function titles(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('select title from incidents order by number').all() as { title: string }[]).map(
      (r) => r.title,
    );
  } finally {
    db.close();
  }
}

/** A database file as a crash leaves it: the main file plus a -wal holding committed work. */
async function crashedDatabase(path: string, backupTo: string): Promise<void> {
  const live = openMigratedDb(join(dir, 'live.db'));
  makeIncident(live, { title: 'in the backup' });
  await backupDatabase(live.$client, backupTo);
  live.$client.pragma('wal_autocheckpoint = 0');
  makeIncident(live, { title: 'after the backup' });
  // Copy the files as they are now, while the connection is open: a crash image with its -wal.
  copyFileSync(join(dir, 'live.db'), path);
  copyFileSync(join(dir, 'live.db-wal'), `${path}-wal`);
  closeDb(live);
}

describe('npm run restore', () => {
  it('over a leftover -wal: the backup comes back, not the crashed state, and the old files are kept aside', async () => {
    const db = join(dir, 'firebreak.db');
    const backup = join(dir, 'backup.db');
    await crashedDatabase(db, backup);
    expect(titles(db)).toEqual(['in the backup', 'after the backup']); // the -wal is live
    const r = await restoreDatabase(backup, db, new Date('2026-12-06T10:00:00Z'));
    // Nothing stale beside the restored file: SQLite would replay a -wal onto it.
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(existsSync(`${db}-shm`)).toBe(false);
    expect(titles(db)).toEqual(['in the backup']);
    expect(r.counts.incidents).toBe(1);
    expect(r.migrations).toBe(knownMigrations().length);
    expect(r.pending).toEqual([]);
    // The replaced database keeps its own -wal next to it, so it can still be opened as it was.
    expect(r.previous).toBe(`${db}.before-restore-2026-12-06T10-00-00-000Z`);
    expect(existsSync(`${r.previous}-wal`)).toBe(true);
    expect(titles(r.previous ?? '')).toEqual(['in the backup', 'after the backup']);
    expect(readdirSync(dir).some((f) => f.includes('.restoring-'))).toBe(false);
  });

  it('refuses while the bot holds the database, naming it, and changes nothing', async () => {
    const db = join(dir, 'firebreak.db');
    const backup = join(dir, 'backup.db');
    await crashedDatabase(db, backup);
    const lock = acquireDbLock(db, 'firebreak');
    try {
      await expect(restoreDatabase(backup, db)).rejects.toThrow(LockedError);
      await expect(restoreDatabase(backup, db)).rejects.toThrow(/in use by firebreak \(pid \d+ on host/);
    } finally {
      lock.release();
    }
    expect(existsSync(`${db}-wal`)).toBe(true);
  });

  it('refuses a backup from a newer version, a file that is not a database, and one that is not Firebreak’s', async () => {
    const db = join(dir, 'firebreak.db');
    const newer = join(dir, 'newer.db');
    const n = openMigratedDb(newer);
    n.$client
      .prepare("insert into __drizzle_migrations (hash, created_at) values ('future', ?)")
      .run(Date.now() + 10 ** 12);
    closeDb(n);
    await expect(restoreDatabase(newer, db)).rejects.toThrow(/newer version of Firebreak/);

    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text '.repeat(200));
    await expect(restoreDatabase(junk, db)).rejects.toThrow(RestoreError);

    const other = join(dir, 'other.db');
    const o = new Database(other);
    o.exec('create table x (a)');
    o.close();
    await expect(restoreDatabase(other, db)).rejects.toThrow(/not a Firebreak database/);
    expect(existsSync(db)).toBe(false);
  });
});

describe('upgrades', () => {
  it('a database newer than the code is refused before anything touches it', async () => {
    const path = join(dir, 'firebreak.db');
    const db = openMigratedDb(path);
    db.$client
      .prepare("insert into __drizzle_migrations (hash, created_at) values ('future', ?)")
      .run(Date.now() + 10 ** 12);
    await expect(upgradeDb(db, path)).rejects.toThrow(NewerSchemaError);
    await expect(upgradeDb(db, path)).rejects.toThrow(
      /written by a newer version of Firebreak .*this version knows migrations up to/,
    );
    closeDb(db);
  });

  it('pending migrations on a database with data: a backup is taken first, then they run', async () => {
    const path = join(dir, 'firebreak.db');
    // The database as the previous version left it: every migration but the last applied.
    const older = join(dir, 'older-migrations');
    cpSync(MIGRATIONS_FOLDER, older, { recursive: true });
    const journalPath = join(older, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
    journal.entries.pop();
    writeFileSync(journalPath, JSON.stringify(journal));
    const db = openDb(path);
    migrate(db, { migrationsFolder: older });
    makeIncident(db, { title: 'kept' });
    const last = knownMigrations().at(-1);
    const r = await upgradeDb(db, path, new Date('2026-12-06T10:00:00Z'));
    expect(r.applied).toEqual([last?.tag]);
    expect(r.backup).toBe(join(dir, 'backups', `firebreak-before-${last?.tag}-2026-12-06T10-00-00-000Z.db`));
    expect(titles(r.backup ?? '')).toEqual(['kept']);
    closeDb(db);
  });

  it('a new database gets no backup', async () => {
    const path = join(dir, 'new.db');
    const db = openDb(path);
    const r = await upgradeDb(db, path);
    expect(r.backup).toBeUndefined();
    expect(r.applied).toHaveLength(knownMigrations().length);
    closeDb(db);
  });
});
