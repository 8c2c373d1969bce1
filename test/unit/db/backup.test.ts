import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupDatabase } from '../../../src/db/backup.js';
import { closeDb } from '../../../src/db/client.js';
import { openMigratedDb } from '../../../src/db/migrate.js';

/**
 * The backup is taken while another process writes. Each write transaction adds one incident and
 * exactly three timeline events, so a copy that caught half a transaction (or a torn page) shows
 * up as an incident without exactly three events, or fails integrity_check.
 */
const WRITER = `
const Database = require(process.argv[3]);
const db = new Database(process.argv[2]);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
const inc = db.prepare("insert into incidents (number, title, severity, declared_by, started_at, declared_at) values (?, ?, 2, 'U0ALICE', ?, ?)");
const ev = db.prepare("insert into timeline_events (incident_id, kind, text, occurred_at, recorded_at) values (?, 'note', ?, ?, ?)");
let n = 0;
const write = db.transaction(() => {
  n++;
  const now = Date.now();
  const id = inc.run(n, 'incident ' + n + ' ' + 'x'.repeat(200), now, now).lastInsertRowid;
  for (let i = 0; i < 3; i++) ev.run(id, 'note ' + i + ' ' + 'y'.repeat(500), now, now);
});
process.stdout.write('ready\\n');
const loop = () => { for (let i = 0; i < 20; i++) write(); setImmediate(loop); };
loop();
`;

let dir = '';
let writer: ChildProcess | undefined;

afterEach(() => {
  writer?.kill('SIGKILL');
  writer = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run backup (online copy)', () => {
  it('makes consistent copies while another process keeps writing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-backup-'));
    const live = join(dir, 'live.db');
    closeDb(openMigratedDb(live));
    const script = join(dir, 'writer.cjs');
    writeFileSync(script, WRITER);
    writer = spawn(
      process.execPath,
      [script, live, createRequire(import.meta.url).resolve('better-sqlite3')],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((res, rej) => {
      writer?.stdout?.once('data', () => res());
      writer?.once('exit', (code) => rej(new Error(`writer exited ${code}`)));
    });
    // Incidents the writer has committed so far (a reader of its own, as WAL allows).
    const committed = (): number => {
      const db = new Database(live, { readonly: true });
      try {
        return (db.prepare('select count(*) as n from incidents').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const until = async (n: number) => {
      const end = Date.now() + 30_000;
      while (committed() < n) {
        if (Date.now() > end) throw new Error(`the writer did not reach ${n} incidents`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    // The copy must span many pages: 1,000 incidents with their events fill hundreds of them, however
    // fast or slow the machine lets the writer go (a fixed wait gave a slow machine a small database).
    await until(1000);

    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const dest = join(dir, `copy-${i}.db`);
      const r = await backupDatabase(live, dest);
      expect(r.pages).toBeGreaterThan(0);
      const copy = new Database(dest, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        const incidents = (copy.prepare('select count(*) as n from incidents').get() as { n: number }).n;
        const torn = copy
          .prepare(
            `select count(*) as n from incidents i
             where (select count(*) from timeline_events e where e.incident_id = i.id) <> 3`,
          )
          .get() as { n: number };
        expect(torn.n).toBe(0);
        expect(r.counts.incidents).toBe(incidents);
        sizes.push(incidents);
      } finally {
        copy.close();
      }
      // The next copy starts once the writer has committed more than this one holds.
      await until((sizes.at(-1) ?? 0) + 1);
    }
    // The writer kept going during the backups: later copies hold more.
    expect(sizes.at(-1)).toBeGreaterThan(sizes[0] ?? 0);
    expect(writer.exitCode).toBeNull();
  });

  it('refuses to overwrite the database with itself and leaves no partial file on failure', async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-backup-'));
    const live = join(dir, 'live.db');
    closeDb(openMigratedDb(live));
    await expect(backupDatabase(live, live)).rejects.toThrow(/must not be the database itself/);
    await expect(backupDatabase(join(dir, 'missing.db'), join(dir, 'x.db'))).rejects.toThrow();
  });
});
