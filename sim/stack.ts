/**
 * The local Slack and the real bot, wired over real HTTP on loopback: used by the test harness
 * (test/helpers/harness.ts) and by `npm run demo`. Temp-file SQLite DB (migrated), FakeClock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type FirebreakApp } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import { closeDb, type Db, openDb } from '../src/db/client.js';
import { migrateDb } from '../src/db/migrate.js';
import { createLogger } from '../src/log.js';
import { FakeClock } from '../src/runtime/clock.js';
import type { Deps } from '../src/runtime/deps.js';
import type { Job } from '../src/runtime/schedule.js';
import type { Person, Sender, Simulator, SimulatorOptions, WorkspacePrefs } from './api.js';
import { WS } from './api.js';
import { SimPerson } from './person.js';
import { SlackSender } from './sender.js';
import { type SimulatorImpl, startSimulator } from './web-api.js';

export type { Person, Sender, Simulator };
export { WS };

export const SIGNING_SECRET = 'sim-signing-secret-0123456789abcdef';

export interface StackOptions {
  /** Start time of the FakeClock. Default 2026-11-23T09:00:00Z (a Monday). */
  now?: string | Date;
  /** Extra/overriding environment (CONTRACT variables), e.g. { ARCHIVE_POLICY: 'never' }. */
  env?: Record<string, string>;
  /** Replace the scheduled jobs. */
  jobs?: Job[];
  /** Start cron schedules. Default false (tests call `bot.scheduler.run(name)`). */
  schedules?: boolean;
  /** Granted scopes override (default: manifest.yml's bot scopes). */
  scopes?: string[];
  /** Workspace preferences, e.g. `{ restrictChannelCreation: true }` (restricted_action). */
  prefs?: Partial<WorkspacePrefs>;
  /** Prefix of the temp directory holding the database. */
  tmpPrefix?: string;
  /** Enforce Slack's rate tiers in the simulator (see SimulatorOptions.rateLimits). */
  rateLimits?: SimulatorOptions['rateLimits'];
  /**
   * Slack's Retry-After runs on the FakeClock instead of real time: the bot waits a 429 out on the
   * clock (AppOptions.slackWaits), so it costs no real second, and the simulator refuses the method
   * again until the Retry-After has passed on that clock (SimulatorOptions.retryAfterOnClock), so a
   * bot that did not wait is still caught.
   */
  slackWaitsOnClock?: boolean;
  /** Override slash commands' manifest `should_escape`, e.g. `[['/incident', false]]`. */
  commandEscape?: [string, boolean][];
  /** First wait before alert cards are rendered (AppOptions.alertCoalesceMs; default 20 ms here). */
  alertCoalesceMs?: number;
}

export interface Stack {
  /** The simulator (implements `Simulator` from sim/api.ts, plus lower-level helpers). */
  sim: SimulatorImpl;
  /** The bot (Bolt app, scheduler, deps). */
  bot: FirebreakApp;
  deps: Deps;
  config: Config;
  db: Db;
  clock: FakeClock;
  /** Signed-request sender (raw commands, events, shortcuts, forged requests). */
  send: SlackSender;
  /** `http://127.0.0.1:<port>/slack/events` */
  botUrl: string;
  /** A simulated person of the fixture (U0ALICE, U0BOB, U0CAROL, U0DAVE). */
  person(userId: string): SimPerson;
  /** Resolves when the bot has no deferred work AND the simulator has no request in flight. */
  idle(): Promise<void>;
  /**
   * idle() also waits for this outside sender of requests to the bot (a tracker fake's webhooks,
   * which follow the bot's own calls to it), so a test sees their effect before it looks.
   */
  track(source: { readonly inFlight: number; settled(): Promise<void> }): void;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const clock = new FakeClock(opts.now ?? '2026-11-23T09:00:00.000Z');
  const sim = await startSimulator({
    clock,
    ...(opts.scopes ? { scopes: opts.scopes } : {}),
    ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
    ...(opts.slackWaitsOnClock ? { retryAfterOnClock: true } : {}),
    ...(opts.commandEscape ? { commandEscape: opts.commandEscape } : {}),
    ...(opts.prefs ? { prefs: opts.prefs } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), opts.tmpPrefix ?? 'firebreak-test-'));
  const config = loadConfig({
    SLACK_BOT_TOKEN: sim.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: sim.apiUrl,
    DATABASE_PATH: join(dir, 'firebreak.db'),
    ANNOUNCE_CHANNEL: WS.channels.announce,
    DIGEST_CHANNEL: WS.channels.digest,
    LOG_LEVEL: 'error',
    PORT: '0',
    ...opts.env,
  });
  const db = openDb(config.DATABASE_PATH);
  migrateDb(db);
  const logger = createLogger(config.LOG_LEVEL);
  const bot = createApp({
    config,
    db,
    logger,
    clock,
    retryConfig: { retries: 2, minTimeout: 5, maxTimeout: 20 },
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    schedules: opts.schedules ?? false,
    alertCoalesceMs: opts.alertCoalesceMs ?? 20,
    ...(opts.slackWaitsOnClock ? { slackWaits: clock } : {}),
  });
  let port: number;
  try {
    port = await bot.start(0);
  } catch (e) {
    await sim.close();
    closeDb(db);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const botUrl = `http://127.0.0.1:${port}/slack/events`;
  const send = new SlackSender({ botUrl, signingSecret: SIGNING_SECRET, sim });
  sim.connect((event) => send.event(event));
  const people = new Map<string, SimPerson>();
  // Bolt answers events (and most interactions) before the listener finishes; track those runs so
  // idle() also waits for listeners, not only for deferred tasks.
  const processing = new Set<Promise<unknown>>();
  const original = bot.app.processEvent.bind(bot.app);
  bot.app.processEvent = (event) => {
    const p = original(event);
    processing.add(p);
    void p.catch(() => {}).finally(() => processing.delete(p));
    return p;
  };

  const tracked: { readonly inFlight: number; settled(): Promise<void> }[] = [];
  const outsideBusy = () => tracked.some((t) => t.inFlight > 0);
  const idle = async () => {
    // Bot work triggers Web API calls, whose answers may defer more work: loop until both are quiet.
    for (let quietRounds = 0; quietRounds < 2; ) {
      await bot.deps.tasks.idle();
      if (processing.size > 0) await Promise.allSettled([...processing]);
      if (outsideBusy()) await Promise.all(tracked.map((t) => t.settled()));
      if (sim.inFlight > 0 || bot.deps.tasks.inFlight > 0 || processing.size > 0 || outsideBusy()) {
        quietRounds = 0;
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      // A macrotask turn lets a just-answered request's continuation defer its follow-up.
      await new Promise((r) => setImmediate(r));
      quietRounds++;
    }
  };

  // Start-up work (replaying the inbox, reading the member list) is done before a test begins, so
  // the call log and the database start from a settled bot.
  await idle();
  return {
    sim,
    bot,
    deps: bot.deps,
    config,
    db,
    clock,
    send,
    botUrl,
    person(userId) {
      let p = people.get(userId);
      if (!p) {
        p = new SimPerson(userId, sim, send, idle);
        people.set(userId, p);
      }
      return p;
    },
    idle,
    track(source) {
      tracked.push(source);
    },
    async close() {
      await idle();
      await bot.stop();
      await sim.close();
      closeDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
