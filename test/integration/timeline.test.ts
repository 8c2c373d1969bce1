import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTimelineEvent } from '../../src/incidents/add-timeline-event.js';
import type { Incident } from '../../src/incidents/model.js';
import { editHistory, fullTimeline } from '../../src/timeline/page.js';
import { declareAndJoin, type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Timeline capture and reading through the simulator: people post, react, pin, edit and delete in
 * Slack; the bot hears it as signed Events API deliveries shaped like Slack's samples.
 */
const { alice, bob, carol } = WS.users;
let h: Harness;
const declare = (title: string) => declareAndJoin(h, title);

const entries = (inc: Incident) =>
  fullTimeline(h.db, inc.id).filter((e) => e.kind === 'message' || e.kind === 'note');

beforeAll(async () => {
  h = await startHarness({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => {
  await h?.close();
});

describe('capture', () => {
  it('message shortcut in an incident channel: stored at the message’s time with author, files and permalink', async () => {
    const inc = await declare('Checkout returns 502');
    h.clock.advance(5 * 60_000);
    const m = await h.person(bob).say(inc.channelId, 'p99 doubled after deploy 4411', {
      files: [{ name: 'latency.png', content: 'png-bytes' }],
    });
    h.clock.advance(10 * 60_000);
    const r = await h.person(alice).messageShortcut('add_to_timeline', inc.channelId, m.ts);
    expect(r.status).toBe(200);
    await h.idle();
    expect(h.person(alice).lastEphemeral(inc.channelId)?.text).toContain(
      `Added to the INC-${inc.number} timeline`,
    );
    const [e] = entries(inc);
    expect(e).toMatchObject({ text: 'p99 doubled after deploy 4411', authorId: bob, files: ['latency.png'] });
    expect(e?.occurredAt.toISOString()).toBe('2026-11-23T09:05:00.000Z');
    expect(e?.permalink).toMatch(/^https?:\/\//);
  });

  it('message shortcut outside an incident channel asks which open incident', async () => {
    const inc = await declare('Search is slow');
    const m = await h.person(carol).say(WS.channels.random, 'search cluster shows GC pauses of 8s');
    await h.person(alice).messageShortcut('add_to_timeline', WS.channels.random, m.ts);
    await h.idle();
    const view = h.person(alice).view();
    expect(view.callback_id).toBe('pick_incident_modal');
    const res = await h.person(alice).fillAndSubmit({ Incident: String(inc.id) });
    expect(res.errors).toBeUndefined();
    await h.idle();
    expect(h.sim.renderBlocks(h.person(alice).view().blocks)).toContain(
      `Added to the INC-${inc.number} timeline`,
    );
    expect(entries(inc).map((e) => [e.text, e.authorId, e.sourceChannel])).toEqual([
      ['search cluster shows GC pauses of 8s', carol, WS.channels.random],
    ]);
  });

  it('the pick modal refuses someone who is not in the incident channel, inline', async () => {
    const inc = await declare('Outsider test');
    const m = await h.person(carol).say(WS.channels.general, 'unrelated thought');
    await h.person(carol).messageShortcut('add_to_timeline', WS.channels.general, m.ts);
    await h.idle();
    const res = await h.person(carol).fillAndSubmit({ Incident: String(inc.id) });
    expect(res.errors?.incident).toMatch(/Only members/);
    expect(entries(inc)).toHaveLength(0);
  });

  it(':pushpin: reaction captures (thread replies too) and ✅ confirms; removing it marks the entry removed', async () => {
    const inc = await declare('Queue backlog');
    const top = await h.person(bob).say(inc.channelId, 'consumer lag at 2M messages');
    const reply = await h.person(bob).reply(inc.channelId, top.ts, 'lag is in partition 7 only');
    await h.person(alice).react(inc.channelId, top.ts, 'pushpin');
    await h.person(alice).react(inc.channelId, reply.ts, 'pushpin');
    await h.person(alice).react(inc.channelId, top.ts, 'eyes');
    await h.idle();
    expect(entries(inc).map((e) => e.text)).toEqual([
      'consumer lag at 2M messages',
      'lag is in partition 7 only',
    ]);
    const check = h.sim.message(inc.channelId, top.ts)?.reactions.find((x) => x.name === 'white_check_mark');
    expect(check?.users).toEqual([WS.botUser]);
    await h.person(alice).unreact(inc.channelId, top.ts, 'pushpin');
    await h.idle();
    const after = entries(inc);
    expect(after[0]).toMatchObject({
      text: 'consumer lag at 2M messages',
      removedReason: 'reaction removed',
    });
    expect(after[1]?.removedAt).toBeNull();
    const tl = await h.person(bob).command('timeline', inc.channelId);
    expect(h.sim.renderBlocks(tl.reply?.blocks, tl.reply?.text)).toContain('removed: reaction removed');
  });

  it('pinning captures, unpinning marks removed; a pin in a non-incident channel does nothing', async () => {
    const inc = await declare('DNS flaps');
    const m = await h.person(bob).say(inc.channelId, 'resolver 10.0.0.2 timing out');
    await h.person(bob).pin(inc.channelId, m.ts);
    await h.idle();
    expect(entries(inc)).toHaveLength(1);
    expect(entries(inc)[0]?.capturedVia).toBe('pin');
    await h.person(bob).unpin(inc.channelId, m.ts);
    await h.idle();
    expect(entries(inc)[0]?.removedReason).toBe('unpinned');
    const before = fullTimeline(h.db, inc.id).length;
    const g = await h.person(bob).say(WS.channels.general, 'not an incident');
    await h.person(bob).pin(WS.channels.general, g.ts);
    await h.idle();
    expect(fullTimeline(h.db, inc.id)).toHaveLength(before);
    expect(
      h.db.$client.prepare('select count(*) n from timeline_events where source_ts = ?').get(g.ts),
    ).toEqual({ n: 0 });
  });

  it('a Slack retry of the same event is stored once, and so is the same reaction under a new event id', async () => {
    const inc = await declare('Retry storm');
    const m = await h.person(bob).say(inc.channelId, 'retry me');
    const event = {
      type: 'reaction_added',
      user: bob,
      item: { type: 'message', channel: inc.channelId, ts: m.ts },
      reaction: 'pushpin',
      item_user: bob,
      event_ts: m.ts,
    };
    h.sim.clearCalls();
    const first = await h.send.event(event);
    await h.send.event(event, { eventId: first.eventId, retryNum: 1, retryReason: 'http_timeout' });
    await h.send.event(event, { eventId: first.eventId, retryNum: 2, retryReason: 'http_error' });
    await h.send.event(event);
    await h.idle();
    expect(entries(inc)).toHaveLength(1);
    expect(h.sim.calls('reactions.add')).toHaveLength(1);
    expect(h.sim.calls('conversations.history').length).toBeLessThanOrEqual(2);
  });

  it('a message captured three ways (shortcut, pin, reaction) is stored once and survives one removal', async () => {
    const inc = await declare('Three ways');
    const m = await h.person(bob).say(inc.channelId, 'rolled back to v4410');
    await h.person(alice).messageShortcut('add_to_timeline', inc.channelId, m.ts);
    await h.person(bob).pin(inc.channelId, m.ts);
    await h.person(bob).react(inc.channelId, m.ts, 'pushpin');
    await h.idle();
    const all = entries(inc);
    expect(all).toHaveLength(1);
    expect(all[0]?.data?.holds).toEqual(['shortcut', 'pin', `reaction:pushpin:${bob}`]);
    await h.person(bob).unpin(inc.channelId, m.ts);
    await h.idle();
    expect(entries(inc)[0]?.removedAt).toBeNull();
  });

  it('edits and deletion of a captured message are followed, earlier text kept', async () => {
    const inc = await declare('Edit follow');
    const m = await h.person(bob).say(inc.channelId, 'root cause: bad cert');
    await h.person(bob).pin(inc.channelId, m.ts);
    await h.idle();
    await h.person(bob).edit(inc.channelId, m.ts, 'root cause: expired intermediate cert');
    await h.idle();
    const [edited] = entries(inc);
    expect(edited?.text).toBe('root cause: expired intermediate cert');
    expect(edited?.editedAt).not.toBeNull();
    const tl = await h.person(alice).command('timeline', inc.channelId);
    expect(h.sim.renderBlocks(tl.reply?.blocks, tl.reply?.text)).toContain('expired intermediate cert');
    await h.person(bob).delete(inc.channelId, m.ts);
    await h.idle();
    const [gone] = entries(inc);
    expect(gone).toMatchObject({ text: '', removedReason: 'deleted' });
    expect(editHistory(h.db, gone?.id ?? 0).map((x) => [x.change, x.previousText])).toEqual([
      ['edited', 'root cause: bad cert'],
      ['deleted', 'root cause: expired intermediate cert'],
    ]);
    const tl2 = await h.person(alice).command('timeline', inc.channelId);
    expect(h.sim.renderBlocks(tl2.reply?.blocks, tl2.reply?.text)).toContain('message deleted');
  });

  it('likely secrets are redacted before they are stored, and the entry says so', async () => {
    const inc = await declare('Leaky paste');
    const m = await h
      .person(bob)
      .say(
        inc.channelId,
        'try curl -H "Authorization: Bearer abcdef1234567890" postgres://app:Sup3rS3cret@db:5432 key AKIAIOSFODNN7EXAMPLE',
      );
    await h.person(bob).react(inc.channelId, m.ts, 'pushpin');
    const note = await h
      .person(bob)
      .command('note bot token is xoxb-123456789012-abcdefghijkl', inc.channelId);
    expect(note.reply?.text).toContain('redacted');
    await h.idle();
    const stored = JSON.stringify(fullTimeline(h.db, inc.id));
    for (const secret of ['abcdef1234567890', 'Sup3rS3cret', 'AKIAIOSFODNN7EXAMPLE', 'xoxb-123456789012']) {
      expect(stored).not.toContain(secret);
    }
    expect(entries(inc).every((e) => e.redacted)).toBe(true);
    const tl = await h.person(bob).command('timeline', inc.channelId);
    const shown = h.sim.renderBlocks(tl.reply?.blocks, tl.reply?.text);
    expect(shown).toContain('[redacted');
    expect(shown).toContain('secrets redacted');
  });
});

describe('privacy', () => {
  it('a private incident is not offered to non-members in the pick modal, and its timeline is not shown to them', async () => {
    const inc = await declare('Secret project outage');
    h.db.$client.prepare('update incidents set is_private = 1 where id = ?').run(inc.id);
    await h.person(alice).command('note only members may read this', inc.channelId);
    const m = await h.person(carol).say(WS.channels.general, 'something to capture');
    await h.person(carol).messageShortcut('add_to_timeline', WS.channels.general, m.ts);
    await h.idle();
    const offered = JSON.stringify(h.person(carol).view().blocks);
    expect(offered).not.toContain('Secret project outage');
    await h.person(carol).closeView();
    const r = await h.person(carol).command(`INC-${inc.number} timeline`, WS.channels.general);
    expect(r.reply?.text).toMatch(/no such incident, or it is private/);
    expect(JSON.stringify(r.reply)).not.toContain('only members may read this');
    // bob is a member: he is offered it.
    const b = await h.person(bob).say(WS.channels.general, 'bob captures');
    await h.person(bob).messageShortcut('add_to_timeline', WS.channels.general, b.ts);
    await h.idle();
    expect(JSON.stringify(h.person(bob).view().blocks)).toContain('Secret project outage');
    await h.person(bob).closeView();
  });
});

describe('reading', () => {
  it('a 500-entry timeline is paged within Block Kit limits and every page is reachable', async () => {
    const inc = await declare('Very long incident');
    const start = inc.startedAt.getTime();
    h.db.transaction((tx) => {
      for (let k = 0; k < 500; k++) {
        addTimelineEvent(tx, {
          incidentId: inc.id,
          kind: 'note',
          text: `entry ${k} ${'long text with <!channel> & <b> '.repeat(120)}`,
          authorId: bob,
          occurredAt: new Date(start + (k + 1) * 60_000),
          recordedAt: new Date(start),
        });
      }
    });
    const r = await h.person(carol).command('timeline', inc.channelId);
    const total = fullTimeline(h.db, inc.id).length;
    const pages = Math.ceil(total / 10);
    expect(r.reply?.text).toContain(`page 1 of ${pages}`);
    expect(r.reply?.blocks?.length ?? 99).toBeLessThanOrEqual(50);
    const shown = h.sim.renderBlocks(r.reply?.blocks);
    expect(shown).not.toContain('<!channel>');
    // carol sees her own zone (Asia/Kolkata, UTC+5:30).
    expect(shown).toContain(format(new TZDate(inc.startedAt.getTime(), 'Asia/Kolkata'), 'EEE d MMM HH:mm'));
    expect(shown).toContain('times in Asia/Kolkata');
    await h.person(carol).click('Next ›');
    await h.idle();
    expect(h.person(carol).lastEphemeral()?.text).toContain(`page 2 of ${pages}`);
    await h.person(carol).click('Last »');
    await h.idle();
    const last = h.person(carol).lastEphemeral();
    expect(last?.text).toContain(`page ${pages} of ${pages}`);
    expect(h.sim.renderBlocks(last?.blocks)).toContain('entry 499');
    expect(h.sim.renderBlocks(last?.blocks)).toContain('T+8h 20m');
  });

  it('/incident export uploads a Markdown postmortem through the files upload flow', async () => {
    const inc = await declare('Payments timeout');
    h.clock.advance(60_000);
    const m = await h.person(bob).say(inc.channelId, 'gateway p99 at 30s | timeouts everywhere');
    await h.person(bob).react(inc.channelId, m.ts, 'pushpin');
    await h.person(alice).command('note failing over to the secondary gateway', inc.channelId);
    await h.idle();
    const r = await h.person(alice).command('export', inc.channelId);
    expect(r.reply?.text).toContain('Uploading');
    await h.idle();
    expect(h.sim.calls('files.getUploadURLExternal')).not.toHaveLength(0);
    expect(h.sim.calls('files.completeUploadExternal').at(-1)?.ok).toBe(true);
    const [file] = h.sim.files(inc.channelId);
    expect(file?.name).toBe(`inc-${inc.number}-payments-timeout-postmortem.md`);
    const md = file?.bytes.toString('utf8') ?? '';
    expect(md).toContain(`# Postmortem draft — INC-${inc.number}: Payments timeout`);
    for (const s of [
      '## Summary',
      '## Impact window',
      '## People and roles',
      '## Timeline',
      '## Root cause',
      '## Follow-ups',
    ]) {
      expect(md).toContain(s);
    }
    expect(md).toContain('gateway p99 at 30s \\| timeouts everywhere');
    expect(md).toContain('failing over to the secondary gateway');
    expect(h.sim.render(inc.channelId)).toContain('Postmortem draft');
  });

  it('export failure is reported to the person', async () => {
    const inc = await declare('Upload fails');
    h.sim.fault('files.completeUploadExternal', { error: 'internal_error' }, { times: 5 });
    await h.person(alice).command('export', inc.channelId);
    await h.idle();
    h.sim.clearFaults();
    expect(h.person(alice).lastEphemeral(inc.channelId)?.text).toMatch(/could not be uploaded/);
  });
});
