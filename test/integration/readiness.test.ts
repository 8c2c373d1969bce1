import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { WS } from '../../sim/api.js';
import { type SimulatorImpl, startSimulator } from '../../sim/web-api.js';
import { createApp, type FirebreakApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDb, type Db, openDb } from '../../src/db/client.js';
import { migrateDb } from '../../src/db/migrate.js';
import * as schema from '../../src/db/schema.js';
import { createLogger } from '../../src/log.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { freePort } from '../helpers/child-bot.js';

/**
 * GET /readyz answers 503 with a reason for each way the bot cannot work, and 200 when it can;
 * /healthz (liveness) stays 200 throughout. The bot is the real app over HTTP against the simulator.
 */
let dir = '';
let sim: SimulatorImpl | undefined;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await sim?.close();
  sim = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startBot(
  opts: {
    env?: Record<string, string>;
    db?: (path: string) => Db;
    awaitStart?: boolean;
    authRecheckMs?: number;
  } = {},
): Promise<{ base: string; bot: FirebreakApp; db: Db }> {
  sim = await startSimulator({ clock: new FakeClock('2026-11-23T09:00:00Z') });
  dir = mkdtempSync(join(tmpdir(), 'firebreak-ready-'));
  const port = await freePort();
  const config = loadConfig({
    SLACK_BOT_TOKEN: sim.token,
    SLACK_SIGNING_SECRET: 'readyz-signing-secret',
    SLACK_API_URL: sim.apiUrl,
    DATABASE_PATH: join(dir, 'firebreak.db'),
    LOG_LEVEL: 'error',
    PORT: String(port),
    ...opts.env,
  });
  let db: Db;
  if (opts.db) db = opts.db(config.DATABASE_PATH);
  else {
    db = openDb(config.DATABASE_PATH);
    migrateDb(db);
  }
  const bot = createApp({
    config,
    db,
    logger: createLogger('error'),
    retryConfig: { retries: 0 },
    schedules: false,
    jobs: [],
    authRecheckMs: opts.authRecheckMs ?? 0,
    // As in the harness: the alert cards' first flush after start-up otherwise sleeps 2 s, which
    // stop() waits out.
    alertCoalesceMs: 20,
  });
  cleanup.push(() => closeDb(db));
  cleanup.push(() => bot.stop());
  const started = bot.start(port);
  if (opts.awaitStart !== false) await started;
  else started.catch(() => {});
  return { base: `http://127.0.0.1:${port}`, bot, db };
}

async function readyz(
  base: string,
): Promise<{ status: number; body: { status: string; reasons?: string[]; checks: Record<string, string> } }> {
  const r = await fetch(`${base}/readyz`);
  return { status: r.status, body: (await r.json()) as never };
}

describe('GET /readyz', () => {
  it('200 when the database is writable, the schema current and Slack accepts the token', async () => {
    const { base } = await startBot();
    const r = await readyz(base);
    expect(r).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', schema: 'ok', slack: 'ok' } },
    });
  });

  it('503 when the database cannot be written (read-only file); /healthz stays 200', async () => {
    const { base } = await startBot({
      db: (path) => {
        const rw = openDb(path);
        migrateDb(rw);
        closeDb(rw);
        const ro = new Database(path, { readonly: true });
        return drizzle(ro, { schema }) as Db;
      },
    });
    const r = await readyz(base);
    expect(r.status).toBe(503);
    expect(r.body.checks).toEqual({ database: 'failing', schema: 'ok', slack: 'ok' });
    expect(r.body.reasons).toEqual([
      expect.stringMatching(/^the database cannot be written \(SQLITE_READONLY/),
    ]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('503 when the schema is not current (a migration not applied)', async () => {
    const { base, db } = await startBot();
    db.$client.exec(
      'delete from __drizzle_migrations where created_at = (select max(created_at) from __drizzle_migrations)',
    );
    const r = await readyz(base);
    expect(r.status).toBe(503);
    expect(r.body.checks.schema).toBe('failing');
    expect(r.body.reasons?.[0]).toMatch(/^1 migration\(s\) not applied \(\d{4}_/);
  });

  it('503 when the database was changed by a newer version', async () => {
    const { base, db } = await startBot();
    db.$client
      .prepare("insert into __drizzle_migrations (hash, created_at) values ('future', ?)")
      .run(Date.now() + 10 ** 12);
    const r = await readyz(base);
    expect(r.status).toBe(503);
    expect(r.body.reasons).toEqual(['the database schema is newer than this version of Firebreak']);
  });

  it('503 when Slack stops accepting the token (revoked), naming Slack’s error, never the token', async () => {
    const { base } = await startBot();
    expect((await readyz(base)).status).toBe(200);
    sim?.fault('auth.test', { error: 'token_revoked' });
    const r = await readyz(base);
    expect(r.status).toBe(503);
    expect(r.body.reasons).toEqual(['Slack did not accept SLACK_BOT_TOKEN (token_revoked)']);
    expect(JSON.stringify(r.body)).not.toContain(sim?.token ?? 'xoxb-');
    // Once Slack accepts it again, the bot is ready again.
    expect((await readyz(base)).status).toBe(200);
  });

  it('503 when any Web API call says the token is bad, without waiting for the next auth.test', async () => {
    const { base, bot } = await startBot({ authRecheckMs: 3_600_000 });
    expect((await readyz(base)).status).toBe(200);
    const authTests = sim?.calls('auth.test').length;
    sim?.fault('users.info', { error: 'invalid_auth' });
    await expect(bot.app.client.users.info({ user: WS.users.alice })).rejects.toThrow(/invalid_auth/);
    const r = await readyz(base);
    expect(r.status).toBe(503);
    expect(r.body.reasons).toEqual(['Slack did not accept SLACK_BOT_TOKEN (invalid_auth)']);
    expect(sim?.calls('auth.test').length).toBe(authTests);
  });

  it('503 in Socket Mode while the socket is not connected; the HTTP port still answers', async () => {
    // apps.connections.open never answers: the socket cannot open.
    const { base } = await startBot({
      env: { SLACK_APP_TOKEN: 'xapp-1-A0FIREBRK-readyz' },
      awaitStart: false,
      db: (path) => {
        sim?.fault('apps.connections.open', { delayMs: 20_000 });
        const db = openDb(path);
        migrateDb(db);
        return db;
      },
    });
    let r: Awaited<ReturnType<typeof readyz>> | undefined;
    for (let i = 0; i < 100 && r === undefined; i++) {
      r = await readyz(base).catch(() => undefined);
      if (r === undefined) await new Promise((res) => setTimeout(res, 50));
    }
    expect(r?.status).toBe(503);
    expect(r?.body.checks.socket).toBe('failing');
    expect(r?.body.reasons).toContain('the Socket Mode connection to Slack is not open');
  });
});
