import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, type Db, openDb } from '../../../src/db/client.js';

/**
 * SQLITE_BUSY_SNAPSHOT: a deferred transaction read, another connection committed, and now the
 * first one wants to write. SQLite refuses at once (busy_timeout does not help); the transaction
 * must run again from the start instead of the command being lost.
 */
let dir = '';
let db: Db | undefined;
let other: Database.Database | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-busy-'));
});
afterEach(() => {
  if (db) closeDb(db);
  other?.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(path: string): { db: Database.Database; other: Database.Database } {
  db = openDb(path);
  db.$client.exec('create table t (id integer primary key, v text)');
  other = new Database(path);
  other.pragma('busy_timeout = 5000');
  return { db: db.$client, other };
}

describe('a transaction that meets SQLITE_BUSY', () => {
  it('without the retry, this interleaving is a lost write (the scenario is real)', () => {
    const path = join(dir, 'raw.db');
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.exec('create table t (id integer primary key, v text)');
    const o = new Database(path);
    const tx = raw.transaction(() => {
      raw.prepare('select count(*) from t').get();
      o.prepare("insert into t (v) values ('other')").run();
      raw.prepare("insert into t (v) values ('mine')").run();
    });
    expect(() => tx()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY_SNAPSHOT' }));
    o.close();
    raw.close();
  });

  it('runs again from the start and commits', () => {
    const { db: sqlite, other: o } = setup(join(dir, 'a.db'));
    let attempts = 0;
    const tx = sqlite.transaction(() => {
      attempts++;
      const n = (sqlite.prepare('select count(*) as n from t').get() as { n: number }).n;
      if (attempts === 1) o.prepare("insert into t (v) values ('other')").run();
      sqlite.prepare('insert into t (v) values (?)').run(`mine after ${n}`);
    });
    tx();
    expect(attempts).toBe(2);
    const rows = sqlite.prepare('select v from t order by id').all();
    // The retry saw the other connection's row: nothing is lost and nothing is written twice.
    expect(rows).toEqual([{ v: 'other' }, { v: 'mine after 1' }]);
  });

  it('through drizzle too (db.transaction), the way the verbs run', () => {
    const { other: o } = setup(join(dir, 'b.db'));
    let attempts = 0;
    db?.transaction(() => {
      attempts++;
      db?.$client.prepare('select count(*) from t').get();
      if (attempts === 1) o.prepare("insert into t (v) values ('other')").run();
      db?.$client.prepare("insert into t (v) values ('mine')").run();
    });
    expect(attempts).toBe(2);
    expect(db?.$client.prepare('select count(*) as n from t').get()).toEqual({ n: 2 });
  });

  it('other errors are not retried', () => {
    const { db: sqlite } = setup(join(dir, 'c.db'));
    let attempts = 0;
    const tx = sqlite.transaction(() => {
      attempts++;
      sqlite.prepare('insert into nowhere values (1)').run();
    });
    expect(() => tx()).toThrow(/no such table/);
    expect(attempts).toBe(1);
  });
});
