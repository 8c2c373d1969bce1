import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimPerson } from '../../sim/person.js';
import { channelOfIncident } from '../helpers/db.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Issue 11: one slow or rate-limited method never stalls a person. @slack/web-api pauses a whole
 * client for a 429's Retry-After (SLACK.md); Firebreak waits per method (src/slack/rate-gate.ts) and
 * opens modals through a client of their own (src/slack/clients.ts).
 */

const { alice } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** Waits (bounded) until the simulator has logged a call matching `pred`. */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

describe('a rate-limited method holds back only itself', () => {
  it('a modal opens while the summary update waits out a 429 (Retry-After longer than a trigger_id lives)', async () => {
    await h.person(alice).command('declare Checkout returns 502');
    const ch = channelOfIncident(h.db, 1);
    const summary = h.sim.pins(ch)[0];
    if (!summary) throw new Error('no pinned summary');
    // The summary's chat.update gets a 429 asking for 5 s: longer than the 3 s a trigger_id lives.
    h.sim.fault('chat.update', { status: 429, retryAfter: 5 }, { when: (a) => a.channel === ch });
    const r = await h.send.command(alice, ch, 'severity 2');
    expect(r.status).toBe(200);
    await until(
      () => h.sim.calls('chat.update').some((c) => c.error === 'ratelimited'),
      'the summary update was rate-limited',
    );
    // Alice does not wait for the bot to settle: she clicks at once, as a person would.
    const impatient = new SimPerson(alice, h.sim, h.send);
    await impatient.click('Update status', { channel: ch, ts: summary.ts });
    await h.idle();
    const opened = h.sim.calls('views.open').at(-1);
    expect(opened?.ok, `views.open answered ${opened?.error}`).toBe(true);
    expect(h.sim.topView(alice)?.callback_id).toBe('status_update_modal');
    // And the rate-limited update was not dropped: it went out once Slack allowed it.
    expect(h.sim.renderBlocks(summary.blocks)).toContain('SEV2');
    expect(h.sim.calls('chat.update').filter((c) => c.ok && c.args.channel === ch).length).toBeGreaterThan(0);
  });
});

describe('resolution forms', () => {
  const followUps = () =>
    h.db.$client.prepare('select id, text, owner_id, due_date from follow_ups order by id').all() as {
      id: number;
      text: string;
      owner_id: string | null;
      due_date: string | null;
    }[];

  it('a form that waits on a slow Slack is acknowledged in time, and its change still lands', async () => {
    const a = h.person(alice);
    await a.command('declare Checkout returns 502');
    const ch = channelOfIncident(h.db, 1);
    await a.command('followup Add a canary stage due 2026-11-30', ch);
    await a.command('followups INC-1', ch);
    await a.click('Edit');
    a.fill({ 'Due date': '2026-12-02' });
    // A day later the person's time zone is read again (users.info), and Slack takes 3.5 s to answer:
    // longer than Slack waits for the submission's acknowledgement.
    h.clock.advance(25 * 60 * 60 * 1000);
    h.sim.fault('users.info', { delayMs: 3500 }, { times: 5 });
    const r = await a.submit(); // the sender throws if the bot answers after 3 s
    expect(r.status).toBe(200);
    expect(a.hasView()).toBe(false);
    await h.idle();
    expect(followUps()[0]?.due_date).toBe('2026-12-02');
  });

  it('submitting the follow-up form twice makes one follow-up', async () => {
    const a = h.person(alice);
    await a.command('declare Checkout returns 502');
    const ch = channelOfIncident(h.db, 1);
    await a.command('followup', ch);
    a.fill({ 'What needs doing?': 'Alert on pool exhaustion' });
    const form = a.view();
    // The first answer is lost on the way (Slack shows an error), so the person presses Submit again.
    await h.send.viewSubmission(alice, form);
    await h.send.viewSubmission(alice, form);
    await h.idle();
    expect(followUps().map((f) => f.text)).toEqual(['Alert on pool exhaustion']);
    const entries = h.db.$client
      .prepare("select count(*) as n from timeline_events where kind = 'follow_up'")
      .get() as { n: number };
    expect(entries.n).toBe(1);
  });
});

describe('no workspace-wide directory walk on a command’s path', () => {
  it('commands that name a person are answered without waiting for users.list or conversations.list', async () => {
    await h.person(alice).command('declare Checkout returns 502');
    const ch = channelOfIncident(h.db, 1);
    await h.sim.join(WS.users.bob, ch);
    await h.idle();
    // A day later any cached directory is stale, and Slack's lists answer slower than the 2 s the
    // command router waits before it acknowledges empty-handed (the answer then comes late).
    h.clock.advance(25 * 60 * 60 * 1000);
    h.sim.fault('users.list', { delayMs: 2500 }, { times: 100 });
    h.sim.fault('conversations.list', { delayMs: 2500 }, { times: 100 });
    for (const text of ['lead @bob', 'role comms @bob', 'followup Rotate the keys @bob', 'lead Bob Becker']) {
      const r = await h.send.command(alice, ch, text);
      expect(r.status, text).toBe(200);
      // Answered in the acknowledgement itself: nothing on its path waited for a directory walk.
      expect(r.reply?.source, `${text}: ${r.reply?.text}`).toBe('ack');
    }
    await h.idle();
  });
});
