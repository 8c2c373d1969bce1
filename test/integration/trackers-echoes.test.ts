import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, Webhooks } from '../../sim/trackers/base.js';
import { FakeGitHub } from '../../sim/trackers/github.js';
import { FakeJira } from '../../sim/trackers/jira.js';
import { FakeLinear } from '../../sim/trackers/linear.js';
import { TRACKER_POLL_JOB } from '../../src/trackers/slack/jobs.js';
import { declareAndJoin, type Harness, startHarness, WS } from '../helpers/harness.js';
import { connectFake, followUp, followUpTimeline, lastFollowUpId, webhookUrl } from '../helpers/trackers.js';

/**
 * Stale echoes about the owner and due date, for each tracker against its fake (sim/trackers/*,
 * written from each API's docs), which delivers a webhook for every change, the bot's own included.
 * The owner (or due date) changed twice in Slack: the echo of the first change, held up on the way,
 * arrives after the second. It must not switch the follow-up back (follow_ups.ticket_fields_at),
 * while a genuine close from before the change, arriving late, still closes it.
 */
const { alice, bob, carol } = WS.users;
const SECRET = 'echoes-webhook-secret-0123456789';
const MONDAY = '2026-11-23T14:00:00Z';

interface Tracker {
  env(): Record<string, string>;
  webhooks: Webhooks;
  /** Connects the fake to the bot: webhook URL and secret, the bot's clock. */
  hook(h: Harness): void;
  closeThere(): Promise<number>;
  /** The ticket's assignee (the tracker's user id) and due date as the fake holds them. */
  assignee(): string | null;
  due?(): string | null;
  users: { bob: string; carol: string };
  close(): Promise<void>;
}

async function github(): Promise<Tracker> {
  const gh = await FakeGitHub.start({
    token: 'ghp_fake_0123456789',
    repo: 'acme/ops',
    users: ['bob-gh', 'carol-gh'],
  });
  return {
    env: () => ({
      TRACKER: 'github',
      TRACKER_URL: gh.url,
      TRACKER_TOKEN: 'ghp_fake_0123456789',
      TRACKER_PROJECT: 'acme/ops',
      TRACKER_USERS: 'U0BOB=bob-gh,U0CAROL=carol-gh',
    }),
    webhooks: gh.webhooks,
    hook: (h) => {
      gh.opts.webhook = { url: webhookUrl(h, 'github'), secret: SECRET };
      connectFake(h, gh);
    },
    closeThere: () => gh.closeOnGitHub(1),
    assignee: () => gh.issues.get(1)?.assignees[0] ?? null,
    users: { bob: 'bob-gh', carol: 'carol-gh' },
    close: () => gh.close(),
  };
}

async function jira(): Promise<Tracker> {
  const BOB = '5b10ac8d82e05b22cc7d4ef5';
  const CAROL = '5b10a2844c20165700ede21g';
  const j = await FakeJira.start({
    email: 'firebreak@example.com',
    token: 'ATATT3x-fake',
    project: 'OPS',
    accounts: [BOB, CAROL],
  });
  const issue = () => j.byKey('OPS-1') ?? (undefined as never);
  return {
    env: () => ({
      TRACKER: 'jira',
      TRACKER_URL: j.url,
      TRACKER_EMAIL: 'firebreak@example.com',
      TRACKER_TOKEN: 'ATATT3x-fake',
      TRACKER_PROJECT: 'OPS',
      TRACKER_USERS: `U0BOB=${BOB},U0CAROL=${CAROL}`,
    }),
    webhooks: j.webhooks,
    hook: (h) => {
      j.opts.webhook = { url: webhookUrl(h, 'jira'), secret: SECRET };
      connectFake(h, j);
    },
    closeThere: () => j.transitionInJira('OPS-1', 'done'),
    assignee: () => issue().assignee,
    due: () => issue().duedate,
    users: { bob: BOB, carol: CAROL },
    close: () => j.close(),
  };
}

async function linear(): Promise<Tracker> {
  const TEAM = '72b2a2dc-6f4f-4423-9d34-24b5bd10634a';
  const BOB = 'a0f1e6b2-bob0-4000-8000-000000000001';
  const CAROL = 'a0f1e6b2-car0-4000-8000-000000000002';
  const l = await FakeLinear.start({
    apiKey: 'lin_api_fake',
    teamId: TEAM,
    teamKey: 'ENG',
    users: [BOB, CAROL],
  });
  const issue = () => l.byIdentifier('ENG-1') ?? (undefined as never);
  return {
    env: () => ({
      TRACKER: 'linear',
      TRACKER_URL: l.url,
      TRACKER_TOKEN: 'lin_api_fake',
      TRACKER_PROJECT: TEAM,
      TRACKER_USERS: `U0BOB=${BOB},U0CAROL=${CAROL}`,
    }),
    webhooks: l.webhooks,
    hook: (h) => {
      l.opts.webhook = { url: webhookUrl(h, 'linear'), secret: SECRET };
      connectFake(h, l);
    },
    closeThere: () => l.moveInLinear('ENG-1', 'completed'),
    assignee: () => issue().assigneeId,
    due: () => issue().dueDate ?? null,
    users: { bob: BOB, carol: CAROL },
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

async function start(make: () => Promise<Tracker>) {
  const tr = await make();
  t = tr;
  const hh = await startHarness({
    now: MONDAY,
    env: { ...tr.env(), TRACKER_WEBHOOK_SECRET: SECRET, ARCHIVE_POLICY: 'never' },
  });
  h = hh;
  tr.hook(hh);
  const inc = await declareAndJoin(hh, 'Checkout returns 502');
  await hh.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-11-24', inc.channelId);
  await hh.idle();
  const id = lastFollowUpId(hh);
  expect(followUp(hh, id)).toMatchObject({ ownerId: bob, ticketState: 'open' });
  expect(tr.assignee()).toBe(tr.users.bob);
  const edit = async (args: string) => {
    hh.clock.advance(10_000);
    await hh.person(alice).command(`followup edit ${id} ${args}`, inc.channelId);
    await hh.idle();
  };
  return { h: hh, t: tr, id, edit };
}

const dmCount = (hh: Harness) => [alice, bob, carol].map((u) => hh.sim.dms(u).length);
const trackerEdits = (hh: Harness) => followUpTimeline(hh).filter((e) => e.includes(' changed in '));

describe.each([
  ['GitHub', github],
  ['Jira', jira],
  ['Linear', linear],
])('%s: a stale echo about the owner or due date', (_name, make) => {
  it('owner changed in Slack twice; the echo of the first arrives last: the owner stays, no DM, no timeline', async () => {
    const { h, t, id, edit } = await start(make);
    t.webhooks.hold();
    await edit('<@U0CAROL|carol>');
    expect(t.assignee()).toBe(t.users.carol);
    await edit('<@U0BOB|bob>');
    expect(t.assignee()).toBe(t.users.bob);
    const held = t.webhooks.deliveries.length;
    expect(held).toBeGreaterThanOrEqual(2);
    const dms = dmCount(h);
    const entries = followUpTimeline(h).length;
    // The newest echo first, then the older ones (what a retry or a slow hop does).
    await t.webhooks.release((d) => [...d].reverse() as Delivery[]);
    expect(t.webhooks.deliveries.every((d) => d.attempts[0] === 200)).toBe(true);
    expect(followUp(h, id)).toMatchObject({ ownerId: bob, status: 'open' });
    expect(trackerEdits(h)).toEqual([]);
    expect(followUpTimeline(h)).toHaveLength(entries);
    expect(dmCount(h)).toEqual(dms);
    // The poll reads the ticket as it is now: Bob's.
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).ownerId).toBe(bob);
  });

  it('a close made in the tracker before an owner change in Slack, delivered late, still closes; the owner stays', async () => {
    const { h, t, id, edit } = await start(make);
    t.webhooks.hold();
    h.clock.advance(5_000);
    const closed = t.closeThere();
    await edit('<@U0CAROL|carol>');
    expect(t.assignee()).toBe(t.users.carol);
    // The close (showing Bob, from before the change) arrives first, then the echo of the change.
    await t.webhooks.release();
    expect(await closed).toBe(200);
    expect(followUp(h, id)).toMatchObject({ status: 'done', ticketState: 'closed', ownerId: carol });
    expect(trackerEdits(h)).toEqual([]);
    expect(followUpTimeline(h).filter((e) => e.includes('was closed'))).toHaveLength(1);
  });
});

describe.each([
  ['Jira', jira],
  ['Linear', linear],
])('%s: a stale echo about the due date', (_name, make) => {
  it('due date changed in Slack twice; the echo of the first arrives last: the due date stays', async () => {
    const { h, t, id, edit } = await start(make);
    t.webhooks.hold();
    await edit('due 2026-11-30');
    expect(t.due?.()).toBe('2026-11-30');
    await edit('due 2026-12-04');
    expect(t.due?.()).toBe('2026-12-04');
    const entries = followUpTimeline(h).length;
    await t.webhooks.release((d) => [...d].reverse() as Delivery[]);
    expect(followUp(h, id)).toMatchObject({ dueDate: '2026-12-04', ticketDue: '2026-12-04' });
    expect(followUpTimeline(h)).toHaveLength(entries);
  });
});
