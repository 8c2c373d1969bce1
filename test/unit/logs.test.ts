import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { commandBody, eventBody, postRaw, postSigned } from '../../sim/signed.js';
import { createApp, type FirebreakApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDb, type Db } from '../../src/db/client.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { createLogger, redactSecrets } from '../../src/log.js';

/**
 * Tokens and the signing secret never reach a log line: the bot runs real flows at debug level
 * (valid and forged requests, failing Web API calls whose errors carry the request) with its log
 * captured, and the capture is searched for the secrets and for their recognisable prefixes.
 */
const TOKEN = 'xoxb-1111111111-2222222222-abcdefABCDEF0123456789zz';
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const APP_TOKEN = 'xapp-1-A0FIREBRK-3333333333-0123456789abcdef0123456789abcdef';

let api: Server | undefined;
let bot: FirebreakApp | undefined;
let db: Db | undefined;

afterEach(async () => {
  await bot?.stop().catch(() => {});
  bot = undefined;
  await new Promise<void>((r) => (api ? api.close(() => r()) : r()));
  api = undefined;
  if (db) closeDb(db);
  db = undefined;
});

/** A Web API that fails every call, echoing the Authorization header back (the worst case for a log). */
async function failingApi(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  api = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push(req.url ?? '');
      const auth = req.headers.authorization ?? '';
      if ((req.url ?? '').includes('auth.test')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ ok: true, user_id: 'U0FIREBRK', bot_id: 'B0FIREBRK', team_id: 'T0FIREBRK' }),
        );
        return;
      }
      if ((req.url ?? '').includes('chat.postMessage')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`upstream failure for ${auth} body=${body}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'invalid_auth', echo: auth, body }));
    });
  });
  await new Promise<void>((r) => api?.listen(0, '127.0.0.1', () => r()));
  const { port } = api.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/`, seen };
}

describe('secrets in logs', () => {
  it('redactSecrets masks configured secrets and anything shaped like a Slack token', () => {
    const line = `token=${TOKEN} Authorization: Bearer ${TOKEN} signing_secret=${SECRET} app=${APP_TOKEN} other xoxp-12-34-abc`;
    const out = redactSecrets(line, [SECRET]);
    for (const s of [TOKEN, SECRET, APP_TOKEN, 'xoxp-12-34-abc']) expect(out).not.toContain(s);
    expect(out).toContain('[redacted]');
  });

  it('a captured debug log of real flows never contains the token or the signing secret', async () => {
    const lines: string[] = [];
    const { url, seen } = await failingApi();
    db = openMigratedDb(':memory:');
    const config = loadConfig({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: url,
      LOG_LEVEL: 'debug',
      PORT: '0',
    });
    const logger = createLogger('debug', (l) => {
      lines.push(l);
      if (process.env.SHOW_LOG) console.log(l);
    });
    bot = createApp({
      config,
      db,
      logger,
      retryConfig: { retries: 1, minTimeout: 1, maxTimeout: 2 },
      botIdentity: { botId: 'B0FIREBRK', botUserId: 'U0FIREBRK' },
      schedules: false,
      // As in the harness: the alert cards' first flush after start-up otherwise sleeps 2 s, which
      // stop() and tasks.idle() wait out.
      alertCoalesceMs: 20,
    });
    const port = await bot.start(0);
    const events = `http://127.0.0.1:${port}/slack/events`;

    // Valid, forged and stale requests.
    expect((await postSigned(events, commandBody('help'), { secret: SECRET })).status).toBe(200);
    expect((await postSigned(events, commandBody('help'), { secret: 'not-the-secret' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 3600;
    expect((await postSigned(events, commandBody('help'), { secret: SECRET, timestamp: stale })).status).toBe(
      401,
    );
    expect(
      (
        await postRaw(events, eventBody({ type: 'app_mention', text: TOKEN }, 'Ev1'), {
          'content-type': 'application/json',
        })
      ).status,
    ).toBe(401);
    // A signed event whose text carries a token-shaped string.
    await postSigned(
      events,
      eventBody(
        { type: 'message', channel: 'C0GENERAL', user: 'U0ALICE', text: `leaked ${TOKEN}`, ts: '1.000001' },
        'Ev2',
      ),
      { secret: SECRET, contentType: 'application/json' },
    );
    // Web API failures whose answers echo the token, logged by the deferred-work error path.
    bot.deps.tasks.defer('log test: failing call', async () => {
      await bot?.app.client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' });
    });
    bot.deps.tasks.defer('log test: platform error', async () => {
      await bot?.app.client.conversations.info({ channel: 'C0GENERAL' });
    });
    await bot.deps.tasks.idle();
    expect(seen.length).toBeGreaterThan(0);

    const log = lines.join('\n');
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg).join('\n');
    // The test is only meaningful if the flows actually logged, including the failures.
    expect(lines.length).toBeGreaterThan(5);
    expect(messages).toMatch(/background work "log test: failing call" failed/);
    expect(messages).toMatch(/background work "log test: platform error" failed/);
    // LOG_LEVEL=debug reaches Bolt and the Web API client: their request logs are the risky ones.
    expect(messages).toMatch(/http request headers: .*Authorization/);
    for (const secret of [TOKEN, SECRET, TOKEN.slice(5, 30), SECRET.slice(0, 16)])
      expect(log).not.toContain(secret);
    expect(log).not.toMatch(/xox[abposr]-\d/);
  });
});
