import { existsSync, readFileSync } from 'node:fs';
import { loadDatabasePath } from '../config.js';
import { closeDb, openDb } from '../db/client.js';
import { openMigratedDb } from '../db/migrate.js';
import { runImport } from './import-run.js';
import { progressBar } from './progress.js';

/**
 * `npm run import -- [--from jira|pagerduty|opsgenie|incident-io|firebreak] <file>`: loads past
 * incidents into DATABASE_PATH (README "Importing history"). Safe next to a running bot (WAL, busy
 * timeout); the bot picks the new rows up on its next check.
 */
let bar: ReturnType<typeof progressBar> | undefined;
process.exitCode = runImport(process.argv.slice(2), {
  readFile: (p) => readFileSync(p, 'utf8'),
  openDb: () => openMigratedDb(loadDatabasePath()),
  // A dry run writes nothing, not even a new database file or a migration.
  peekDb: () => {
    const path = loadDatabasePath();
    if (path === ':memory:' || !existsSync(path)) return undefined;
    try {
      const db = openDb(path);
      db.$client.prepare('select external_id from incidents limit 1').get();
      return db;
    } catch {
      return undefined;
    }
  },
  closeDb,
  now: new Date(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: (done, total) => {
    bar ??= progressBar('importing', total);
    bar.tick(done);
    if (done === total) bar.done();
  },
});
