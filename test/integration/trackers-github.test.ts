import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { hmacHex } from '../../sim/trackers/base.js';
import { FakeGitHub } from '../../sim/trackers/github.js';
import { trackerOps } from '../../src/db/schema.js';
import { addFollowUp } from '../../src/resolution/follow-ups.js';
import { REMINDER_JOB } from '../../src/resolution/slack/reminder-jobs.js';
import { buildPostmortemDraft, fileFlavor, renderDraft } from '../../src/timeline/export.js';
import { TRACKER_POLL_JOB, TRACKER_SYNC_JOB } from '../../src/trackers/slack/jobs.js';
import { declareAndJoin, type Harness, WS } from '../helpers/harness.js';
import {
  dmTexts,
  followUp,
  lastFollowUpId,
  followUpTimeline as timelineTexts,
  trackerFrame,
  webhookUrl,
} from '../helpers/trackers.js';

/**
 * Follow-ups as GitHub issues, end to end: the bot against the Slack simulator and a fake GitHub
 * written from GitHub's REST and webhook docs (sim/trackers/github.ts).
 */
const { alice, bob, carol } = WS.users;
const TOKEN = 'ghp_fake_token_0123456789';
const SECRET = 'whsec-github-0123456789abcdef';

const frame = trackerFrame({
  startFake: () => FakeGitHub.start({ token: TOKEN, repo: 'acme/ops', users: ['bob-gh', 'carol-gh'] }),
  env: (fake) => ({
    TRACKER: 'github',
    TRACKER_URL: fake.url,
    TRACKER_TOKEN: TOKEN,
    TRACKER_PROJECT: 'acme/ops',
    TRACKER_LABELS: 'incident-follow-up',
    TRACKER_WEBHOOK_SECRET: SECRET,
    TRACKER_USERS: 'U0BOB=bob-gh,U0CAROL=carol-gh',
  }),
  connect: (fake, harness) => {
    fake.opts.webhook = { url: webhookUrl(harness, 'github'), secret: SECRET };
  },
});
/** The fake GitHub of the running test (one per test, shared by a restart's two bots). */
const gh = frame.fake;
let h: Harness;
const start = async (extra?: Record<string, string>, now?: string): Promise<Harness> =>
  (await frame.start(extra, now)).h;

const creates = () =>
  gh.server.calls.filter((c) => c.method === 'POST' && c.path === '/repos/acme/ops/issues');

describe('GitHub Issues', () => {
  it('a follow-up becomes an issue with a backlink, owner and labels; the lists show the link', async () => {
    h = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    const r = await h
      .person(alice)
      .command('followup Add a canary stage <@U0BOB|bob> due 2026-12-01', inc.channelId);
    expect(r.reply?.text).toContain('Add a canary stage');
    await h.idle();

    const issue = gh.issues.get(1);
    expect(issue?.title).toBe('Add a canary stage');
    expect(issue?.body).toContain('INC-1: Checkout returns 502');
    expect(issue?.body).toContain(`https://slack.com/app_redirect?channel=${inc.channelId}`);
    expect(issue?.body).toContain('Due: 2026-12-01');
    expect(issue?.assignees).toEqual(['bob-gh']);
    expect(issue?.labels).toEqual(['incident-follow-up']);
    expect(creates()[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const f = followUp(h, lastFollowUpId(h));
    expect(f).toMatchObject({
      ticketTracker: 'github',
      ticketRef: '1',
      ticketKey: '#1',
      ticketState: 'open',
    });
    expect(f.ticketUrl).toBe('https://github.com/acme/ops/issues/1');
    expect(timelineTexts(h)).toContain(`Follow-up #${f.id} is GitHub #1`);

    const list = await h.person(bob).command('followups', WS.channels.general);
    expect(h.sim.renderBlocks(list.reply?.blocks as never)).toContain(
      '<https://github.com/acme/ops/issues/1|GitHub #1>',
    );
    // The postmortem draft (file and canvas) lists the follow-up with its ticket.
    const draft = buildPostmortemDraft(h.db, inc.id, { now: h.clock.now() });
    expect(renderDraft(draft, fileFlavor(draft.names))).toContain(
      '[GitHub #1](https://github.com/acme/ops/issues/1)',
    );
  });

  it('Done in Slack closes the issue; owner changes go to the issue', async () => {
    h = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Alert on pool exhaustion <@U0BOB|bob>', inc.channelId);
    const id = lastFollowUpId(h);
    await h.person(alice).command(`followup edit ${id} <@U0CAROL|carol>`, inc.channelId);
    await h.idle();
    expect(gh.issues.get(1)?.assignees).toEqual(['carol-gh']);

    await h.person(carol).command('followups', WS.channels.general);
    await h.person(carol).click('Done');
    await h.idle();
    expect(followUp(h, id).status).toBe('done');
    expect(gh.issues.get(1)).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(followUp(h, id).ticketState).toBe('closed');
  });

  it('closed on GitHub (webhook): the follow-up is done, the reminder stops, the timeline says so', async () => {
    h = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-11-25', inc.channelId);
    const id = lastFollowUpId(h);
    expect(await gh.assignOnGitHub(1, 'carol-gh')).toBe(200);
    expect(followUp(h, id).ownerId).toBe(carol);
    expect(timelineTexts(h).some((t) => /changed in GitHub #1: owner U0BOB → U0CAROL/.test(t))).toBe(true);

    expect(await gh.closeOnGitHub(1)).toBe(200);
    const f = followUp(h, id);
    expect(f.status).toBe('done');
    expect(f.ticketState).toBe('closed');
    expect(timelineTexts(h)).toContain(`Follow-up #${id} done: GitHub #1 was closed`);
    // Nothing is sent back to GitHub for a change GitHub reported.
    await h.idle();
    expect(gh.server.calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);

    // Wednesday 10:00 in Kolkata and Berlin have passed: an open follow-up would be reminded now.
    h.clock.set(new Date('2026-11-25T10:00:00Z'));
    await h.bot.scheduler.run(REMINDER_JOB);
    await h.idle();
    expect(dmTexts(h, carol).join('\n')).not.toContain('Add a canary stage');
  });

  it('closed on GitHub without a webhook: the poll marks it done', async () => {
    h = await start({ TRACKER_POLL_MINUTES: '5' });
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-11-25', inc.channelId);
    const id = lastFollowUpId(h);
    gh.opts.webhook = undefined;
    await gh.closeOnGitHub(1);
    expect(followUp(h, id).status).toBe('open');
    await h.bot.scheduler.run(TRACKER_POLL_JOB);
    await h.idle();
    expect(followUp(h, id).status).toBe('done');
    expect(timelineTexts(h)).toContain(`Follow-up #${id} done: GitHub #1 was closed`);
    h.clock.set(new Date('2026-11-25T10:00:00Z'));
    await h.bot.scheduler.run(REMINDER_JOB);
    await h.idle();
    expect(dmTexts(h, bob).join('\n')).not.toContain('Add a canary stage');
  });

  it('overlapping runs of the queue create one issue, and tell the person once', async () => {
    h = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    const sync = h.deps.trackers;
    if (!sync) throw new Error('no tracker sync');
    // A run is under way when a follow-up arrives and two more runs are asked for (a Slack request
    // and the 30-second job, say): they must not both send it.
    const first = sync.run();
    addFollowUp(h.db, h.clock, { incidentId: inc.id, text: 'Add a canary stage', createdBy: alice });
    const results = await Promise.all([first, sync.run(), sync.run()]);
    await h.idle();
    expect(creates()).toHaveLength(1);
    expect(gh.issues.size).toBe(1);
    expect(results.flat()).toHaveLength(0);
  });

  it('refuses a webhook with a bad or missing signature and changes nothing', async () => {
    h = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    const issue = gh.issues.get(1);
    if (!issue) throw new Error('no issue');
    expect(await gh.sendIssues('closed', { ...issue, state: 'closed' }, 'mallory', true)).toBe(401);
    const url = h.botUrl.replace('/slack/events', '/trackers/github/webhook');
    const bare = await fetch(url, {
      method: 'POST',
      body: '{"action":"closed"}',
      headers: { 'x-github-event': 'issues' },
    });
    expect(bare.status).toBe(401);
    // Signed but not JSON: 400; over 1 MB: 413, before anything is read.
    const raw = 'not json';
    const notJson = await fetch(url, {
      method: 'POST',
      body: raw,
      headers: { 'x-github-event': 'issues', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, raw)}` },
    });
    expect(notJson.status).toBe(400);
    const huge = await fetch(url, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
    expect(followUp(h, id).status).toBe('open');
  });

  it('a 500 then a secondary rate limit: the follow-up is kept, retried with backoff, the person told both times', async () => {
    h = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    gh.server.fail({ status: 502, body: { message: 'Server Error' } });
    gh.server.fail({
      status: 403,
      headers: { 'retry-after': '120' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
    });
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    expect(followUp(h, id).ticketRef).toBeNull();
    expect(gh.issues.size).toBe(0);
    expect(dmTexts(h, alice).at(-1)).toMatch(
      /could not create a GitHub ticket for follow-up #\d+.*GitHub answered 502/,
    );

    h.clock.advance(31_000); // first backoff: 30 s; GitHub then asks for 120 s more
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(gh.issues.size).toBe(0);
    const op = h.db.select().from(trackerOps).where(eq(trackerOps.followUpId, id)).get();
    expect(op?.attempts).toBe(2);
    expect(op?.nextAt.getTime()).toBeGreaterThanOrEqual(h.clock.now().getTime() + 120_000);
    expect(dmTexts(h, alice).filter((t) => t.includes('could not create'))).toHaveLength(1);

    h.clock.advance(60_000);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(gh.issues.size).toBe(0);
    h.clock.advance(61_000);
    await h.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h.idle();
    expect(gh.issues.get(1)?.title).toBe('Add a canary stage');
    expect(followUp(h, id).ticketKey).toBe('#1');
    expect(dmTexts(h, alice).at(-1)).toMatch(/is now GitHub .*#1.* \(after 3 attempts\)/);
  });

  it('a restart between the failure and the retry loses nothing', async () => {
    const DATABASE_PATH = frame.databasePath();
    h = await start({ DATABASE_PATH });
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    gh.server.fail({ status: 503, body: { message: 'Service Unavailable' } });
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    expect(gh.issues.size).toBe(0);
    await frame.stop(h);

    const h2 = await start({ DATABASE_PATH }, '2026-11-23T14:05:00Z');
    await h2.bot.scheduler.run(TRACKER_SYNC_JOB);
    await h2.idle();
    expect(gh.issues.get(1)?.title).toBe('Add a canary stage');
    expect(followUp(h2, id).ticketKey).toBe('#1');
    expect(dmTexts(h2, alice).at(-1)).toContain('is now GitHub');
  });

  it('bad credentials: gives up at once, keeps the follow-up, says so; Create ticket tries again', async () => {
    h = await start();
    const inc = await declareAndJoin(h, 'Checkout returns 502');
    gh.server.fail({
      status: 401,
      body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
    });
    await h.person(alice).command('followup Add a canary stage', inc.channelId);
    const id = lastFollowUpId(h);
    expect(dmTexts(h, alice).at(-1)).toMatch(
      /gave up trying to create a GitHub ticket .*Bad credentials.*Create ticket/,
    );
    expect(followUp(h, id).status).toBe('open');

    await h.person(alice).command('followups all', WS.channels.general);
    await h.person(alice).click('Create ticket');
    await h.idle();
    expect(JSON.stringify(h.sim.ephemerals(alice))).toContain('Creating a GitHub ticket');
    expect(gh.issues.get(1)?.title).toBe('Add a canary stage');
    expect(followUp(h, id).ticketKey).toBe('#1');
    expect(dmTexts(h, alice).at(-1)).toContain('is now GitHub');
  });

  it('follow-ups of a private incident become issues only by the button, without the title', async () => {
    h = await start();
    const a = h.person(alice);
    await a.shortcut('declare_incident');
    await a.fillAndSubmit({ Title: 'Payroll data exposed', 'Affected services': 'payroll', Private: true });
    await h.idle();
    const row = h.db.$client
      .prepare('select channel_id as c, is_private as p from incidents order by id desc')
      .get() as {
      c: string;
      p: number;
    };
    expect(row.p).toBe(1);
    await a.command('followup Rotate the leaked key', row.c);
    expect(gh.issues.size).toBe(0);
    await a.command('followups all', row.c);
    await a.click('Create ticket');
    await h.idle();
    const issue = gh.issues.get(1);
    expect(issue?.title).toBe('Rotate the leaked key');
    expect(issue?.body).toContain('a private incident');
    expect(issue?.body).not.toContain('Payroll');
  });
});
