import { loadDatabasePath, loadDotEnv } from '../config.js';
import { restoreDatabase } from './restore.js';

/** `npm run restore -- <backup>` (see restore.ts). */
async function cli(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file || argv.length > 1 || file.startsWith('-')) {
    process.stderr.write('usage: npm run restore -- <backup-file>   (the bot must be stopped)\n');
    return 2;
  }
  loadDotEnv();
  const r = await restoreDatabase(file, loadDatabasePath());
  const counts = Object.entries(r.counts)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  process.stdout.write(
    `restored ${r.backup} → ${r.database}: integrity ok, ${r.migrations} migrations` +
      (r.pending.length > 0
        ? ` (${r.pending.join(', ')} will be applied at the next start)`
        : ', schema current') +
      `; ${counts}\n` +
      (r.previous
        ? `the database it replaced (with its -wal/-shm, if any) is kept as ${r.previous}\n`
        : 'there was no database there before\n'),
  );
  return 0;
}

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`firebreak restore refused: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
