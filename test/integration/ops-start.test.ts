import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WS } from '../../sim/api.js';
import { type SimulatorImpl, startSimulator } from '../../sim/web-api.js';
import { closeDb } from '../../src/db/client.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { CHILD_TEST_MS, type ChildBot, spawnBot, startChildBot } from '../helpers/child-bot.js';

// Child bots start slowly on a loaded machine (see CHILD_START_MS); some tests start two.
vi.setConfig({ testTimeout: CHILD_TEST_MS });

/**
 * Start-up as an operator meets it, with the real process (src/main.ts): one writer per database,
 * a lock left by a killed bot, a database from a newer version, .env, and settings with typos.
 */
let dir = '';
let sim: SimulatorImpl | undefined;
const bots: ChildBot[] = [];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-ops-start-'));
  sim = await startSimulator();
});
afterEach(async () => {
  for (const b of bots.splice(0))
    if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: sim?.token ?? '',
    SLACK_SIGNING_SECRET: 'ops-start-signing-secret',
    SLACK_API_URL: sim?.apiUrl ?? '',
    DATABASE_PATH: join(dir, 'firebreak.db'),
    ANNOUNCE_CHANNEL: WS.channels.announce,
    ENV_FILE: join(dir, 'none.env'),
    ...extra,
  };
}

/** Runs src/main.ts to its exit; for start-ups that must refuse. */
function runToExit(e: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawnBot({ PATH: process.env.PATH ?? '', PORT: '0', ...e });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((done) => child.once('exit', (code) => done({ code, stderr })));
}

describe('one writer per database', () => {
  it('a second bot on the same DATABASE_PATH refuses to start, naming the first (pid, host, since)', async () => {
    writeFileSync(join(dir, 'none.env'), '');
    const first = await startChildBot(env());
    bots.push(first);
    const second = await runToExit(env());
    expect(second.code).toBe(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `refusing to start: .*firebreak\\.db is in use by firebreak \\(pid ${first.child.pid} on host ${hostname()}, since \\d{4}-`,
      ),
    );
    // The first one is unaffected.
    expect((await fetch(`${first.base}/healthz`)).status).toBe(200);
  });

  it('after the bot was SIGKILLed, the next one takes the lock over and says whose it was', async () => {
    writeFileSync(join(dir, 'none.env'), '');
    const first = await startChildBot(env());
    first.child.kill('SIGKILL');
    await first.exited;
    const next = await startChildBot(env());
    bots.push(next);
    expect(next.log()).toContain(
      `took over the database lock left by pid ${first.child.pid} on ${hostname()}`,
    );
    expect((await fetch(`${next.base}/healthz`)).status).toBe(200);
  });
});

describe('start-up refusals and settings', () => {
  it('a database from a newer version: exit 1 with a message saying so, and the file is untouched', async () => {
    writeFileSync(join(dir, 'none.env'), '');
    const db = openMigratedDb(join(dir, 'firebreak.db'));
    db.$client
      .prepare("insert into __drizzle_migrations (hash, created_at) values ('future', ?)")
      .run(Date.now() + 10 ** 12);
    const before = db.$client.prepare('select count(*) as n from __drizzle_migrations').get();
    closeDb(db);
    const r = await runToExit(env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /refusing to start: the database .* was written by a newer version of Firebreak/,
    );
    const { default: Database } = await import('better-sqlite3');
    const check = new Database(join(dir, 'firebreak.db'), { readonly: true });
    expect(check.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual(before);
    check.close();
  });

  it.each([
    [
      'PORT',
      'abc',
      /^firebreak: PORT is malformed: expected a port number from 0 to 65535 \(for example PORT=3000\)$/,
    ],
    ['LOG_LEVEL', 'loud', /^firebreak: LOG_LEVEL is malformed: expected one of debug, info, warn, error/],
  ])('%s=%s: one line naming the setting and what to write', async (name, value, expected) => {
    writeFileSync(join(dir, 'none.env'), '');
    const r = await runToExit(env({ [name]: value }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(expected);
  });

  it('reads .env (ENV_FILE) at start-up; LOG_LEVEL=INFO in capitals is accepted; the environment wins over the file', async () => {
    const file = join(dir, 'firebreak.env');
    writeFileSync(
      file,
      [
        '# as .env.example says',
        `SLACK_SIGNING_SECRET=from-the-env-file`,
        'LOG_LEVEL=INFO',
        `DATABASE_PATH=${join(dir, 'from-file.db')}`,
        'PORT=abc',
      ].join('\n'),
    );
    const e = env({ ENV_FILE: file, PORT: '0' });
    delete (e as Record<string, string | undefined>).SLACK_SIGNING_SECRET;
    delete (e as Record<string, string | undefined>).DATABASE_PATH;
    const bot = await startChildBot(e);
    bots.push(bot);
    expect((await fetch(`${bot.base}/healthz`)).status).toBe(200);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'from-file.db'))).toBe(true);
  });

  it('channels by name: resolved to their IDs once at start-up; an unknown name refuses to start, naming it', async () => {
    writeFileSync(join(dir, 'none.env'), '');
    const bot = await startChildBot(env({ ANNOUNCE_CHANNEL: '#incidents', DIGEST_CHANNEL: 'eng-leads' }));
    bots.push(bot);
    expect(bot.log()).toContain(`ANNOUNCE_CHANNEL #incidents is channel ${WS.channels.announce}`);
    expect(bot.log()).toContain(`DIGEST_CHANNEL eng-leads is channel ${WS.channels.digest}`);
    bot.child.kill('SIGTERM');
    await bot.exited;
    const r = await runToExit(env({ ANNOUNCE_CHANNEL: '#no-such-channel' }));
    expect(r.code).toBe(1);
    // Its last line: the refusal (earlier lines, if any, are ordinary log lines).
    expect(r.stderr.trim().split('\n').at(-1), r.stderr).toMatch(
      /^firebreak: ANNOUNCE_CHANNEL=#no-such-channel: the bot sees no channel of that name/,
    );
  });
});
