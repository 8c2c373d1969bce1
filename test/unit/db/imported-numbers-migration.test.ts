import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../../src/db/client.js';
import { MIGRATIONS_FOLDER, migrateDb } from '../../../src/db/migrate.js';
import { declareIncident } from '../../../src/lifecycle/declare.js';
import { FakeClock } from '../../../src/runtime/clock.js';

/**
 * A database from before imports left INC numbers alone: its imported rows hold positive numbers
 * (3,579 imported records made the first real incident INC-3580). The migration moves them below
 * zero and keeps every real incident's number, so links people shared still work.
 */

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The migrations folder as it was before the imported-numbers change. */
function foldersBefore(tag: string): string {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-mig-'));
  const copy = join(dir, 'migrations');
  cpSync(MIGRATIONS_FOLDER, copy, { recursive: true });
  const journalPath = join(copy, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag.endsWith(tag));
  if (cut < 0) throw new Error(`no migration ${tag}`);
  // The import columns came one migration before the data step; start before both.
  journal.entries = journal.entries.slice(0, cut - 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return copy;
}

describe('migration: imported incidents give their INC numbers back', () => {
  it('moves imported rows below zero, names them by their id, keeps real numbers, and the next INC follows the real ones', () => {
    const db = openDb(':memory:');
    migrate(db, { migrationsFolder: foldersBefore('_imported_numbers') });
    const insert = db.$client.prepare(
      `insert into incidents (number, title, severity, status, declared_by, started_at, declared_at, imported, external_id)
       values (?, ?, 3, 'resolved', ?, 0, 0, ?, ?)`,
    );
    insert.run(1, 'real one', 'U0ALICE', 0, null);
    insert.run(2, 'history a', 'import', 1, 'PM-12');
    insert.run(3, 'history b', 'import', 1, 'sha1:0123456789abcdef');
    insert.run(4, 'real two', 'U0ALICE', 0, null);

    migrateDb(db);

    const rows = db.$client
      .prepare('select number, title, import_source as src, external_key as key from incidents order by id')
      .all();
    expect(rows).toEqual([
      { number: 1, title: 'real one', src: null, key: null },
      { number: -2, title: 'history a', src: 'firebreak', key: 'PM-12' },
      { number: -3, title: 'history b', src: 'firebreak', key: null },
      { number: 4, title: 'real two', src: null, key: null },
    ]);
    const next = declareIncident(db, new FakeClock(new Date('2026-11-23T09:00:00Z')), {
      title: 'Checkout down',
      declaredBy: 'U0ALICE',
    });
    expect(next.number).toBe(5);
  });
});
