import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadDatabasePath, loadDotEnv } from '../config.js';
import { backupDatabase } from './backup.js';

/** `npm run backup -- <file>` (an entry point of its own: bundles that import backup.ts must not run it). */
async function cli(argv: string[]): Promise<number> {
  const dest = argv[0];
  if (!dest || argv.length > 1 || dest.startsWith('-')) {
    process.stderr.write(
      'usage: npm run backup -- <backup-file>   (copies DATABASE_PATH while the bot runs)\n',
    );
    return 2;
  }
  loadDotEnv();
  const from = loadDatabasePath();
  if (!existsSync(from)) {
    process.stderr.write(`firebreak backup: no database at ${from} (set DATABASE_PATH)\n`);
    return 1;
  }
  if (!existsSync(dirname(resolve(dest)))) {
    process.stderr.write(`firebreak backup: the folder of ${dest} does not exist\n`);
    return 1;
  }
  const r = await backupDatabase(from, dest);
  const counts = Object.entries(r.counts)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  process.stdout.write(
    `backed up ${from} → ${r.path}: ${r.pages} pages, ${(r.bytes / 1024).toFixed(0)} KiB in ${r.ms.toFixed(0)} ms; integrity ok; ${counts}\n`,
  );
  return 0;
}

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`firebreak backup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
