import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach } from 'vitest';
import { followUps, timelineEvents, trackerOps } from '../../src/db/schema.js';
import { type Harness, startHarness } from './harness.js';

/** What the tracker integration tests read back: follow-ups, their ops, the timeline and DMs. */
export function followUp(h: Harness, id: number) {
  const f = h.db.select().from(followUps).where(eq(followUps.id, id)).get();
  if (!f) throw new Error(`no follow-up ${id}`);
  return f;
}

export const lastFollowUpId = (h: Harness): number =>
  Math.max(
    ...h.db
      .select({ id: followUps.id })
      .from(followUps)
      .all()
      .map((r) => r.id),
  );

export const opOf = (h: Harness, followUpId: number) =>
  h.db.select().from(trackerOps).where(eq(trackerOps.followUpId, followUpId)).all();

export const followUpTimeline = (h: Harness): string[] =>
  h.db
    .select()
    .from(timelineEvents)
    .where(eq(timelineEvents.kind, 'follow_up'))
    .all()
    .map((e) => e.text);

export const dmTexts = (h: Harness, user: string): string[] =>
  h.sim.dms(user).map((m) => h.sim.renderBlocks(m.blocks, m.text));

export const webhookUrl = (h: Harness, tracker: string): string =>
  h.botUrl.replace('/slack/events', `/trackers/${tracker}/webhook`);

/** The fake's times follow the bot's clock, and the harness's idle() waits for its deliveries. */
export function connectFake(h: Harness, fake: Pick<Fake, 'now' | 'webhooks'>): void {
  const clock = h.clock;
  fake.now = () => clock.now().getTime();
  h.track(fake.webhooks);
}

/** What the frame needs of a tracker fake (sim/trackers/base.ts). */
interface Fake {
  readonly url: string;
  close(): Promise<void>;
  /** The fake's clock, for the times it writes into tickets and deliveries. */
  now: () => number;
  /** The webhooks it sends by itself, for every change (the bot's own included). */
  readonly webhooks: { readonly inFlight: number; settled(): Promise<void> };
}

export interface TrackerFrame<F extends Fake> {
  /**
   * The bot against the tracker fake, with `extra` settings on top of the tracker's; the fake is
   * started by the first bot of a test and shared by the next (a restart).
   */
  start(extra?: Record<string, string>, now?: string): Promise<{ h: Harness; fake: F }>;
  /** The fake of the running test: one object for the whole file that forwards to it. */
  readonly fake: F;
  /** A database file that outlives one bot, for a restart; removed after the test. */
  databasePath(): string;
  /** Stops a bot before the test ends (a restart); the frame stops the others after each test. */
  stop(h: Harness): Promise<void>;
}

/**
 * The frame of a tracker's integration tests: one fake per test, the bots started against it with
 * the tracker's settings, the fake's webhooks pointed at the latest bot, and everything closed
 * after each test. Call it at the top of a test file (it registers an afterEach).
 */
export function trackerFrame<F extends Fake>(tracker: {
  startFake(): Promise<F>;
  /** TRACKER, TRACKER_URL, the token and the project, for this fake. */
  env(fake: F): Record<string, string>;
  /** Points the fake at a bot just started (its webhook URL and secret, its clock). */
  connect(fake: F, h: Harness): void;
}): TrackerFrame<F> {
  let fake: F | undefined;
  const bots: Harness[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const h of bots.splice(0)) await h.close();
    await fake?.close();
    fake = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const live = new Proxy({} as F, {
    get: (_t, k) => {
      if (!fake) throw new Error('no tracker fake started');
      const v = Reflect.get(fake, k);
      return typeof v === 'function' ? v.bind(fake) : v;
    },
  });
  return {
    async start(extra = {}, now = '2026-11-23T14:00:00Z') {
      fake ??= await tracker.startFake();
      // Archiving off: these tests move the clock by days, and an archived channel is not the point.
      const h = await startHarness({ now, env: { ...tracker.env(fake), ARCHIVE_POLICY: 'never', ...extra } });
      bots.push(h);
      tracker.connect(fake, h);
      connectFake(h, fake);
      return { h, fake };
    },
    fake: live,
    databasePath() {
      const dir = mkdtempSync(join(tmpdir(), 'firebreak-trackers-'));
      dirs.push(dir);
      return join(dir, 'bot.db');
    },
    async stop(h) {
      const i = bots.indexOf(h);
      if (i !== -1) bots.splice(i, 1);
      await h.close();
    },
  };
}
