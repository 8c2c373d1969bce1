import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';

/**
 * `npm run backup -- <file>`: a consistent copy of the live database while the bot keeps running.
 *
 * SQLite's online backup API (better-sqlite3 `db.backup`) copies pages under a read transaction.
 * Copied in small steps, a write from another connection (the bot) between two steps restarts the
 * copy, so under steady traffic a large database might never finish. We copy everything in one step
 * instead: in WAL mode a reader holds a snapshot without blocking the writer, so the bot keeps
 * answering and the copy is exactly one committed state. The copy goes to a temporary file that is
 * checked (`integrity_check`) and only then renamed over the destination, so a failed backup never
 * leaves a half-written file where a good one was expected.
 */
export interface BackupResult {
  path: string;
  pages: number;
  bytes: number;
  ms: number;
  /** Row counts of the main tables in the copy, for the operator to eyeball. */
  counts: Record<string, number>;
}

const COUNTED = ['incidents', 'timeline_events', 'follow_ups', 'slack_events'] as const;
const ALL_REMAINING = 0x7fffffff;

export async function backupDatabase(
  source: string | Database.Database,
  dest: string,
): Promise<BackupResult> {
  const started = performance.now();
  const target = resolve(dest);
  const db =
    typeof source === 'string' ? new Database(source, { readonly: true, fileMustExist: true }) : source;
  const tmp = `${target}.partial-${process.pid}`;
  try {
    if (typeof source === 'string') db.pragma('busy_timeout = 5000');
    if (db.name !== ':memory:' && resolve(db.name) === target) {
      throw new Error('the backup file must not be the database itself');
    }
    if (existsSync(tmp)) rmSync(tmp);
    const progress = await db.backup(tmp, { progress: () => ALL_REMAINING });
    const copy = new Database(tmp, { fileMustExist: true });
    let counts: Record<string, number> = {};
    let bytes = 0;
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
      // One self-contained file: fold any WAL content in and switch the copy to rollback mode.
      copy.pragma('journal_mode = DELETE');
      counts = Object.fromEntries(
        COUNTED.filter(
          (t) =>
            copy.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(t) !==
            undefined,
        ).map((t) => [t, (copy.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n]),
      );
      bytes =
        (copy.pragma('page_count', { simple: true }) as number) *
        (copy.pragma('page_size', { simple: true }) as number);
    } finally {
      copy.close();
    }
    renameSync(tmp, target);
    return { path: target, pages: progress.totalPages, bytes, ms: performance.now() - started, counts };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    if (typeof source === 'string') db.close();
  }
}
