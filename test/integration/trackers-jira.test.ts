import { describe, expect, it } from 'vitest';
import { FakeJira } from '../../sim/trackers/jira.js';
import { REMINDER_JOB } from '../../src/resolution/slack/reminder-jobs.js';
import { TRACKER_POLL_JOB, TRACKER_SYNC_JOB } from '../../src/trackers/slack/jobs.js';
import { declareAndJoin, WS } from '../helpers/harness.js';
import {
  dmTexts,
  followUp,
  followUpTimeline,
  lastFollowUpId,
  opOf,
  trackerFrame,
  webhookUrl,
} from '../helpers/trackers.js';

/**
 * Follow-ups as Jira issues, end to end: the bot against the Slack simulator and a fake Jira Cloud
 * written from Atlassian's REST v3 and webhook docs (sim/trackers/jira.ts).
 */
const { alice, bob, carol } = WS.users;
const EMAIL = 'firebreak@example.com';
const TOKEN = 'ATATT3x-fake-jira-token';
const SECRET = 'jira-webhook-secret-0123456789';
const BOB = '5b10ac8d82e05b22cc7d4ef5';
const CAROL = '5b10a2844c20165700ede21g';

const frame = trackerFrame({
  startFake: () => FakeJira.start({ email: EMAIL, token: TOKEN, project: 'OPS', accounts: [BOB, CAROL] }),
  env: (jira) => ({
    TRACKER: 'jira',
    TRACKER_URL: jira.url,
    TRACKER_EMAIL: EMAIL,
    TRACKER_TOKEN: TOKEN,
    TRACKER_PROJECT: 'OPS',
    TRACKER_LABELS: 'incident follow-up',
    TRACKER_WEBHOOK_SECRET: SECRET,
    TRACKER_USERS: `U0BOB=${BOB},U0CAROL=${CAROL}`,
  }),
  connect: (jira, h) => {
    jira.opts.webhook = { url: webhookUrl(h, 'jira'), secret: SECRET };
  },
});
const start = async (extra?: Record<string, string>, now?: string) => {
  const { h, fake } = await frame.start(extra, now);
  return { h, jira: fake };
};

describe('Jira', () => {
  it('a follow-up becomes a Task with an ADF description linking back, assignee, due date and labels', async () => {
    const { h, jira } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-12-01', inc.channelId);
    const issue = jira.byKey('OPS-1');
    expect(issue).toMatchObject({
      summary: 'Add a canary stage',
      issueType: 'Task',
      assignee: BOB,
      duedate: '2026-12-01',
    });
    expect(issue?.labels).toEqual(['incident-follow-up']);
    const text = FakeJira.adfText(issue?.description);
    expect(text).toContain(`INC-1 in Slack (https://slack.com/app_redirect?channel=${inc.channelId})`);
    expect(text).toContain('A follow-up from INC-1: Checkout returns 502');
    const call = jira.server.calls.find((c) => c.method === 'POST');
    expect(call?.headers.authorization).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`);
    const f = followUp(h, lastFollowUpId(h));
    expect(f).toMatchObject({
      ticketKey: 'OPS-1',
      ticketUrl: `${jira.url}/browse/OPS-1`,
      ticketDue: '2026-12-01',
    });
    const list = await h.person(bob).command('followups', WS.channels.general);
    expect(h.sim.renderBlocks(list.reply?.blocks as never)).toContain(`|Jira OPS-1>`);
  });

  it('Done in Slack transitions the issue to Done; owner and due date edits reach Jira', async () => {
    const { h, jira } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h
      .person(alice)
      .command('followup Alert on pool exhaustion <@U0BOB|bob> due 2026-12-01', inc.channelId);
    const id = lastFollowUpId(h);
    await h.person(alice).command(`followup edit ${id} <@U0CAROL|carol> due 2026-12-04`, inc.channelId);
    expect(jira.byKey('OPS-1')).toMatchObject({ assignee: CAROL, duedate: '2026-12-04' });
    await h.person(carol).command('followups', WS.channels.general);
    await h.person(carol).click('Done');
    await h.idle();
    expect(jira.byKey('OPS-1')?.status.category).toBe('done');
    expect(jira.server.calls.some((c) => c.method === 'POST' && c.path.endsWith('/transitions'))).toBe(true);
  });

  it('Done in Jira (webhook) marks the follow-up done and stops its reminder; assignee and due date come back', async () => {
    const { h, jira } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-11-25', inc.channelId);
    const id = lastFollowUpId(h);
    expect(await jira.editInJira('OPS-1', { assignee: CAROL, duedate: '2026-11-26' })).toBe(200);
    expect(followUp(h, id)).toMatchObject({ ownerId: carol, dueDate: '2026-11-26' });
    expect(
      followUpTimeline(h).some((t) =>
        t.includes('changed in Jira OPS-1: owner U0BOB → U0CAROL; due 2026-11-25 → 2026-11-26'),
      ),
    ).toBe(true);
    expect(await jira.transitionInJira('OPS-1', 'done')).toBe(200);
    expect(followUp(h, id).status).toBe('done');
    expect(followUpTimeline(h)).toContain(`Follow-up #${id} done: Jira OPS-1 was closed`);
    await h.idle();
    expect(
      jira.server.calls.filter((c) => c.method === 'PUT' || c.path.endsWith('/transitions')),
    ).toHaveLength(0);
    h.clock.set(new Date('2026-11-26T10:00:00Z'));
    await h.bot.scheduler.run(REMINDER_JOB);
    await h.idle();
    expect(dmTexts(h, carol).join('\n')).not.toContain('Add a canary stage');
  });

  it('without the webhook, the poll sees the issue done', async () => {
    const { h, jira } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    jira.opts.webhook = undefined;
    await jira.transitionInJira('OPS-1', 'done');
    expect(followUp(h, id).status).toBe('open');
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('done');
  });

  it('refuses a webhook signed with another secret', async () => {
    const { h, jira } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const issue = jira.byKey('OPS-1');
    if (!issue) throw new Error('no issue');
    issue.status = { id: '10002', name: 'Done', category: 'done' };
    expect(await jira.sendUpdated(issue, true)).toBe(401);
    expect(followUp(h, lastFollowUpId(h)).status).toBe('open');
  });

  it('429 with Retry-After: waits as told, then creates; the person hears of the delay and the ticket', async () => {
    const { h, jira } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    jira.server.fail({
      status: 429,
      headers: { 'retry-after': '300' },
      body: { errorMessages: ['Rate limit exceeded.'] },
    });
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    expect(jira.issues.size).toBe(0);
    expect(dmTexts(h, alice).at(-1)).toMatch(/could not create a Jira ticket .*Jira answered 429/);
    expect(opOf(h, id)[0]?.nextAt.getTime()).toBe(h.clock.now().getTime() + 300_000);
    h.clock.advance(299_000);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(jira.issues.size).toBe(0);
    h.clock.advance(2_000);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(followUp(h, id).ticketKey).toBe('OPS-1');
    expect(dmTexts(h, alice).at(-1)).toContain('is now Jira');
  });

  it('a misconfigured issue type: Jira’s 400 is reported and the follow-up kept', async () => {
    const { h, jira } = await start({ TRACKER_ISSUE_TYPE: 'Incident Action' });
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    expect(jira.issues.size).toBe(0);
    expect(dmTexts(h, alice).at(-1)).toMatch(/gave up .*Jira answered 400: issuetype: Specify an issue type/);
    expect(followUp(h, lastFollowUpId(h)).status).toBe('open');
  });
  it('a restart between the failure and the retry loses nothing', async () => {
    const DATABASE_PATH = frame.databasePath();
    const first = await start({ DATABASE_PATH });
    const inc = await declareAndJoin(first.h, 'Checkout returns 502');
    first.jira.server.fail({ status: 503, body: { errorMessages: ['Service unavailable'] } });
    await first.h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(first.h);
    expect(first.jira.issues.size).toBe(0);
    expect(opOf(first.h, id)[0]?.status).toBe('pending');
    await frame.stop(first.h);

    const { h: h2 } = await start({ DATABASE_PATH }, '2026-11-23T14:10:00Z');
    await h2.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h2.idle();
    expect(followUp(h2, id).ticketKey).toBe('OPS-1');
    expect(dmTexts(h2, alice).at(-1)).toContain('is now');
  });
});
