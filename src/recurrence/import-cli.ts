import { readFileSync } from 'node:fs';
import { loadDatabasePath } from '../config.js';
import { closeDb } from '../db/client.js';
import { openMigratedDb } from '../db/migrate.js';
import { importIncident, type ParsedRow, parseImportFile } from './import.js';
import { progressBar } from './progress.js';

/**
 * `npm run import -- <file.jsonl|file.csv>`: loads past incidents into DATABASE_PATH.
 * Safe next to a running bot (WAL, busy timeout); the bot picks the new rows up on its next check.
 */
function main(): number {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: npm run import -- <file.jsonl|file.csv>\n');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    process.stderr.write(`cannot read ${path}: ${(e as Error).message}\n`);
    return 1;
  }
  const rows: ParsedRow[] = [...parseImportFile(path, text)];
  const db = openMigratedDb(loadDatabasePath());
  const skipped = new Map<string, number[]>();
  const skip = (reason: string, line: number) => skipped.set(reason, [...(skipped.get(reason) ?? []), line]);
  let imported = 0;
  const bar = progressBar('importing', rows.length);
  try {
    rows.forEach((r, i) => {
      if (!r.ok) skip(r.reason, r.line);
      else if (importIncident(db, r.row)) imported++;
      else skip('already imported (same id)', r.line);
      bar.tick(i + 1);
    });
  } finally {
    bar.done();
    closeDb(db);
  }
  const lines = [`imported ${imported} of ${rows.length} rows`];
  for (const [reason, at] of skipped) {
    const shown = at.slice(0, 10).join(', ');
    lines.push(
      `skipped ${at.length}: ${reason} (line${at.length > 1 ? 's' : ''} ${shown}${at.length > 10 ? ', …' : ''})`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

process.exitCode = main();
