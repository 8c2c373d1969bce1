import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxCounts, pendingEvents, pruneEvents } from '../../src/slack/inbox.js';
import { fullTimeline } from '../../src/timeline/page.js';
import { declareAndJoin, type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Slack sends the bot its own messages, reactions, pins, topic changes and joins (the simulator
 * does too). The bot stores them like every event, finishes them at once and never acts on them.
 */
const { alice, bob } = WS.users;
let h: Harness;
const declare = (title: string) => declareAndJoin(h, title);

const ownEvents = () =>
  h.send.sent
    .map((s) => s.payload.event as Record<string, unknown> | undefined)
    .filter((e) => e?.user === WS.botUser);

beforeAll(async () => {
  // ✅ also captures here: the bot's own ✅ (its confirmation) must not count as someone's capture.
  h = await startHarness({ env: { CAPTURE_EMOJI: 'pushpin,white_check_mark' } });
});
afterAll(async () => {
  await h?.close();
});

describe('the bot’s own events', () => {
  it('are finished at once: nothing it ignored stays pending to be replayed at the next start', async () => {
    const inc = await declare('Checkout 502s');
    await h.person(alice).command('severity 1', inc.channelId);
    await h.idle();
    const own = ownEvents().map((e) => String(e?.subtype ?? e?.type));
    // The declaration alone makes the bot post, pin, set the topic and join: all come back.
    expect(own).toEqual(
      expect.arrayContaining(['message', 'pin_added', 'channel_topic', 'member_joined_channel']),
    );
    expect(inboxCounts(h.db)).toEqual({ unfinished: 0, failed: 0 });
    expect(pendingEvents(h.db)).toEqual([]);
  });

  it('its joins, pins and topic changes put nothing on the timeline', async () => {
    const inc = await declare('Search slow');
    const kinds = fullTimeline(h.db, inc.id).map((e) => [e.kind, e.authorId]);
    expect(kinds).not.toContainEqual(['joined', WS.botUser]);
    expect(fullTimeline(h.db, inc.id).filter((e) => e.kind === 'message')).toEqual([]);
  });

  it('its confirming ✅ is not a capture: the entry goes when the person takes theirs back', async () => {
    const inc = await declare('Queue backlog');
    const m = await h.person(bob).say(inc.channelId, 'consumer lag 40k');
    await h.person(bob).react(inc.channelId, m.ts, 'white_check_mark');
    await h.idle();
    const captured = () => fullTimeline(h.db, inc.id).filter((e) => e.kind === 'message');
    expect(captured().map((e) => [e.text, e.removedAt])).toEqual([['consumer lag 40k', null]]);
    // The bot confirmed with its own ✅ (already there from bob: no second one), and heard nothing of it.
    await h.person(bob).unreact(inc.channelId, m.ts, 'white_check_mark');
    await h.idle();
    expect(captured()[0]?.removedAt).not.toBeNull();
  });

  it('its ✅ on a pinned message is no second capture: unpinning takes the entry off', async () => {
    const inc = await declare('DNS flaps');
    const m = await h.person(bob).say(inc.channelId, 'resolver timeouts in eu-west');
    await h.person(bob).pin(inc.channelId, m.ts);
    await h.idle();
    const [entry] = fullTimeline(h.db, inc.id).filter((e) => e.kind === 'message');
    expect(entry?.data?.holds).toEqual(['pin']);
    // Its ✅ went on the message, and the echo of that reaction added no hold of the bot's.
    expect(h.sim.message(inc.channelId, m.ts)?.reactions).toEqual([
      { name: 'white_check_mark', users: [WS.botUser] },
    ]);
    await h.person(bob).unpin(inc.channelId, m.ts);
    await h.idle();
    const [after] = fullTimeline(h.db, inc.id).filter((e) => e.kind === 'message');
    expect(after?.removedAt).not.toBeNull();
  });
});

describe('the inbox', () => {
  it('drops finished events after a week, keeps failed and recent ones', async () => {
    const before = h.db.$client.prepare(`select count(*) as n from slack_events`).get() as { n: number };
    expect(before.n).toBeGreaterThan(0);
    h.db.$client
      .prepare(
        `insert into slack_events (event_id, type, payload, status, attempts, received_at, last_error)
         values ('EvFAILED', 'pin_added', '{}', 'failed', 3, 0, 'boom')`,
      )
      .run();
    expect(pruneEvents(h.db, h.clock.now())).toBe(0);
    const later = new Date(h.clock.now().getTime() + 8 * 24 * 60 * 60 * 1000);
    expect(pruneEvents(h.db, later)).toBe(before.n);
    expect(h.db.$client.prepare(`select event_id from slack_events`).all()).toEqual([
      { event_id: 'EvFAILED' },
    ]);
    expect(inboxCounts(h.db)).toEqual({ unfinished: 0, failed: 1 });
  });

  it('prunes once at start-up and daily (a scheduled job)', () => {
    const job = h.bot.scheduler.jobs.find((j) => j.name === 'prune-inbox');
    expect(job).toMatchObject({ runOnStart: true });
  });
});
