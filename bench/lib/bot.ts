import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type FirebreakApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDb, type Db, openDb } from '../../src/db/client.js';
import { migrateDb } from '../../src/db/migrate.js';
import { incidents } from '../../src/db/schema.js';
import { createLogger } from '../../src/log.js';
import { type FastSlack, startFastSlack } from './fast-slack.js';

export const BENCH_SECRET = 'bench-signing-secret-0123456789abcdef';
export const INCIDENT_CHANNEL = 'C0INC0001';

export interface BenchBot {
  bot: FirebreakApp;
  db: Db;
  slack: FastSlack;
  url: string;
  dbPath: string;
  close(): Promise<void>;
}

/** The real bot (createApp) on a temp-file DB, against the instant Web API, logging warnings only. */
export async function startBenchBot(
  opts: { logSink?: (l: string) => void; env?: Record<string, string> } = {},
): Promise<BenchBot> {
  const slack = await startFastSlack();
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-'));
  const dbPath = join(dir, 'bench.db');
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: BENCH_SECRET,
    SLACK_API_URL: slack.apiUrl,
    DATABASE_PATH: dbPath,
    LOG_LEVEL: 'warn',
    PORT: '0',
    ...opts.env,
  });
  const db = openDb(dbPath);
  migrateDb(db);
  const now = new Date();
  db.insert(incidents)
    .values({
      number: 1,
      title: 'Checkout API returns 502',
      severity: 2,
      declaredBy: 'U0ALICE',
      leadId: 'U0ALICE',
      startedAt: new Date(now.getTime() - 3600_000),
      declaredAt: new Date(now.getTime() - 3600_000),
      channelId: INCIDENT_CHANNEL,
      channelName: 'inc-1-checkout-api-returns-502',
    })
    .run();
  const logger = createLogger('warn', opts.logSink ?? (() => {}));
  const bot = createApp({
    config,
    db,
    logger,
    botIdentity: { botId: 'B0FIREBRK', botUserId: 'U0FIREBRK' },
    retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
    schedules: false,
  });
  const port = await bot.start(0);
  return {
    bot,
    db,
    slack,
    dbPath,
    url: `http://127.0.0.1:${port}/slack/events`,
    async close() {
      await bot.stop();
      await slack.close();
      closeDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The floor: a bare node:http server that does what any Slack endpoint must (buffer the body,
 * check the timestamp and the HMAC signature, parse the form) and answers at once.
 */
export async function startBareServer(
  secret = BENCH_SECRET,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const ts = Number(req.headers['x-slack-request-timestamp']);
      const sig = String(req.headers['x-slack-signature'] ?? '');
      const expected = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
      const fresh = Math.abs(Date.now() / 1000 - ts) <= 300;
      if (
        !fresh ||
        sig.length !== expected.length ||
        !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))
      ) {
        res.writeHead(401);
        res.end();
        return;
      }
      const form = new URLSearchParams(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ response_type: 'ephemeral', text: `ok: ${form.get('text') ?? ''}` }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
