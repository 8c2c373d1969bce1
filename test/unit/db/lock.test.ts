import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDbLock, LockedError, lockHolder, lockPaths } from '../../../src/db/lock.js';
import { ROOT } from '../../helpers/child-bot.js';

/**
 * The writer lock is an OS lock (SQLite's exclusive lock on `<db>.lock`), so these tests use real
 * processes where the process boundary matters: a holder that is SIGKILLed must leave nothing that
 * blocks the next one.
 */
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A process that takes the lock, says so, and waits to be killed. It keeps no reference to the lock
 * and collects garbage before saying so: a lock must not depend on its caller holding on to it.
 */
function holdInChild(dbPath: string): Promise<{ pid: number; kill(): Promise<void> }> {
  const script = `import { acquireDbLock } from ${JSON.stringify(join(ROOT, 'src/db/lock.ts'))};
acquireDbLock(${JSON.stringify(dbPath)}, 'lock-test');
globalThis.gc?.();
process.stdout.write('held\\n');
setInterval(() => {}, 1000);`;
  const file = join(dir, 'hold.ts');
  writeFileSync(file, script);
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('held'))
        resolve({
          pid: child.pid ?? 0,
          kill: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
}

describe('database writer lock', { timeout: 60_000 }, () => {
  it('a second holder is refused with the first one named (pid, host, since)', async () => {
    const db = join(dir, 'firebreak.db');
    const holder = await holdInChild(db);
    try {
      let err: unknown;
      try {
        acquireDbLock(db);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LockedError);
      const locked = err as LockedError;
      expect(locked.holder?.pid).toBe(holder.pid);
      expect(locked.holder?.host).toBe(hostname());
      expect(locked.message).toContain(`pid ${holder.pid} on host ${hostname()}, since 20`);
      expect(lockHolder(db)).toMatchObject({ held: true, holder: { pid: holder.pid, what: 'lock-test' } });
    } finally {
      await holder.kill();
    }
  });

  it('a lock left by a SIGKILLed process is taken over, and the takeover names it', async () => {
    const db = join(dir, 'firebreak.db');
    const holder = await holdInChild(db);
    await holder.kill();
    // Its info file is still there (it never released), but the OS dropped its lock.
    expect(existsSync(lockPaths(db).info)).toBe(true);
    expect(lockHolder(db).held).toBe(false);
    const lock = acquireDbLock(db);
    expect(lock.tookOverFrom?.pid).toBe(holder.pid);
    expect(JSON.parse(readFileSync(lockPaths(db).info, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lockPaths(db).info)).toBe(false);
  });

  it('a pid in the info file that is alive again (pid reuse) does not keep the lock taken', () => {
    const db = join(dir, 'firebreak.db');
    // An info file naming a live process (this one) but no OS lock: only the OS lock counts.
    writeFileSync(
      lockPaths(db).info,
      JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00Z' }),
    );
    const lock = acquireDbLock(db);
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();
  });

  it('released, it can be taken again at once', () => {
    const db = join(dir, 'firebreak.db');
    const a = acquireDbLock(db);
    expect(() => acquireDbLock(db)).toThrow(LockedError);
    a.release();
    acquireDbLock(db).release();
  });
});
