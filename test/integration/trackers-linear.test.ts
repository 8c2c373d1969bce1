import { describe, expect, it } from 'vitest';
import { FakeLinear } from '../../sim/trackers/linear.js';
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
 * Follow-ups as Linear issues, end to end: the bot against the Slack simulator and a fake Linear
 * GraphQL API written from Linear's developer docs (sim/trackers/linear.ts).
 */
const { alice, bob, carol } = WS.users;
const KEY = 'lin_api_fake0123456789';
const SECRET = 'lin_wh_secret_0123456789abcdef';
const TEAM = '72b2a2dc-6f4f-4423-9d34-24b5bd10634a';
const BOB = 'a0f1e6b2-bob0-4000-8000-000000000001';
const CAROL = 'a0f1e6b2-car0-4000-8000-000000000002';

const frame = trackerFrame({
  startFake: () => FakeLinear.start({ apiKey: KEY, teamId: TEAM, teamKey: 'ENG', users: [BOB, CAROL] }),
  env: (linear) => ({
    TRACKER: 'linear',
    TRACKER_URL: linear.url,
    TRACKER_TOKEN: KEY,
    TRACKER_PROJECT: TEAM,
    TRACKER_WEBHOOK_SECRET: SECRET,
    TRACKER_USERS: `U0BOB=${BOB},U0CAROL=${CAROL}`,
  }),
  connect: (linear, h) => {
    linear.opts.webhook = { url: webhookUrl(h, 'linear'), secret: SECRET };
    const clock = h.clock;
    linear.opts.now = () => clock.now().getTime();
  },
});
const start = async (extra?: Record<string, string>, now?: string) => {
  const { h, fake } = await frame.start(extra, now);
  return { h, linear: fake };
};

describe('Linear', () => {
  it('a follow-up becomes an issue in the team with a backlink, assignee and due date', async () => {
    const { h, linear } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-12-01', inc.channelId);
    const issue = linear.byIdentifier('ENG-1');
    expect(issue).toMatchObject({
      title: 'Add a canary stage',
      teamId: TEAM,
      assigneeId: BOB,
      dueDate: '2026-12-01',
    });
    expect(issue?.description).toContain(
      `[INC-1 in Slack](https://slack.com/app_redirect?channel=${inc.channelId})`,
    );
    expect(linear.server.calls[0]?.headers.authorization).toBe(KEY);
    const f = followUp(h, lastFollowUpId(h));
    expect(f).toMatchObject({
      ticketKey: 'ENG-1',
      ticketUrl: 'https://linear.app/acme/issue/ENG-1',
      ticketRef: issue?.id,
    });
    const list = await h.person(bob).command('followups', WS.channels.general);
    expect(h.sim.renderBlocks(list.reply?.blocks as never)).toContain(
      '<https://linear.app/acme/issue/ENG-1|Linear ENG-1>',
    );
  });

  it('Done in Slack moves the issue to the team’s completed state; edits reach Linear', async () => {
    const { h, linear } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h
      .person(alice)
      .command('followup Alert on pool exhaustion <@U0BOB|bob> due 2026-12-01', inc.channelId);
    const id = lastFollowUpId(h);
    await h.person(alice).command(`followup edit ${id} <@U0CAROL|carol> due 2026-12-04`, inc.channelId);
    const issue = linear.byIdentifier('ENG-1');
    expect(issue).toMatchObject({ assigneeId: CAROL, dueDate: '2026-12-04' });
    await h.person(carol).command('followups', WS.channels.general);
    await h.person(carol).click('Done');
    await h.idle();
    if (!issue) throw new Error('no issue');
    expect(linear.stateOf(issue).type).toBe('completed');
  });

  it('completed in Linear (webhook) marks the follow-up done, stops the reminder, tells the timeline; assignee and due date come back', async () => {
    const { h, linear } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-11-25', inc.channelId);
    const id = lastFollowUpId(h);
    expect(await linear.editInLinear('ENG-1', { assigneeId: CAROL, dueDate: '2026-11-26' })).toBe(200);
    expect(followUp(h, id)).toMatchObject({ ownerId: carol, dueDate: '2026-11-26' });
    expect(await linear.moveInLinear('ENG-1', 'completed')).toBe(200);
    expect(followUp(h, id).status).toBe('done');
    expect(followUpTimeline(h)).toContain(`Follow-up #${id} done: Linear ENG-1 was closed`);
    await h.idle();
    // Only the create went to Linear: nothing echoed back.
    expect(
      linear.server.calls.filter((c) => /issueUpdate|workflowStates/.test(JSON.stringify(c.body))),
    ).toHaveLength(0);
    h.clock.set(new Date('2026-11-26T10:00:00Z'));
    await h.bot.scheduler.run(REMINDER_JOB);
    await h.idle();
    expect(dmTexts(h, carol).join('\n')).not.toContain('Add a canary stage');
  });

  it('refuses a webhook with a bad signature, or one replayed after a minute', async () => {
    const { h, linear } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const issue = linear.byIdentifier('ENG-1');
    if (!issue) throw new Error('no issue');
    issue.stateId = 'state-done';
    expect(await linear.sendIssueUpdate(issue, {}, { tamper: true })).toBe(401);
    expect(await linear.sendIssueUpdate(issue, {}, { at: h.clock.now().getTime() - 5 * 60_000 })).toBe(401);
    expect(followUp(h, lastFollowUpId(h)).status).toBe('open');
  });

  it('without the webhook, the poll sees the issue completed', async () => {
    const { h, linear } = await start({ TRACKER_WEBHOOK_SECRET: '' });
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    const res = await fetch(webhookUrl(h, 'linear'), { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    linear.opts.webhook = undefined;
    await linear.moveInLinear('ENG-1', 'completed');
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('done');
  });

  it('RATELIMITED then a 500: retried until Linear takes it; the person is told', async () => {
    const { h, linear } = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    linear.rateLimitNext(h.clock.now().getTime() + 90_000);
    linear.server.fail({ status: 500, body: { errors: [{ message: 'Internal server error' }] } });
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    expect(linear.issues.size).toBe(0);
    expect(dmTexts(h, alice).at(-1)).toMatch(/could not create a Linear ticket .*RATELIMITED/);
    h.clock.advance(91_000);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(linear.issues.size).toBe(0);
    expect(opOf(h, id)[0]?.attempts).toBe(2);
    h.clock.advance(61_000);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(followUp(h, id).ticketKey).toBe('ENG-1');
    expect(dmTexts(h, alice).at(-1)).toMatch(/is now Linear .*\(after 3 attempts\)/);
  });

  it('a wrong API key: Linear refuses it, the follow-up is kept and the person told', async () => {
    const { h, linear } = await start({ TRACKER_TOKEN: 'lin_api_wrong' });
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    expect(linear.issues.size).toBe(0);
    expect(dmTexts(h, alice).at(-1)).toMatch(/gave up .*AUTHENTICATION_ERROR/);
    expect(followUp(h, lastFollowUpId(h)).status).toBe('open');
  });
  it('a restart between the failure and the retry loses nothing', async () => {
    const DATABASE_PATH = frame.databasePath();
    const first = await start({ DATABASE_PATH });
    const inc = await declareAndJoin(first.h, 'Checkout returns 502');
    first.linear.rateLimitNext(first.h.clock.now().getTime() + 60_000);
    await first.h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(first.h);
    expect(first.linear.issues.size).toBe(0);
    expect(opOf(first.h, id)[0]?.status).toBe('pending');
    await frame.stop(first.h);

    const { h: h2 } = await start({ DATABASE_PATH }, '2026-11-23T14:10:00Z');
    await h2.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h2.idle();
    expect(followUp(h2, id).ticketKey).toBe('ENG-1');
    expect(dmTexts(h2, alice).at(-1)).toContain('is now');
  });
});
