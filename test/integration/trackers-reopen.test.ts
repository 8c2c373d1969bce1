import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, Webhooks } from '../../sim/trackers/base.js';
import { FakeGitHub } from '../../sim/trackers/github.js';
import { FakeJira } from '../../sim/trackers/jira.js';
import { FakeLinear } from '../../sim/trackers/linear.js';
import { REMINDER_JOB } from '../../src/resolution/slack/reminder-jobs.js';
import { TRACKER_POLL_JOB, TRACKER_SYNC_JOB } from '../../src/trackers/slack/jobs.js';
import { declareAndJoin, type Harness, startHarness, WS } from '../helpers/harness.js';
import {
  connectFake,
  dmTexts,
  followUp,
  followUpTimeline,
  lastFollowUpId,
  webhookUrl,
} from '../helpers/trackers.js';

/**
 * A ticket reopened in the tracker reopens its follow-up, for each tracker against its fake
 * (sim/trackers/*, written from each API's docs): by webhook and by poll, with the timeline entry,
 * the owner's DM and a reminder on the next working day; and no loop with Slack's own Done.
 *
 * Bob (Europe/Berlin, REMINDER_HOUR 10) owns a follow-up due Tuesday 2026-11-24. Monday 23rd it is
 * closed; Thursday 26th at 15:00 Berlin the ticket is reopened: overdue, so he gets the reopen DM
 * now and the next reminder on Friday 27th at 10:00, not a second DM on Thursday.
 */
const { alice, bob } = WS.users;
const SECRET = 'reopen-webhook-secret-0123456789';
const MONDAY = '2026-11-23T14:00:00Z';
const THURSDAY_AFTERNOON = new Date('2026-11-26T14:00:00Z');
const FRIDAY_0905_UTC = new Date('2026-11-27T09:05:00Z');

/** What a test does in the tracker, the same way for all three. */
interface Tracker {
  label: string;
  env(): Record<string, string>;
  /** Points the fake's webhook at the bot (undefined = no webhook: only the poll sees changes). */
  hook(h: Harness | undefined): void;
  closeThere(): Promise<number>;
  reopenThere(): Promise<number>;
  /** What the fake sends on its own, for every change (the bot's own included, as the real ones do). */
  webhooks: Webhooks;
  /** A delivery that tells the ticket was closed (the echo of Firebreak's own close among them). */
  isClose(d: Delivery): boolean;
  isReopen(d: Delivery): boolean;
  /** A person changes another field in the tracker (assignee or due date). */
  editThere(): Promise<number>;
  /** The next `n` requests to the tracker get a 503. */
  failNext(n: number): void;
  /** Jira, Linear: a move between two open states (To Do → In Progress); GitHub has none. */
  startThere?(): Promise<number>;
  isClosed(): boolean;
  /** Calls that change the ticket (close, transition, update), as the fake saw them. */
  writes(): number;
  close(): Promise<void>;
}

/** The status a Jira delivery's changelog moved the issue to. */
const jiraStatusTo = (d: Delivery): string | undefined =>
  (d.body as { changelog?: { items?: { field?: string; toString?: string }[] } }).changelog?.items?.find(
    (i) => i.field === 'status',
  )?.toString;

/** The state type a Linear delivery moved the issue to (only when its state changed). */
const linearStateMove = (d: Delivery): string | undefined => {
  const b = d.body as { updatedFrom?: Record<string, unknown>; data?: { state?: { type?: string } } };
  return b.updatedFrom && 'stateId' in b.updatedFrom ? b.data?.state?.type : undefined;
};

async function github(): Promise<Tracker> {
  const gh = await FakeGitHub.start({ token: 'ghp_fake_0123456789', repo: 'acme/ops', users: ['bob-gh'] });
  const issue = () => gh.issues.get(1) ?? (undefined as never);
  return {
    label: 'GitHub #1',
    env: () => ({
      TRACKER: 'github',
      TRACKER_URL: gh.url,
      TRACKER_TOKEN: 'ghp_fake_0123456789',
      TRACKER_PROJECT: 'acme/ops',
      TRACKER_USERS: 'U0BOB=bob-gh',
    }),
    hook: (h) => {
      gh.opts.webhook = h ? { url: webhookUrl(h, 'github'), secret: SECRET } : undefined;
      if (h) connectFake(h, gh);
    },
    closeThere: () => gh.closeOnGitHub(1),
    reopenThere: () => gh.reopenOnGitHub(1),
    webhooks: gh.webhooks,
    failNext: (n) => gh.server.fail({ status: 503, body: { message: 'Service Unavailable' } }, n),
    isClose: (d) => d.event === 'issues.closed',
    isReopen: (d) => d.event === 'issues.reopened',
    editThere: () => gh.assignOnGitHub(1, 'bob-gh'),
    isClosed: () => issue().state === 'closed',
    writes: () => gh.server.calls.filter((c) => c.method === 'PATCH').length,
    close: () => gh.close(),
  };
}

async function jira(): Promise<Tracker> {
  const ACCOUNT = '5b10ac8d82e05b22cc7d4ef5';
  const j = await FakeJira.start({
    email: 'firebreak@example.com',
    token: 'ATATT3x-fake',
    project: 'OPS',
    accounts: [ACCOUNT],
  });
  const issue = () => j.byKey('OPS-1') ?? (undefined as never);
  return {
    label: 'Jira OPS-1',
    env: () => ({
      TRACKER: 'jira',
      TRACKER_URL: j.url,
      TRACKER_EMAIL: 'firebreak@example.com',
      TRACKER_TOKEN: 'ATATT3x-fake',
      TRACKER_PROJECT: 'OPS',
      TRACKER_USERS: `U0BOB=${ACCOUNT}`,
    }),
    hook: (h) => {
      j.opts.webhook = h ? { url: webhookUrl(h, 'jira'), secret: SECRET } : undefined;
      if (h) connectFake(h, j);
    },
    closeThere: () => j.transitionInJira('OPS-1', 'done'),
    reopenThere: () => j.transitionInJira('OPS-1', 'doing'),
    webhooks: j.webhooks,
    failNext: (n) => j.server.fail({ status: 503, body: { message: 'Service Unavailable' } }, n),
    isClose: (d) => jiraStatusTo(d) === 'Done',
    isReopen: (d) => jiraStatusTo(d) === 'In Progress',
    editThere: () => j.editInJira('OPS-1', { duedate: '2026-11-30' }),
    startThere: () => j.transitionInJira('OPS-1', 'doing'),
    isClosed: () => issue().status.category === 'done',
    writes: () =>
      j.server.calls.filter(
        (c) => c.method === 'PUT' || (c.method === 'POST' && c.path.endsWith('/transitions')),
      ).length,
    close: () => j.close(),
  };
}

async function linear(): Promise<Tracker> {
  const TEAM = '72b2a2dc-6f4f-4423-9d34-24b5bd10634a';
  const BOB = 'a0f1e6b2-bob0-4000-8000-000000000001';
  const l = await FakeLinear.start({ apiKey: 'lin_api_fake', teamId: TEAM, teamKey: 'ENG', users: [BOB] });
  const issue = () => l.byIdentifier('ENG-1') ?? (undefined as never);
  return {
    label: 'Linear ENG-1',
    env: () => ({
      TRACKER: 'linear',
      TRACKER_URL: l.url,
      TRACKER_TOKEN: 'lin_api_fake',
      TRACKER_PROJECT: TEAM,
      TRACKER_USERS: `U0BOB=${BOB}`,
    }),
    hook: (h) => {
      l.opts.webhook = h ? { url: webhookUrl(h, 'linear'), secret: SECRET } : undefined;
      if (h) connectFake(h, l);
    },
    closeThere: () => l.moveInLinear('ENG-1', 'completed'),
    reopenThere: () => l.moveInLinear('ENG-1', 'started'),
    webhooks: l.webhooks,
    failNext: (n) => l.server.fail({ status: 503, body: { message: 'Service Unavailable' } }, n),
    isClose: (d) => linearStateMove(d) === 'completed',
    isReopen: (d) => linearStateMove(d) === 'started',
    editThere: () => l.editInLinear('ENG-1', { dueDate: '2026-11-30' }),
    startThere: () => l.moveInLinear('ENG-1', 'started'),
    isClosed: () => l.stateOf(issue()).type === 'completed',
    writes: () => l.server.calls.filter((c) => JSON.stringify(c.body ?? '').includes('issueUpdate')).length,
    close: () => l.close(),
  };
}

let h: Harness | undefined;
let t: Tracker | undefined;
afterEach(async () => {
  await h?.close();
  await t?.close();
  h = t = undefined;
});

async function start(make: () => Promise<Tracker>): Promise<{ h: Harness; t: Tracker; id: number }> {
  t = await make();
  h = await startHarness({
    now: MONDAY,
    env: { ...t.env(), TRACKER_WEBHOOK_SECRET: SECRET, ARCHIVE_POLICY: 'never' },
  });
  t.hook(h);
  const inc = await declareAndJoin(h, 'Checkout returns 502');
  await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-11-24', inc.channelId);
  await h.idle();
  const id = lastFollowUpId(h);
  expect(followUp(h, id).ticketState).toBe('open');
  return { h, t, id };
}

const reopenDms = (hh: Harness) => dmTexts(hh, bob).filter((d) => d.includes('is open again'));
const reminderDms = (hh: Harness) => dmTexts(hh, bob).filter((d) => d.includes('overdue* (due 2026-11-24)'));

describe.each([
  ['GitHub', github],
  ['Jira', jira],
  ['Linear', linear],
])('%s: a reopened ticket reopens its follow-up', (_name, make) => {
  it('by webhook: open again, on the timeline, the owner told with the buttons, reminded next working day', async () => {
    const { h, t, id } = await start(make);
    await t.closeThere();
    expect(followUp(h, id).status).toBe('done');

    h.clock.set(THURSDAY_AFTERNOON);
    await t.reopenThere();
    const f = followUp(h, id);
    expect(f).toMatchObject({ status: 'open', ticketState: 'open', doneAt: null });
    expect(followUpTimeline(h)).toContain(`Follow-up #${id} reopened: ${t.label} was reopened`);

    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    const dm = reopenDms(h);
    expect(dm).toHaveLength(1);
    expect(dm[0]).toContain(`${t.label} was reopened`);
    const last = h.sim.dms(bob).at(-1);
    const buttons = JSON.stringify(last?.blocks ?? []);
    for (const b of ['Done', 'Snooze', 'Edit']) expect(buttons).toContain(`"${b}"`);

    // Listed as open again.
    const list = await h.person(bob).command('followups', WS.channels.general);
    expect(h.sim.renderBlocks(list.reply?.blocks as never)).toContain('Add a canary stage');

    // The reopen DM stood in for Thursday's reminder: none more today, nothing re-sent to the tracker.
    const writes = t.writes();
    await h.bot.scheduler.run(REMINDER_JOB);
    await h.idle();
    expect(reminderDms(h)).toHaveLength(0);
    expect(t.isClosed()).toBe(false);
    expect(t.writes()).toBe(writes);

    // Friday 10:05 Berlin: one reminder, not one per missed day.
    h.clock.set(FRIDAY_0905_UTC);
    await h.bot.scheduler.run(REMINDER_JOB);
    await h.idle();
    expect(reminderDms(h)).toHaveLength(1);
    expect(reminderDms(h)[0]).toContain('3 days overdue');
  });

  it('a late delivery about another field, showing the ticket still open, does not reopen', async () => {
    const { h, t, id } = await start(make);
    // Edited while open, closed ten seconds later: the edit's delivery arrives after the close's.
    t.webhooks.hold();
    const sent = [t.editThere()];
    h.clock.advance(10_000);
    sent.push(t.closeThere());
    await t.webhooks.release(([edit, close]) => [close, edit] as Delivery[]);
    expect(await Promise.all(sent)).toEqual([200, 200]);
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'closed' });
    expect(followUpTimeline(h).some((e) => e.includes('reopened'))).toBe(false);
    // The poll reads the ticket as it is now: still closed.
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('done');
  });

  it('by poll, without a webhook', async () => {
    const { h, t, id } = await start(make);
    t.hook(undefined);
    await t.closeThere();
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('done');

    h.clock.set(THURSDAY_AFTERNOON);
    await t.reopenThere();
    expect(followUp(h, id).status).toBe('done');
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('open');
    expect(followUpTimeline(h)).toContain(`Follow-up #${id} reopened: ${t.label} was reopened`);
    expect(reopenDms(h)).toHaveLength(1);
  });

  it('Done in Slack: the echo of its close changes nothing; a reopen after it reopens, and is not closed again', async () => {
    const { h, t, id } = await start(make);
    await h.person(bob).command('followups', WS.channels.general);
    await h.person(bob).click('Done');
    await h.idle();
    expect(t.isClosed()).toBe(true);
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'closed', doneBy: bob });

    // The tracker delivered the echo of that close on its own, and the bot took it (200).
    const echoes = t.webhooks.deliveries.filter((d) => t.isClose(d));
    expect(echoes).toHaveLength(1);
    expect(echoes[0]?.attempts).toEqual([200]);
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'closed' });
    expect(followUpTimeline(h).some((e) => e.includes('reopened'))).toBe(false);
    expect(reopenDms(h)).toHaveLength(0);

    // The tracker is where the work is tracked: reopened there, it is open in Slack too.
    const writes = t.writes();
    await t.reopenThere();
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id)).toMatchObject({ status: 'open', ticketState: 'open', doneBy: null });
    expect(t.isClosed()).toBe(false);
    expect(t.writes()).toBe(writes);
    expect(reopenDms(h)).toHaveLength(1);
  });

  it('deliveries out of order: a reopen arriving after the newer close changes nothing, sends no DM', async () => {
    const { h, t, id } = await start(make);
    h.clock.set(THURSDAY_AFTERNOON);
    // Closed, reopened ten seconds later, closed again: the reopen's delivery is held up on the
    // way (a retry, a slow hop) and arrives last.
    t.webhooks.hold();
    const sent = [t.closeThere()];
    h.clock.advance(10_000);
    sent.push(t.reopenThere());
    h.clock.advance(10_000);
    sent.push(t.closeThere());
    await t.webhooks.release(([close1, reopen, close2]) => [close1, close2, reopen] as Delivery[]);
    expect(await Promise.all(sent)).toEqual([200, 200, 200]);
    expect(t.webhooks.deliveries.filter((d) => t.isReopen(d))).toHaveLength(1);

    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'closed' });
    expect(followUpTimeline(h).some((e) => e.includes('reopened'))).toBe(false);
    expect(followUpTimeline(h).filter((e) => e.includes('was closed'))).toHaveLength(1);
    expect(reopenDms(h)).toHaveLength(0);
    // The poll agrees: the ticket is closed.
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('done');
  });

  it('a late reopen delivered after a newer Done in Slack (and its echo) sends no second DM', async () => {
    const { h, t, id } = await start(make);
    h.clock.set(THURSDAY_AFTERNOON);
    await t.closeThere();
    expect(followUp(h, id).status).toBe('done');
    // Reopened in the tracker; the delivery is slow, the poll sees it first: open again, one DM.
    t.webhooks.hold();
    h.clock.advance(10_000);
    const reopened = t.reopenThere();
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('open');
    expect(reopenDms(h)).toHaveLength(1);
    // Bob is done after all; the bot closes the ticket.
    h.clock.advance(10_000);
    await h.person(bob).command('followups', WS.channels.general);
    await h.person(bob).click('Done');
    await h.idle();
    expect(t.isClosed()).toBe(true);
    // The echo of that close arrives, then the reopen from before it.
    await t.webhooks.release((held) => [
      ...held.filter((d) => t.isClose(d)),
      ...held.filter((d) => !t.isClose(d)),
    ]);
    expect(await reopened).toBe(200);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'closed', doneBy: bob });
    expect(reopenDms(h)).toHaveLength(1);
    expect(followUpTimeline(h).filter((e) => e.includes('reopened'))).toHaveLength(1);
  });
});

/**
 * Jira and Linear have open states to move between (To Do → In Progress): a delivery that is a
 * state change and still shows the ticket open. It must not reopen a follow-up whose Done has not
 * reached the tracker yet: only a close Firebreak knows of can be reopened (the loop guard).
 */
describe.each([
  ['Jira', jira],
  ['Linear', linear],
])('%s: Done in Slack while the tracker is down', (_name, make) => {
  it('a move to In Progress meanwhile is no reopen; the close lands on retry and its echo changes nothing', async () => {
    const { h, t, id } = await start(make);
    t.failNext(1);
    await h.person(bob).command('followups', WS.channels.general);
    await h.person(bob).click('Done');
    await h.idle();
    expect(t.isClosed()).toBe(false);
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'open' });

    h.clock.advance(10_000);
    if (!t.startThere) throw new Error('no open-to-open move in this tracker');
    expect(await t.startThere()).toBe(200);
    expect(followUp(h, id)).toMatchObject({ status: 'done', doneBy: bob });
    expect(followUpTimeline(h).some((e) => e.includes('reopened'))).toBe(false);

    h.clock.advance(60_000);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(t.isClosed()).toBe(true);
    expect(t.webhooks.deliveries.filter((d) => t.isClose(d)).map((d) => d.attempts)).toEqual([[200]]);
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'closed' });
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(followUpTimeline(h).some((e) => e.includes('reopened'))).toBe(false);
    expect(reopenDms(h)).toHaveLength(0);
  });
});
