import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/**
 * One writer per database (CONTRACT.md): a second process on the same DATABASE_PATH refuses to start.
 *
 * The lock is an operating-system lock, not a file whose existence means "taken". Beside the database
 * sits `<db>.lock`, a tiny SQLite file that the holder opens in `locking_mode = EXCLUSIVE` and writes
 * once: SQLite then keeps its POSIX (fcntl) write lock until the connection closes. The kernel drops
 * that lock when the process ends in any way (exit, crash, SIGKILL, OOM kill), so a lock from a dead
 * process can never be left behind, and taking over needs no guess about liveness: no pid check that
 * pid reuse could fool, and it works where the holder is on another host sharing the volume when the
 * file system supports POSIX locks (local disks, Docker volumes, NFSv4; not every network share —
 * see README). A plain lock file with a pid inside would need exactly those guesses.
 *
 * Who holds it (pid, host, since) is written to `<db>.lock.json` after the lock is taken; a refused
 * process reads it to name the holder. That file is only informative: a stale one (its process is
 * gone, so the OS lock is free) is simply replaced by the next holder, who reports the takeover.
 */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** What holds it: the bot, or `npm run restore`. */
  what: string;
}

export interface DbLock {
  readonly holder: LockHolder;
  /** The previous holder when its lock was left behind by a process that is gone (informative). */
  readonly tookOverFrom: LockHolder | undefined;
  release(): void;
}

export class LockedError extends Error {
  override name = 'LockedError';
  constructor(
    readonly path: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `${path} is in use by ${holder.what} (pid ${holder.pid} on host ${holder.host}, since ${holder.since}); only one process may use a database. Stop it first, or give this one its own DATABASE_PATH.`
        : `${path} is in use by another process (it did not say who); only one process may use a database. Stop it first, or give this one its own DATABASE_PATH.`,
    );
  }
}

export function lockPaths(dbPath: string): { lock: string; info: string } {
  const abs = resolve(dbPath);
  return { lock: `${abs}.lock`, info: `${abs}.lock.json` };
}

function readHolder(infoPath: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(infoPath, 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string')
      return { pid: h.pid, host: h.host, since: h.since, what: h.what ?? 'firebreak' };
  } catch {
    // missing or half-written: nobody named
  }
  return undefined;
}

/** Who holds the lock now, or undefined when it is free. Takes nothing. */
export function lockHolder(dbPath: string): { held: boolean; holder: LockHolder | undefined } {
  const { lock, info } = lockPaths(dbPath);
  let probe: Database.Database | undefined;
  try {
    probe = new Database(lock, { timeout: 0 });
    probe.prepare('select count(*) from sqlite_master').get();
    return { held: false, holder: undefined };
  } catch (e) {
    if (isBusy(e)) return { held: true, holder: readHolder(info) };
    throw e;
  } finally {
    probe?.close();
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * The connections of the locks this process holds. better-sqlite3 closes a connection that is garbage
 * collected, and closing it drops the OS lock: a caller that kept no reference to its DbLock (a script
 * that takes the lock and runs on) would lose the lock at the next collection. Held here until released.
 */
const held = new Set<Database.Database>();

/**
 * Takes the database's writer lock or throws LockedError naming the holder. ':memory:' databases are
 * private to their connection and need no lock.
 */
export function acquireDbLock(dbPath: string, what = 'firebreak'): DbLock {
  const { lock, info } = lockPaths(dbPath);
  mkdirSync(dirname(lock), { recursive: true });
  const conn = new Database(lock, { timeout: 0 });
  try {
    conn.pragma('locking_mode = EXCLUSIVE');
    // A rollback journal (not WAL): in exclusive mode the first write takes the file's EXCLUSIVE lock
    // and keeps it; a WAL would keep readers out only through shared memory.
    conn.pragma('journal_mode = DELETE');
    conn.exec('create table if not exists holder (at text)');
    conn.prepare('insert into holder (at) values (?)').run(new Date().toISOString());
    conn.exec('delete from holder');
  } catch (e) {
    conn.close();
    if (isBusy(e)) throw new LockedError(resolve(dbPath), readHolder(info));
    throw e;
  }
  const previous = readHolder(info);
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), what };
  const tmp = `${info}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(holder)}\n`);
  renameSync(tmp, info);
  held.add(conn);
  let released = false;
  return {
    holder,
    // The previous info file survives only when its process died without releasing: say so.
    tookOverFrom: previous,
    release() {
      if (released) return;
      released = true;
      // Remove the info first: once the OS lock is gone, a new holder may write its own.
      const now = readHolder(info);
      if (now?.pid === holder.pid && now.host === holder.host && now.since === holder.since)
        rmSync(info, { force: true });
      conn.close();
      held.delete(conn);
    },
  };
}
