import { afterEach, describe, expect, it } from 'vitest';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { REMINDER_JOB } from '../../src/resolution/slack/reminder-jobs.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Editing follow-ups through the simulator: the Edit button in `/incident followups` and in a
 * reminder DM (prefilled form, inline errors), `/incident followup edit`, who may edit, and
 * reminders that follow the new owner and due date without a second reminder for a slot.
 */
const { alice, bob, carol, dave } = WS.users;
let h: Harness;

afterEach(async () => {
  await h?.close();
});

/** Monday 2026-11-23 14:00 UTC; INC-1 led by alice with bob in its channel (carol and dave are not). */
async function start(): Promise<string> {
  h = await startHarness({ now: '2026-11-23T14:00:00Z' });
  const r = await h.person(alice).command('declare Checkout returns 502');
  expect(r.reply?.text ?? '').toMatch(/INC-1/);
  await h.idle();
  const channel = getIncidentByNumber(h.db, 1)?.channelId;
  if (!channel) throw new Error('declare did not make a channel');
  await h.person(bob).join(channel);
  await h.idle();
  return channel;
}

const at = async (iso: string) => {
  h.clock.set(iso);
  await h.bot.scheduler.run(REMINDER_JOB);
  await h.idle();
};
const dmText = (user: string) => h.sim.dms(user).map((m) => h.sim.renderBlocks(m.blocks, m.text));
const row = () =>
  h.db.$client.prepare('select id, text, owner_id, due_date, snoozed_until from follow_ups').get() as {
    id: number;
    text: string;
    owner_id: string | null;
    due_date: string | null;
    snoozed_until: string | null;
  };
const reminderRows = () =>
  h.db.$client.prepare('select slot, user_id, status from reminders order by id').all() as {
    slot: string;
    user_id: string;
    status: string;
  }[];

describe('editing follow-ups', () => {
  it('Edit in /incident followups: new owner and due date; the new owner is reminded at their 10:00, the old one never', async () => {
    const channel = await start();
    await h.person(alice).command('followup Add a canary stage <@U0BOB|bob> due 2026-11-25', channel);
    const a = h.person(alice);
    const list = await a.command('followups INC-1', channel);
    const shown = h.sim.renderBlocks(list.reply?.blocks as never);
    expect(shown).toContain(`#${row().id} · INC-1`);
    expect(shown).toContain('[Edit]');

    h.clock.set('2026-11-24T13:00:00Z'); // Tuesday
    await a.command('followups INC-1', channel);
    await a.click('Edit');
    await h.idle();
    const view = a.view();
    expect(view.callback_id).toBe('follow_up_edit_modal');
    // Prefilled with what is there now.
    expect(JSON.stringify(view.blocks)).toContain('"initial_user":"U0BOB"');
    expect(JSON.stringify(view.blocks)).toContain('"initial_date":"2026-11-25"');

    // A date in the past is refused on its field, and nothing changes.
    const bad = await a.fillAndSubmit({ Owner: carol, 'Due date': '2026-11-20' });
    expect(bad.errors?.follow_up_due).toMatch(/from today \(2026-11-24\)/);
    expect(row()).toMatchObject({ owner_id: bob, due_date: '2026-11-25' });

    const ok = await a.fillAndSubmit({ Owner: carol, 'Due date': '2026-11-26' });
    expect(ok.errors).toBeUndefined();
    await h.idle();
    expect(row()).toMatchObject({ text: 'Add a canary stage', owner_id: carol, due_date: '2026-11-26' });
    // The list it was clicked in is redrawn with what changed.
    const redrawn = h.sim.renderBlocks(a.lastEphemeral(channel)?.blocks as never);
    expect(redrawn).toContain(`owner <@${bob}> → <@${carol}>`);
    expect(redrawn).toContain('due 2026-11-25 → 2026-11-26');
    // Carol hears she owns it now; the timeline has the change.
    expect(dmText(carol)).toHaveLength(1);
    expect(dmText(carol)[0]).toMatch(/made you the owner/);
    expect(dmText(carol)[0]).toContain('Add a canary stage');
    const ev = h.db.$client
      .prepare("select text from timeline_events where kind = 'follow_up' order by id desc limit 1")
      .get() as { text: string };
    expect(ev.text).toContain(`owner ${bob} → ${carol}; due 2026-11-25 → 2026-11-26`);

    await at('2026-11-25T09:05:00Z'); // Wednesday 10:05 Berlin: the old due date, bob's old slot
    expect(h.sim.dms(bob)).toHaveLength(0);
    expect(h.sim.dms(carol)).toHaveLength(1);
    await at('2026-11-26T04:25:00Z'); // Thursday 09:55 Kolkata
    expect(h.sim.dms(carol)).toHaveLength(1);
    await at('2026-11-26T04:30:00Z'); // Thursday 10:00 Kolkata: due today
    expect(dmText(carol)).toHaveLength(2);
    expect(dmText(carol)[1]).toContain('due *today*');
    await at('2026-11-26T09:05:00Z'); // Thursday 10:05 Berlin
    expect(h.sim.dms(bob)).toHaveLength(0);
    expect(h.sim.dms(carol)).toHaveLength(2);
  });

  it('/incident followup edit: a slot already sent to the old owner is not sent to the new one; Edit in the reminder DM', async () => {
    const channel = await start();
    await h.person(alice).command('followup Alert on pool exhaustion <@U0BOB|bob> due wed', channel);
    const id = row().id;
    await at('2026-11-25T09:00:00Z'); // Wednesday 10:00 Berlin
    expect(dmText(bob)).toHaveLength(1);

    // 10:00 UTC: bob hands it to dave (UTC), whose 10:00 slot of the same date is already open.
    h.clock.set('2026-11-25T10:00:00Z');
    const r = await h
      .person(bob)
      .command(`followup edit ${id} <@U0DAVE|dave> Alert on DB pool exhaustion`, channel);
    expect(r.reply?.text).toContain(`Follow-up #${id} of INC-1`);
    expect(r.reply?.text).toContain('new text');
    await h.idle();
    expect(row()).toMatchObject({
      owner_id: dave,
      text: 'Alert on DB pool exhaustion',
      due_date: '2026-11-25',
    });
    expect(dmText(dave)).toHaveLength(1); // told he owns it
    expect(dmText(dave)[0]).toMatch(/made you the owner/);
    await at('2026-11-25T10:05:00Z');
    await at('2026-11-25T20:00:00Z');
    expect(h.sim.dms(dave)).toHaveLength(1);
    expect(reminderRows()).toEqual([{ slot: '2026-11-25', user_id: bob, status: 'sent' }]);
    await at('2026-11-26T10:00:00Z'); // Thursday 10:00 UTC: dave's, 1 day overdue
    expect(h.sim.dms(dave)).toHaveLength(2);
    expect(dmText(dave)[1]).toContain('1 day overdue');
    await at('2026-11-26T10:05:00Z');
    expect(h.sim.dms(bob)).toHaveLength(1);

    // Edit from the reminder: dave moves the date; the DM shows it, and reminders wait for it.
    const dm = h.sim.dms(dave).at(-1);
    if (!dm) throw new Error('no DM');
    await h.person(dave).click('Edit', { channel: dm.channel, ts: dm.ts });
    await h.idle();
    expect(h.person(dave).view().callback_id).toBe('follow_up_edit_modal');
    const ok = await h.person(dave).fillAndSubmit({ 'Due date': '2026-12-01' });
    expect(ok.errors).toBeUndefined();
    await h.idle();
    expect(h.sim.renderBlocks(h.sim.message(dm.channel, dm.ts)?.blocks)).toContain(
      'due 2026-11-25 → 2026-12-01',
    );
    await at('2026-11-27T10:05:00Z');
    await at('2026-11-30T10:05:00Z');
    expect(h.sim.dms(dave)).toHaveLength(2);
    await at('2026-12-01T10:05:00Z');
    expect(h.sim.dms(dave)).toHaveLength(3);

    // Owner and date can be cleared from the command: no owner, no reminders.
    const clear = await h.person(alice).command(`followup edit #${id} owner none due none`, channel);
    expect(clear.reply?.text).toMatch(/no owner/);
    expect(row()).toMatchObject({ owner_id: null, due_date: null });
  });

  it('refuses someone who is neither the owner nor in the channel, and a bad date in the command', async () => {
    const channel = await start();
    await h.person(alice).command('followup Write the postmortem <@U0BOB|bob>', channel);
    const id = row().id;
    const c = h.person(carol);
    const cmd = await c.command(`followup edit ${id} <@U0CAROL> due fri`, WS.channels.general);
    expect(cmd.reply?.text).toMatch(/Only the owner of that follow-up or members of INC-1/);
    await c.command('followups all', WS.channels.general);
    await c.click('Edit');
    await h.idle();
    expect(c.hasView()).toBe(false);
    expect(c.lastEphemeral()?.text).toMatch(/Only the owner/);
    expect(row()).toMatchObject({ owner_id: bob, due_date: null });

    // The owner may edit from anywhere, even outside the channel.
    const bad = await h.person(bob).command(`followup edit ${id} due someday`, WS.channels.general);
    expect(bad.reply?.text).toMatch(/can’t read “someday”/);
    const past = await h.person(bob).command(`followup edit ${id} due 2026-11-01`, WS.channels.general);
    expect(past.reply?.text).toMatch(/from today/);
    const none = await h.person(bob).command('followup edit 999 due fri', WS.channels.general);
    expect(none.reply?.text).toMatch(/no follow-up #999/);
    const good = await h.person(bob).command(`followup edit ${id} due fri`, WS.channels.general);
    expect(good.reply?.text).toContain('due _none_ → 2026-11-27');
    expect(row().due_date).toBe('2026-11-27');
    // Editing is not adding: no second follow-up was made from "edit …".
    expect(h.db.$client.prepare('select count(*) n from follow_ups').get()).toEqual({ n: 1 });
  });

  it('a private incident’s follow-up goes only to someone in its channel', async () => {
    h = await startHarness({ now: '2026-11-23T14:00:00Z' });
    const a = h.person(alice);
    await a.command('declare');
    await a.fillAndSubmit({ Title: 'Payroll export leaks salaries', Severity: 'SEV2', Private: true });
    await h.idle();
    const channel = getIncidentByNumber(h.db, 1)?.channelId;
    if (!channel) throw new Error('no channel');
    await a.command('followup Rotate the export bucket key', channel);
    const id = row().id;
    const out = await a.command(`followup edit ${id} <@U0CAROL>`, channel);
    expect(out.reply?.text).toMatch(/not in INC-1’s private channel/);
    expect(h.sim.dms(carol)).toHaveLength(0);
    await a.command('followups INC-1', channel);
    await a.click('Edit');
    await h.idle();
    const bad = await a.fillAndSubmit({ Owner: carol });
    expect(bad.errors?.follow_up_owner).toMatch(/private channel/);
    expect(row().owner_id).toBeNull();
    const mine = await a.fillAndSubmit({ Owner: alice });
    expect(mine.errors).toBeUndefined();
    await h.idle();
    expect(row().owner_id).toBe(alice);
    expect(h.sim.dms(alice)).toHaveLength(0); // she made herself the owner: no notice
  });
});
