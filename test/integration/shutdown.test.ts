import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { commandBody, postSigned } from '../../sim/signed.js';
import type { SimulatorImpl } from '../../sim/web-api.js';
import { startSimulator } from '../../sim/web-api.js';
import { createApp } from '../../src/app.js';
import { closeDb } from '../../src/db/client.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { createLogger } from '../../src/log.js';
import { CHILD_TEST_MS, type ChildBot, startChildBot } from '../helpers/child-bot.js';
import { startHarness, WS } from '../helpers/harness.js';

/**
 * Restarts with the real process: SIGTERM while a request and its follow-up work are in flight lets
 * both finish (the answer is sent, the channel, summary and announcement are all there) and exits 0;
 * a digest that fires every second posts once per week, also across a restart.
 */
const SECRET = 'shutdown-test-secret-0123456789';
let sim: SimulatorImpl | undefined;
let bot: ChildBot | undefined;
let dir = '';

afterEach(async () => {
  if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
  bot = undefined;
  await sim?.close();
  sim = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function setup(extra: Record<string, string> = {}) {
  sim = await startSimulator({});
  dir = mkdtempSync(join(tmpdir(), 'firebreak-shutdown-'));
  const dbPath = join(dir, 'bot.db');
  closeDb(openMigratedDb(dbPath));
  const env = {
    SLACK_BOT_TOKEN: sim.token,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: sim.apiUrl,
    DATABASE_PATH: dbPath,
    ANNOUNCE_CHANNEL: WS.channels.announce,
    ...extra,
  };
  return { dbPath, env };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('SIGTERM', () => {
  it(
    'finishes the Slack work of a request already answered, and a request still being answered, then exits 0',
    async () => {
      const { dbPath, env } = await setup();
      const s = sim as SimulatorImpl;
      // 1. The declaration is answered at once; its channel work is slow and still running at SIGTERM.
      bot = await startChildBot(env);
      s.fault('conversations.create', { delayMs: 1000 });
      const r1 = await postSigned(
        bot.url,
        commandBody('declare Checkout API returns 502', {
          user: WS.users.alice,
          channel: WS.channels.general,
        }),
        { secret: SECRET },
      );
      expect(r1.status).toBe(200);
      await until(() => s.inFlight > 0);
      bot.child.kill('SIGTERM');
      expect((await bot.exited).code).toBe(0);
      expect(bot.log()).toContain('SIGTERM received');
      const db = new Database(dbPath, { readonly: true });
      const incident = db
        .prepare('select channel_id, summary_ts, announcement_ts from incidents where number = 1')
        .get() as Record<string, string | null>;
      expect(incident.channel_id).toBeTruthy();
      expect(incident.summary_ts).toBeTruthy();
      expect(incident.announcement_ts).toBeTruthy();
      expect(s.pins(incident.channel_id ?? '')).toHaveLength(1);
      expect(s.messages(WS.channels.announce).filter((m) => m.user === WS.botUser)).toHaveLength(1);

      // 2. A note whose answer waits on a slow membership check when SIGTERM arrives: answered, stored.
      bot = await startChildBot(env);
      await new Promise((r) => setTimeout(r, 300)); // start-up sweeps done
      await until(() => s.inFlight === 0);
      s.fault('conversations.members', { delayMs: 1000 });
      const note = postSigned(
        bot.url,
        commandBody('note first responder paged', {
          user: WS.users.alice,
          channel: incident.channel_id ?? '',
        }),
        { secret: SECRET },
      );
      await until(() => s.inFlight > 0);
      bot.child.kill('SIGTERM');
      const answer = await note;
      expect((await bot.exited).code).toBe(0);
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('Note added');
      const notes = db.prepare("select count(*) as n from timeline_events where kind = 'note'").get() as {
        n: number;
      };
      db.close();
      expect(notes.n).toBe(1);
    },
    CHILD_TEST_MS,
  );

  it(
    'refuses nothing it already accepted: a request right after SIGTERM is either answered or never accepted',
    async () => {
      const { env } = await setup();
      bot = await startChildBot(env);
      bot.child.kill('SIGTERM');
      const r = await postSigned(
        bot.url,
        commandBody('help', { user: WS.users.alice, channel: WS.channels.general }),
        { secret: SECRET },
      ).catch((e: Error) => ({ status: -1, body: e.message, ms: 0 }));
      expect([200, -1]).toContain(r.status);
      expect((await bot.exited).code).toBe(0);
    },
    CHILD_TEST_MS,
  );
});

const METRICS_TOKEN = 'shutdown-test-metrics-token-0123';

/** How many runs of the digest job the child bot has finished (GET /metrics, counted after each run). */
async function digestRuns(child: ChildBot): Promise<number> {
  const res = await fetch(`${child.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await res.text();
  const m = /^firebreak_job_runs_total\{job="digest"\} (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Until the child has finished `n` digest runs: its cron runs in real time, so this waits for the runs
 * themselves, not for a time guessed long enough for them.
 */
async function untilRuns(child: ChildBot, n: number, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await digestRuns(child)) < n) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${n} digest runs`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scheduled jobs across restarts', () => {
  it(
    'a digest firing every second posts once for the week, before and after a restart',
    async () => {
      const { dbPath, env } = await setup({
        DIGEST_CHANNEL: WS.channels.digest,
        DIGEST_CRON: '* * * * * *',
        METRICS_TOKEN,
      });
      const digestPosts = () =>
        (sim as SimulatorImpl).messages(WS.channels.digest).filter((m) => m.user === WS.botUser);
      bot = await startChildBot(env);
      await until(() => digestPosts().length > 0, 15_000);
      // The cron keeps firing: at least two runs begun after the post (the posting run may not be
      // counted yet, hence 3) find the week posted and post nothing, however slow the machine.
      await untilRuns(bot, (await digestRuns(bot)) + 3);
      bot.child.kill('SIGTERM');
      expect((await bot.exited).code).toBe(0);
      expect(digestPosts()).toHaveLength(1);

      bot = await startChildBot(env); // catch-up on start-up must see the week is done
      // The start-up catch-up and two cron firings after it, all finished.
      await untilRuns(bot, 3);
      bot.child.kill('SIGTERM');
      expect((await bot.exited).code).toBe(0);
      expect(digestPosts()).toHaveLength(1);
      const db = new Database(dbPath, { readonly: true });
      const runs = db.prepare('select status from digest_runs').all() as { status: string }[];
      db.close();
      expect(runs.filter((r) => r.status === 'posted')).toHaveLength(1);
    },
    CHILD_TEST_MS,
  );
});

describe('reminders across restarts', () => {
  it(
    'a root-cause reminder due while the bot was down is sent once at start-up, and not again by the next start',
    async () => {
      // Monday 2026-11-23 14:00 UTC = 09:00 in New York (alice).
      const h = await startHarness({ now: '2026-11-23T14:00:00Z' });
      try {
        const r = await h
          .person(WS.users.alice)
          .command('declare Checkout API returns 502', WS.channels.general);
        await h.idle();
        const channelId = (
          h.db.$client.prepare('select channel_id as c from incidents where number = 1').get() as {
            c: string;
          }
        ).c;
        expect(r.status).toBe(200);
        await h.person(WS.users.alice).command('resolve', channelId);
        await h
          .person(WS.users.alice)
          .fillAndSubmit({ 'What fixed it?': 'Restarted', 'Root cause not known yet?': true });
        await h.idle();
        expect(h.sim.dms(WS.users.alice)).toHaveLength(0);
        // The bot is down over Tuesday 10:00 in New York; it comes back at 11:30 and catches up at start-up.
        await h.bot.stop();
        h.clock.set('2026-11-24T16:30:00Z');
        const restart = () => {
          const app = createApp({
            config: h.config,
            db: h.db,
            logger: createLogger('error'),
            clock: h.clock,
            retryConfig: { retries: 0 },
            // As in the harness: the alert cards' first flush after start-up otherwise sleeps 2 s.
            alertCoalesceMs: 20,
          });
          app.scheduler.start();
          return app;
        };
        const second = restart();
        await second.deps.tasks.idle();
        await h.idle();
        second.scheduler.stop();
        expect(h.sim.dms(WS.users.alice)).toHaveLength(1);
        const third = restart();
        await third.deps.tasks.idle();
        third.scheduler.stop();
        expect(h.sim.dms(WS.users.alice)).toHaveLength(1);
      } finally {
        await h.sim.close().catch(() => {});
        closeDb(h.db);
      }
    },
    CHILD_TEST_MS,
  );
});
