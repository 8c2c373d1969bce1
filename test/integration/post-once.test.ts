import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../sim/types.js';
import { incidents } from '../../src/db/schema.js';
import { DIGEST_JOB, DIGEST_RETRY_JOB } from '../../src/digest/slack/jobs.js';
import { POST_EVENT_TYPE } from '../../src/slack/post-once.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Slack performs a chat.postMessage but the bot never hears the answer (a 500 after the work, a
 * dropped connection). The retry must find the message it already posted, by its metadata key,
 * and never post a second digest, announcement or pinned summary.
 */

const DIGEST = WS.channels.digest;
const ANNOUNCE = WS.channels.announce;
const FIXTURE_CHANNELS: unknown[] = Object.values(WS.channels);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const byBot = (channel: string): SimMessage[] =>
  (h?.sim.messages(channel) ?? []).filter((m) => m.user === WS.botUser);
const keyOf = (m: SimMessage | undefined) =>
  (m?.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
/** The bot's post in an incident channel (not the fixture channels, not a DM). */
const inIncidentChannel = (a: Record<string, unknown>) =>
  !FIXTURE_CHANNELS.includes(a.channel) && /^[CG]/.test(String(a.channel));
const toAnnounce = (a: Record<string, unknown>) => a.channel === ANNOUNCE;
const metadataLookups = () =>
  [...(h?.sim.calls('conversations.history') ?? []), ...(h?.sim.calls('conversations.replies') ?? [])].filter(
    (c) => c.args.include_all_metadata !== undefined,
  );

async function digestHarness() {
  h = await startHarness({ now: '2026-11-23T09:00:00Z' });
  const at = new Date('2026-11-17T10:00:00Z');
  h.db
    .insert(incidents)
    .values({
      number: 1,
      title: 'Checkout errors',
      severity: 2,
      declaredBy: WS.users.alice,
      leadId: WS.users.alice,
      startedAt: at,
      declaredAt: at,
    })
    .run();
  return h;
}

async function declare(harness: Harness) {
  const r = await harness
    .person(WS.users.alice)
    .command('declare Checkout API returns 502', WS.channels.general);
  expect(r.status).toBe(200);
  await harness.idle();
  const latest = harness.db.query.incidents.findFirst({ orderBy: (i, { desc }) => desc(i.id) }).sync();
  if (!latest?.channelId) throw new Error('no incident channel');
  return latest.channelId;
}

describe('a post whose answer is lost is not posted twice', () => {
  it('digest: a 500 after Slack posted gives one digest (the client retry finds it)', async () => {
    const harness = await digestHarness();
    harness.sim.fault('chat.postMessage', { status: 500, afterEffect: true }, { when: (a) => !a.thread_ts });
    await harness.bot.scheduler.run(DIGEST_JOB);
    await harness.idle();
    const posts = byBot(DIGEST);
    expect(posts).toHaveLength(1);
    expect(harness.sim.calls('chat.postMessage').filter((c) => !c.args.thread_ts)[0]?.status).toBe(500);
    expect(
      harness.sim.replies(DIGEST, posts[0]?.ts ?? '').filter((r) => r.text.startsWith('Digest details')),
    ).toHaveLength(1);
    expect(harness.db.query.digestRuns.findFirst().sync()).toMatchObject({
      status: 'posted',
      ts: posts[0]?.ts,
    });
  });

  it('digest: a lost answer and a failed attempt; the later retry adopts the posted digest', async () => {
    const harness = await digestHarness();
    harness.sim.fault('chat.postMessage', { dropAfterEffect: true }, { when: (a) => !a.thread_ts });
    // The in-attempt lookup fails too, so this attempt gives up with the digest already in Slack.
    harness.sim.fault('conversations.history', { error: 'internal_error' });
    await harness.bot.scheduler.run(DIGEST_JOB);
    await harness.idle();
    expect(byBot(DIGEST)).toHaveLength(1);
    expect(harness.db.query.digestRuns.findFirst().sync()).toMatchObject({ status: 'failed', ts: null });

    harness.clock.advance(10 * 60_000);
    await harness.bot.scheduler.run(DIGEST_RETRY_JOB);
    await harness.bot.scheduler.run(DIGEST_JOB);
    await harness.idle();
    const posts = byBot(DIGEST);
    expect(posts).toHaveLength(1);
    expect(keyOf(posts[0])).toBe('digest:2026-11-16:summary');
    expect(harness.db.query.digestRuns.findFirst().sync()).toMatchObject({
      status: 'posted',
      attempts: 2,
      ts: posts[0]?.ts,
    });
    expect(
      harness.sim.replies(DIGEST, posts[0]?.ts ?? '').filter((r) => r.text.startsWith('Digest details')),
    ).toHaveLength(1);
  });

  it('declare: the announcement’s answer lost gives one announcement', async () => {
    h = await startHarness();
    h.sim.fault('chat.postMessage', { status: 500, afterEffect: true }, { when: toAnnounce });
    await declare(h);
    const announcements = byBot(ANNOUNCE);
    expect(announcements).toHaveLength(1);
    expect(announcements[0]?.text).toContain('INC-1');
    const row = h.db.query.incidents.findFirst().sync();
    expect(row).toMatchObject({ announcementTs: announcements[0]?.ts, setupError: null });
  });

  it('declare: the announcement’s answer lost and setup failed; Retry adopts it', async () => {
    h = await startHarness();
    h.sim.fault('chat.postMessage', { dropAfterEffect: true }, { when: toAnnounce });
    h.sim.fault('conversations.history', { error: 'internal_error' }, { when: toAnnounce });
    await declare(h);
    expect(byBot(ANNOUNCE)).toHaveLength(1);
    expect(h.db.query.incidents.findFirst().sync()?.setupError).toBeTruthy();

    await h.person(WS.users.alice).click('Retry setup');
    await h.idle();
    const announcements = byBot(ANNOUNCE);
    expect(announcements).toHaveLength(1);
    expect(h.db.query.incidents.findFirst().sync()).toMatchObject({
      announcementTs: announcements[0]?.ts,
      setupError: null,
    });
  });

  it('declare: the summary’s answer lost gives one summary, pinned once', async () => {
    h = await startHarness();
    h.sim.fault('chat.postMessage', { status: 502, afterEffect: true }, { when: inIncidentChannel });
    const ch = await declare(h);
    const summaries = byBot(ch).filter((m) => keyOf(m)?.endsWith(':summary'));
    expect(summaries).toHaveLength(1);
    expect(h.sim.pins(ch)).toHaveLength(1);
    expect(h.sim.pins(ch)[0]?.ts).toBe(summaries[0]?.ts);
    expect(h.db.query.incidents.findFirst().sync()?.summaryTs).toBe(summaries[0]?.ts);
  });

  it('declare: the summary’s answer lost and setup failed; Retry pins the one summary', async () => {
    h = await startHarness();
    h.sim.fault('chat.postMessage', { dropAfterEffect: true }, { when: inIncidentChannel });
    h.sim.fault('conversations.history', { error: 'internal_error' }, { when: inIncidentChannel });
    const ch = await declare(h);
    expect(h.sim.pins(ch)).toHaveLength(0);
    await h.person(WS.users.alice).click('Retry setup');
    await h.idle();
    const summaries = byBot(ch).filter((m) => keyOf(m)?.endsWith(':summary'));
    expect(summaries).toHaveLength(1);
    expect(h.sim.pins(ch).map((p) => p.ts)).toEqual([summaries[0]?.ts]);
    expect(byBot(ANNOUNCE)).toHaveLength(1);
  });

  it('declare: the channel’s answer lost gives one channel (adopted, not a -2)', async () => {
    h = await startHarness();
    h.sim.fault('conversations.create', { status: 500, afterEffect: true });
    const ch = await declare(h);
    const made = h.sim.channels().filter((c) => c.name.startsWith('inc-'));
    expect(made.map((c) => c.id)).toEqual([ch]);
    expect(made[0]?.name).not.toMatch(/-2$/);
    // Not created again: the lookup found it first.
    expect(h.sim.calls('conversations.create').map((c) => c.error ?? 'ok')).toEqual(['http_500']);
    expect(h.sim.calls('conversations.list')).toHaveLength(1);
    expect(h.db.query.incidents.findFirst().sync()).toMatchObject({ channelId: ch, setupError: null });
    expect(h.sim.pins(ch)).toHaveLength(1);
    expect([...(h.sim.channel(ch)?.members ?? [])].sort()).toEqual([WS.users.alice, WS.botUser].sort());
  });

  it('declare: the channel’s answer lost and setup failed; Retry adopts the channel', async () => {
    h = await startHarness();
    h.sim.fault('conversations.create', { dropAfterEffect: true });
    h.sim.fault('conversations.list', { error: 'internal_error' });
    await h.person(WS.users.alice).command('declare Checkout API returns 502', WS.channels.general);
    await h.idle();
    expect(h.db.query.incidents.findFirst().sync()?.setupError).toBeTruthy();
    await h.person(WS.users.alice).click('Retry setup');
    await h.idle();
    const made = h.sim.channels().filter((c) => c.name.startsWith('inc-'));
    expect(made).toHaveLength(1);
    expect(h.db.query.incidents.findFirst().sync()).toMatchObject({
      channelId: made[0]?.id,
      setupError: null,
    });
    expect(byBot(ANNOUNCE)).toHaveLength(1);
  });

  it('a lost answer on a name someone else holds: not adopted, the next suffix', async () => {
    h = await startHarness();
    // Slack answered name_taken, but the bot only saw a 500: the lookup finds bob's channel.
    h.sim.fault('conversations.create', { status: 500, afterEffect: true });
    h.sim.ws.addChannel('C0TAKEN01', 'inc-1-checkout-api-returns-502', [WS.users.bob], {
      is_private: false,
      creator: WS.users.bob,
    });
    const ch = await declare(h);
    expect(h.sim.channel(ch)?.name).toBe('inc-1-checkout-api-returns-502-2');
    expect(h.sim.calls('conversations.list')).toHaveLength(1);
  });

  it('the normal path posts with the key and makes no lookup', async () => {
    const harness = await digestHarness();
    await harness.bot.scheduler.run(DIGEST_JOB);
    const ch = await declare(harness);
    expect(byBot(DIGEST)).toHaveLength(1);
    expect(byBot(ANNOUNCE)).toHaveLength(1);
    expect(metadataLookups()).toEqual([]);
    expect(harness.sim.calls('auth.test').length).toBeLessThanOrEqual(1); // start-up only
    const id = harness.db.query.incidents.findFirst({ where: (i, { eq }) => eq(i.channelId, ch) }).sync()?.id;
    expect(byBot(ANNOUNCE)[0]?.metadata).toEqual({
      event_type: POST_EVENT_TYPE,
      event_payload: { key: `inc:${id}:announce` },
    });
    expect(keyOf(byBot(ch)[0])).toBe(`inc:${id}:summary`);
    expect(keyOf(byBot(DIGEST)[0])).toBe('digest:2026-11-16:summary');
  });
});

describe('a chart whose upload answer is lost is not uploaded twice', () => {
  const CHART = 'incidents-2026-11-16.png';
  /** The digest's thread replies that carry the week's chart. */
  const charts = (harness: Harness) => {
    const digest = byBot(DIGEST)[0];
    return harness.sim
      .replies(DIGEST, digest?.ts ?? '')
      .filter((r) => r.ts !== digest?.ts && (r.files ?? []).some((f) => f.name === CHART));
  };

  it('a 500 after Slack shared the chart gives one chart (the retry finds it)', async () => {
    const harness = await digestHarness();
    harness.sim.fault('files.completeUploadExternal', { status: 500, afterEffect: true });
    await harness.bot.scheduler.run(DIGEST_JOB);
    await harness.idle();
    expect(charts(harness)).toHaveLength(1);
    expect(harness.sim.files(DIGEST)).toHaveLength(1);
    // Found by the lookup, not completed again.
    expect(harness.sim.calls('files.completeUploadExternal').map((c) => c.error ?? 'ok')).toEqual([
      'http_500',
    ]);
    expect(harness.sim.calls('conversations.replies')).toHaveLength(1);
    expect(harness.db.query.digestRuns.findFirst().sync()).toMatchObject({ status: 'posted', attempts: 1 });
    expect(
      harness.db.query.effects
        .findFirst({ where: (e, { eq }) => eq(e.key, 'digest:2026-11-16:chart') })
        .sync(),
    ).toMatchObject({ status: 'done', result: { fileId: harness.sim.files(DIGEST)[0]?.id, adopted: true } });
  });

  it('a lost answer and a failed attempt; the later retry adopts the chart', async () => {
    const harness = await digestHarness();
    harness.sim.fault('files.completeUploadExternal', { dropAfterEffect: true });
    // The in-attempt lookup fails too, so this attempt gives up with the chart already in the thread.
    harness.sim.fault('conversations.replies', { error: 'internal_error' });
    await harness.bot.scheduler.run(DIGEST_JOB);
    await harness.idle();
    expect(charts(harness)).toHaveLength(1);
    expect(harness.db.query.digestRuns.findFirst().sync()).toMatchObject({ status: 'failed' });

    harness.clock.advance(10 * 60_000);
    await harness.bot.scheduler.run(DIGEST_RETRY_JOB);
    await harness.bot.scheduler.run(DIGEST_JOB);
    await harness.idle();
    expect(byBot(DIGEST)).toHaveLength(1);
    expect(charts(harness)).toHaveLength(1);
    expect(harness.sim.files(DIGEST)).toHaveLength(1);
    expect(harness.db.query.digestRuns.findFirst().sync()).toMatchObject({ status: 'posted', attempts: 2 });
    expect(
      harness.sim
        .replies(DIGEST, byBot(DIGEST)[0]?.ts ?? '')
        .filter((r) => r.text.startsWith('Digest details')),
    ).toHaveLength(1);
  });

  it('the normal path uploads one chart and reads no thread', async () => {
    const harness = await digestHarness();
    await harness.bot.scheduler.run(DIGEST_JOB);
    await harness.idle();
    expect(charts(harness)).toHaveLength(1);
    expect(harness.sim.calls('files.completeUploadExternal').map((c) => c.error ?? 'ok')).toEqual(['ok']);
    expect(harness.sim.calls('conversations.replies')).toEqual([]);
  });
});
