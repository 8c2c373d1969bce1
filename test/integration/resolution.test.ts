import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { createLogger } from '../../src/log.js';
import { REMINDER_JOB } from '../../src/resolution/slack/reminder-jobs.js';
import { type Harness, type HarnessOptions, startHarness, WS } from '../helpers/harness.js';

/**
 * Resolution through the simulator: the resolution modal and its inline errors, the message and
 * surfaces it updates, reopen and close (with archive), follow-ups from the command, the modal and
 * :fast_forward:, and the reminder schedule under a fake clock, including after a restart.
 */
const { alice, bob, carol } = WS.users;
let h: Harness;

afterEach(async () => {
  await h?.close();
});

async function start(opts: HarnessOptions = {}): Promise<Harness> {
  // Monday 2026-11-23 14:00 UTC = 09:00 in New York (alice), 15:00 in Berlin (bob).
  h = await startHarness({ now: '2026-11-23T14:00:00Z', ...opts });
  return h;
}

/** Declares INC-n through the bot with alice as lead and bob in the channel; returns its channel id. */
async function declare(title = 'Checkout returns 502'): Promise<{ number: number; channel: string }> {
  const r = await h.person(alice).command(`declare ${title}`);
  expect(r.reply?.text ?? '').toMatch(/INC-\d+/);
  await h.idle();
  const number = Number(/INC-(\d+)/.exec(r.reply?.text ?? '')?.[1]);
  const incident = getIncidentByNumber(h.db, number);
  if (!incident?.channelId) throw new Error('declare did not make a channel');
  await h.person(bob).join(incident.channelId);
  await h.idle();
  return { number, channel: incident.channelId };
}

const incident = (n = 1) => {
  const i = getIncidentByNumber(h.db, n);
  if (!i) throw new Error(`no INC-${n}`);
  return i;
};
const seen = (ch: string) => h.sim.render(ch);
const dmText = (user: string) => h.sim.dms(user).map((m) => h.sim.renderBlocks(m.blocks, m.text));
const runReminders = async () => {
  await h.bot.scheduler.run(REMINDER_JOB);
  await h.idle();
};
/** A second process on the same database (a restart) runs the reminder job once. */
const runRemindersInSecondProcess = async () => {
  const second = createApp({
    config: h.config,
    db: h.db,
    logger: createLogger('error'),
    clock: h.clock,
    retryConfig: { retries: 0 },
    schedules: false,
  });
  await second.scheduler.run(REMINDER_JOB);
  await second.deps.tasks.idle();
  await h.idle();
};
const at = async (iso: string) => {
  h.clock.set(iso);
  await runReminders();
};

describe('resolving', () => {
  it('with a root cause: modal, resolution message with durations, summary and topic, follow-ups', async () => {
    await start();
    const { channel } = await declare();
    expect(h.sim.renderBlocks(h.sim.pins(channel)[0]?.blocks)).toContain('[Resolve]');
    h.clock.set('2026-11-23T14:20:00Z');
    const a = h.person(alice);
    await a.command('resolve', channel);
    expect(a.view().callback_id).toBe('resolve_modal');
    expect(JSON.stringify(a.view().blocks)).toContain('deploy/change');
    const r = await a.fillAndSubmit({
      'What fixed it?': 'Rolled back the 13:55 deploy of checkout-api',
      'Root cause': 'A config flag set the DB pool size to 0',
      'Root-cause category': 'configuration',
      'Contributing factors (one per line)': 'No canary\nAlert fired late',
      'Resolved at': new Date('2026-11-23T14:15:00Z'),
      'Follow-up 1': 'Add a canary stage to checkout-api',
      'Owner of follow-up 1': bob,
      'Due date of follow-up 1': '2026-11-25',
    });
    expect(r.errors).toBeUndefined();
    expect(a.hasView()).toBe(false);
    await h.idle();

    const i = incident();
    expect(i).toMatchObject({
      status: 'resolved',
      rootCausePending: false,
      rootCauseCategory: 'configuration',
    });
    expect(i.resolvedAt?.toISOString()).toBe('2026-11-23T14:15:00.000Z');
    const text = seen(channel);
    expect(text).toContain('INC-1 resolved');
    expect(text).toContain('Rolled back the 13:55 deploy');
    expect(text).toContain('A config flag set the DB pool size to 0');
    expect(text).toMatch(/Time to resolve:\* 15m/);
    expect(text).toMatch(/Time to mitigate/);
    expect(text).toMatch(/Time to acknowledge:\* — _never acknowledged_/);
    expect(text).toContain('Add a canary stage to checkout-api');
    expect(h.sim.topic(channel)).toContain('Resolved');
    const summary = h.sim.pins(channel)[0];
    expect(h.sim.renderBlocks(summary?.blocks)).toContain('Resolved');
    expect(h.sim.renderBlocks(summary?.blocks)).not.toContain('[Resolve]');

    // The postmortem export carries the resolution, the root cause and the follow-ups.
    await h.person(alice).command('export', channel);
    await h.idle();
    const doc = h.sim.files(channel).at(-1)?.bytes.toString('utf8') ?? '';
    expect(doc).toContain('A config flag set the DB pool size to 0');
    expect(doc).toContain('configuration');
    expect(doc).toContain('No canary');
    expect(doc).toContain('Rolled back the 13:55 deploy');
    expect(doc).toContain('Add a canary stage to checkout-api');
  });

  it('refuses a missing root cause and a time before the start inline, then resolves with "not known yet"', async () => {
    await start();
    const { channel } = await declare();
    h.clock.set('2026-11-23T14:30:00Z');
    const a = h.person(alice);
    await a.command('resolve', channel);
    a.fill({ 'What fixed it?': 'Restarted the pods' });
    const noCause = await a.submit();
    expect(noCause.errors?.root_cause).toMatch(/root cause/i);
    expect(incident().status).toBe('investigating');

    a.fill({ 'Root cause': 'Memory leak', 'Resolved at': new Date('2026-11-23T13:00:00Z') });
    const early = await a.submit();
    expect(early.errors?.resolved_at).toMatch(/before the incident started/);
    expect(incident().status).toBe('investigating');

    a.fill({
      'Root cause': '',
      'Root cause not known yet?': true,
      'Resolved at': new Date('2026-11-23T14:25:00Z'),
    });
    const ok = await a.submit();
    expect(ok.errors).toBeUndefined();
    await h.idle();
    expect(incident()).toMatchObject({ status: 'resolved', rootCausePending: true, rootCauseSummary: null });
    expect(seen(channel)).toMatch(/not known yet/);
  });

  it('only channel members may resolve; the summary’s Resolve button opens the same modal', async () => {
    await start();
    const { channel } = await declare();
    const r = await h.person(carol).command('INC-1 resolve', WS.channels.general);
    expect(r.reply?.text).toMatch(/Only members of/);
    expect(h.person(carol).hasView()).toBe(false);
    const summary = h.sim.pins(channel)[0];
    if (!summary) throw new Error('no summary');
    await h.person(bob).click('Resolve', { channel, ts: summary.ts });
    await h.idle();
    expect(h.person(bob).view().callback_id).toBe('resolve_modal');
  });
});

describe('root-cause reminders', () => {
  it('DM the lead every working day at 10:00 their time until filled, never twice per slot, even after a restart', async () => {
    await start();
    const { channel } = await declare();
    h.clock.set('2026-11-23T14:30:00Z');
    await h.person(alice).command('resolve', channel);
    await h.person(alice).fillAndSubmit({ 'What fixed it?': 'Restarted', 'Root cause not known yet?': true });
    await h.idle();

    await at('2026-11-23T15:05:00Z'); // Monday 10:05 New York: same day as the resolution
    expect(h.sim.dms(alice)).toHaveLength(0);
    await at('2026-11-24T14:55:00Z'); // Tuesday 09:55
    expect(h.sim.dms(alice)).toHaveLength(0);
    await at('2026-11-24T15:00:00Z'); // Tuesday 10:00
    expect(h.sim.dms(alice)).toHaveLength(1);
    expect(dmText(alice)[0]).toContain('INC-1');
    expect(dmText(alice)[0]).toContain('Write the root cause');
    await at('2026-11-24T15:05:00Z');
    await at('2026-11-24T20:00:00Z');
    expect(h.sim.dms(alice)).toHaveLength(1);

    // A second process on the same database (a restart): the slot is already claimed.
    await runRemindersInSecondProcess();
    expect(h.sim.dms(alice)).toHaveLength(1);

    await at('2026-11-25T15:10:00Z'); // Wednesday
    expect(h.sim.dms(alice)).toHaveLength(2);
    await at('2026-11-28T15:30:00Z'); // Saturday
    await at('2026-11-29T15:30:00Z'); // Sunday
    expect(h.sim.dms(alice)).toHaveLength(2);

    // The button in the DM opens the root-cause modal; saving it ends the reminders.
    const dm = h.sim.dms(alice).at(-1);
    if (!dm) throw new Error('no DM');
    await h.person(alice).click('Write the root cause', { channel: dm.channel, ts: dm.ts });
    await h.idle();
    expect(h.person(alice).view().callback_id).toBe('root_cause_modal');
    await h.person(alice).fillAndSubmit({
      'Root cause': 'Leaky connection pool in v2.3',
      'Root-cause category': 'software bug',
    });
    await h.idle();
    expect(incident()).toMatchObject({
      rootCausePending: false,
      rootCauseSummary: 'Leaky connection pool in v2.3',
    });
    expect(seen(channel)).toContain('Leaky connection pool in v2.3');
    await at('2026-11-30T15:10:00Z');
    expect(h.sim.dms(alice)).toHaveLength(2);
  });

  it('a failed DM is retried on the next run and sent once', async () => {
    await start();
    const { channel } = await declare();
    await h.person(alice).command('resolve', channel);
    await h.person(alice).fillAndSubmit({ 'What fixed it?': 'Restarted', 'Root cause not known yet?': true });
    await h.idle();
    h.sim.fault('chat.postMessage', { error: 'ratelimited' });
    await at('2026-11-24T15:00:00Z');
    expect(h.sim.dms(alice)).toHaveLength(0);
    await at('2026-11-24T15:05:00Z');
    expect(h.sim.dms(alice)).toHaveLength(1);
    await at('2026-11-24T15:10:00Z');
    expect(h.sim.dms(alice)).toHaveLength(1);
  });
});

describe('follow-ups', () => {
  it('owner is reminded when due and while overdue (after close too); Snooze pauses, Done stops; no duplicate after restart', async () => {
    await start({ env: { ARCHIVE_POLICY: 'never' } });
    const { channel } = await declare();
    const add = await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due wed', channel);
    expect(add.reply?.text).toContain('Add a canary stage');
    expect(add.reply?.text).toContain('2026-11-25');
    await h.person(alice).command('resolve', channel);
    await h.person(alice).fillAndSubmit({ 'What fixed it?': 'Rolled back', 'Root cause': 'Bad deploy' });
    await h.idle();
    await h.person(alice).command('close', channel);
    await h.idle();
    expect(incident().status).toBe('closed');
    expect(h.sim.channel(channel)?.is_archived).toBe(false);

    await at('2026-11-24T09:30:00Z'); // Tuesday, not due yet
    expect(h.sim.dms(bob)).toHaveLength(0);
    await at('2026-11-25T08:59:00Z'); // Wednesday 09:59 Berlin
    expect(h.sim.dms(bob)).toHaveLength(0);
    await at('2026-11-25T09:00:00Z'); // Wednesday 10:00 Berlin: due today
    expect(dmText(bob)).toHaveLength(1);
    expect(dmText(bob)[0]).toContain('due *today*');
    await at('2026-11-25T12:00:00Z');
    expect(h.sim.dms(bob)).toHaveLength(1);
    await at('2026-11-26T09:01:00Z'); // Thursday: 1 day overdue
    expect(dmText(bob)[1]).toContain('1 day overdue');

    await runRemindersInSecondProcess();
    expect(h.sim.dms(bob)).toHaveLength(2);

    // Snooze from the DM until Tuesday: nothing Friday or Monday, again on Tuesday.
    const dm = h.sim.dms(bob).at(-1);
    if (!dm) throw new Error('no DM');
    await h.person(bob).click('Snooze', { channel: dm.channel, ts: dm.ts });
    await h.idle();
    expect(h.person(bob).view().callback_id).toBe('snooze_modal');
    const r = await h.person(bob).fillAndSubmit({ 'No reminders until': '2026-12-01' });
    expect(r.errors).toBeUndefined();
    await h.idle();
    expect(h.sim.renderBlocks(h.sim.message(dm.channel, dm.ts)?.blocks)).toContain(
      'snoozed until 2026-12-01',
    );
    await at('2026-11-27T09:05:00Z');
    await at('2026-11-30T09:05:00Z');
    expect(h.sim.dms(bob)).toHaveLength(2);
    await at('2026-12-01T09:05:00Z');
    expect(h.sim.dms(bob)).toHaveLength(3);

    // Done in the DM stops it.
    const last = h.sim.dms(bob).at(-1);
    if (!last) throw new Error('no DM');
    await h.person(bob).click('Done', { channel: last.channel, ts: last.ts });
    await h.idle();
    await h.idle();
    expect(h.sim.renderBlocks(h.sim.message(last.channel, last.ts)?.blocks)).toContain('done');
    await at('2026-12-02T09:05:00Z');
    expect(h.sim.dms(bob)).toHaveLength(3);
  });

  it('/incident followups lists mine, all, or one incident’s, with working Done and Snooze buttons', async () => {
    await start();
    const { channel } = await declare();
    await h.person(alice).command('followup Add a canary <@U0BOB> due 2026-11-30', channel);
    await h.person(alice).command('followup Alert on pool exhaustion <@U0BOB|bob>', channel);
    await h.person(alice).command('followup Write the postmortem', channel);
    const b = h.person(bob);
    const mine = await b.command('followups', WS.channels.general);
    const shown = h.sim.renderBlocks(mine.reply?.blocks as never);
    expect(shown).toContain('Add a canary');
    expect(shown).toContain('Alert on pool exhaustion');
    expect(shown).not.toContain('Write the postmortem');
    const all = await b.command('followups all', WS.channels.general);
    expect(h.sim.renderBlocks(all.reply?.blocks as never)).toContain('Write the postmortem');
    const one = await b.command('followups INC-1', WS.channels.general);
    expect(h.sim.renderBlocks(one.reply?.blocks as never)).toContain('Write the postmortem');

    await b.command('followups', WS.channels.general);
    await b.click('Done');
    await h.idle();
    await h.idle();
    const after = b.lastEphemeral(WS.channels.general);
    expect(h.sim.renderBlocks(after?.blocks as never)).toMatch(/done by/);
    expect(h.db.$client.prepare("select count(*) n from follow_ups where status = 'done'").get()).toEqual({
      n: 1,
    });

    await b.command('followups', WS.channels.general);
    await b.click('Snooze');
    await h.idle();
    const bad = await b.fillAndSubmit({ 'No reminders until': '2026-11-20' });
    expect(bad.errors?.snooze_until).toMatch(/after today/);
    const good = await b.fillAndSubmit({ 'No reminders until': '2026-12-07' });
    expect(good.errors).toBeUndefined();
    await h.idle();
    expect(
      h.db.$client.prepare('select snoozed_until s from follow_ups where snoozed_until is not null').get(),
    ).toEqual({
      s: '2026-12-07',
    });

    // Someone neither owner nor channel member cannot finish bob's follow-up.
    await h.person(carol).command('followups all', WS.channels.general);
    await h.person(carol).click('Done');
    await h.idle();
    await h.idle();
    expect(h.person(carol).lastEphemeral()?.text).toMatch(/Only the owner/);
    expect(h.db.$client.prepare("select count(*) n from follow_ups where status = 'done'").get()).toEqual({
      n: 1,
    });
  });

  it(':fast_forward: on a message in the incident channel makes it a follow-up once', async () => {
    await start();
    const { channel } = await declare();
    const msg = await h.person(bob).say(channel, 'We should alert on @alice pool exhaustion & retries');
    await h.idle();
    await h.person(alice).react(channel, msg.ts, 'fast_forward');
    await h.idle();
    await h.person(bob).react(channel, msg.ts, 'fast_forward');
    await h.idle();
    const rows = h.db.$client.prepare('select text, owner_id from follow_ups').all();
    expect(rows).toEqual([
      // Slack sent `<@U0ALICE> pool exhaustion &amp; retries`: decoded once, the name from the directory.
      { text: 'We should alert on @alice pool exhaustion & retries', owner_id: alice },
    ]);
    expect(h.person(alice).lastEphemeral(channel)?.text).toMatch(/follow-up #\d+ of INC-1/);
    // Elsewhere the emoji means nothing.
    const other = await h.person(bob).say(WS.channels.general, 'unrelated');
    await h.person(alice).react(WS.channels.general, other.ts, 'fast_forward');
    await h.idle();
    expect(h.db.$client.prepare('select count(*) n from follow_ups').get()).toEqual({ n: 1 });
  });
});

describe('reopen and close', () => {
  it('reopens a resolved incident with a timeline entry and a message in the channel', async () => {
    await start();
    const { channel } = await declare();
    await h.person(alice).command('resolve', channel);
    await h.person(alice).fillAndSubmit({ 'What fixed it?': 'Restarted', 'Root cause': 'Leak' });
    await h.idle();
    await h.person(bob).command('reopen errors are back', channel);
    await h.idle();
    expect(incident()).toMatchObject({ status: 'investigating', resolvedAt: null });
    expect(seen(channel)).toContain('reopened INC-1: errors are back');
    expect(h.sim.topic(channel)).toContain('Investigating');
    const kinds = h.db.$client.prepare('select kind from timeline_events order by id').all() as {
      kind: string;
    }[];
    expect(kinds.map((k) => k.kind)).toContain('reopened');
  });

  it('close archives the channel on close (policy on-close)', async () => {
    await start({ env: { ARCHIVE_POLICY: 'on-close' } });
    const { channel } = await declare();
    const early = await h.person(alice).command('close', channel);
    expect(early.reply?.text).toMatch(/Resolve INC-1 first/);
    await h.person(alice).command('resolve', channel);
    await h.person(alice).fillAndSubmit({ 'What fixed it?': 'Restarted', 'Root cause': 'Leak' });
    await h.idle();
    await h.person(alice).command('close', channel);
    await h.idle();
    expect(incident().status).toBe('closed');
    expect(incident().archivedAt).not.toBeNull();
    expect(h.sim.channel(channel)?.is_archived).toBe(true);
    expect(seen(channel)).toContain('closed INC-1');
    expect(h.sim.renderBlocks(h.sim.pins(channel)[0]?.blocks)).toContain('Closed');
  });

  it('archives N days after resolution with after-<N>d', async () => {
    await start({ env: { ARCHIVE_POLICY: 'after-7d' } });
    const { channel } = await declare();
    await h.person(alice).command('resolve', channel);
    await h.person(alice).fillAndSubmit({ 'What fixed it?': 'Restarted', 'Root cause': 'Leak' });
    await h.idle();
    await h.bot.scheduler.run('archive-channels');
    await h.idle();
    expect(h.sim.channel(channel)?.is_archived).toBe(false);
    h.clock.advance(7 * 86_400_000 + 60_000);
    await h.bot.scheduler.run('archive-channels');
    await h.idle();
    expect(h.sim.channel(channel)?.is_archived).toBe(true);
    expect(incident()).toMatchObject({ status: 'closed' });
    expect(h.sim.renderBlocks(h.sim.pins(channel)[0]?.blocks)).toContain('Closed');
    expect(seen(channel)).toContain('Archiving this channel');
  });
});
