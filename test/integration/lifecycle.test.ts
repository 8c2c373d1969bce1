import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { channelOfIncident } from '../helpers/db.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

const { alice, bob, carol } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const incChannels = () => h.sim.channels().filter((c) => c.name.startsWith('inc-'));
const channelOf = (n: number) => channelOfIncident(h.db, n);
const summaryOf = (ch: string) => {
  const pin = h.sim.pins(ch)[0];
  if (!pin) throw new Error('no pinned summary');
  return pin;
};
const announcementText = () => h.sim.renderBlocks(h.sim.lastMessage(WS.channels.announce)?.blocks);

describe('declaring', () => {
  it('inline: channel, invite, topic, purpose, pinned summary, announcement', async () => {
    const r = await h.person(alice).command('declare Checkout returns 502 for café orders');
    expect(r.reply?.text).toContain('INC-1');
    await h.idle();
    const ch = h.sim.channel('inc-1-checkout-returns-502-for-cafe-orders');
    expect(ch).toBeDefined();
    const id = ch?.id ?? '';
    expect(h.sim.members(id)).toContain(alice);
    expect(h.sim.topic(id)).toBe('SEV3 · Investigating · Lead: @alice');
    expect(h.sim.purpose(id)).toBe('Checkout returns 502 for café orders');
    const summary = h.sim.renderBlocks(summaryOf(id).blocks);
    expect(summary).toContain('INC-1 · Checkout returns 502');
    for (const b of ['Acknowledge', 'Update status', 'Change severity', 'Resolve'])
      expect(summary).toContain(b);
    expect(announcementText()).toContain('INC-1');
    expect(announcementText()).toContain(`<#${id}>`);
  });

  it('via the modal (/incident alone), with inline errors for bad input', async () => {
    const a = h.person(alice);
    await a.command('');
    expect(a.view().callback_id).toBe('declare_modal');
    a.fill({
      Title: 'Search is slow',
      Severity: 'SEV2',
      'Affected services': 'search',
      'Impact started at': '23:59',
    });
    const bad = await a.submit();
    expect(bad.errors?.started_at).toMatch(/future/);
    expect(incChannels()).toHaveLength(0);
    a.fill({ 'Impact started at': '03:30', Lead: bob });
    const ok = await a.submit();
    expect(ok.errors).toBeUndefined();
    await h.idle();
    const i = getIncidentByNumber(h.db, 1);
    expect(i?.severity).toBe(2);
    expect(i?.leadId).toBe(bob);
    expect(i?.services).toEqual(['search']);
    expect(i?.startedAt.toISOString()).toBe('2026-11-23T08:30:00.000Z'); // 03:30 New York
    expect(h.sim.members(channelOf(1))).toEqual(expect.arrayContaining([alice, bob]));
    expect(h.sim.topic(channelOf(1))).toBe('SEV2 · Investigating · Lead: @bob');
  });

  it('via the global shortcut and the message shortcut (message becomes the first timeline entry)', async () => {
    const a = h.person(alice);
    await a.shortcut('declare_incident');
    await a.fillAndSubmit({ Title: 'From the shortcut' });
    const msg = await h.person(bob).say(WS.channels.general, 'Payments are failing with <!channel> timeouts');
    await a.messageShortcut('declare_incident_from_message', WS.channels.general, msg.ts);
    const v = a.view();
    expect(JSON.stringify(v.blocks)).toContain('Payments are failing');
    await a.submit();
    await h.idle();
    expect(
      incChannels()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['inc-1-from-the-shortcut', 'inc-2-payments-are-failing-with-channel-timeouts']);
    const first = h.db.$client
      .prepare(
        'select kind, source_key, author_id from timeline_events where incident_id = 2 order by occurred_at, id limit 1',
      )
      .get() as { kind: string; source_key: string; author_id: string };
    expect(first).toEqual({
      kind: 'message',
      source_key: `msg:${WS.channels.general}:${msg.ts}`,
      author_id: bob,
    });
    expect(getIncidentByNumber(h.db, 2)?.sourcePermalink).toMatch(/^https?:/);
  });

  it('a maximal hostile title stays escaped and within every Slack limit', async () => {
    const title = `<!channel> <@${bob}> *ünïcödé* ${'déjà vu '.repeat(30)}`.slice(0, 150);
    const r = await h.person(alice).command(`declare ${title}`);
    expect(r.reply?.text).not.toContain('<!channel>');
    await h.idle();
    const id = channelOf(1);
    expect(h.sim.channel(id)?.name.length).toBeLessThanOrEqual(80);
    expect(h.sim.calls().filter((c) => !c.ok)).toEqual([]);
    const ann = h.sim.lastMessage(WS.channels.announce);
    expect(`${ann?.text}${JSON.stringify(ann?.blocks)}`).not.toMatch(/<!channel>|<@U0BOB>/);
    expect(h.sim.dms(alice)).toHaveLength(0);
  });

  it('two incidents with the same title get two valid channels', async () => {
    await h.person(alice).command('declare DB down');
    await h.person(bob).command('declare DB down');
    await h.idle();
    expect(
      incChannels()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['inc-1-db-down', 'inc-2-db-down']);
  });

  it('name_taken gets a suffix', async () => {
    // Someone already made the name this incident would get.
    const other = new WebClient(h.sim.token, { slackApiUrl: h.sim.apiUrl });
    await other.conversations.create({ name: 'inc-1-db-down' });
    await h.person(alice).command('declare DB down');
    await h.idle();
    expect(channelOf(1)).toBe(h.sim.channel('inc-1-db-down-2')?.id);
    expect(incChannels()).toHaveLength(2);
  });

  it('a 429 on conversations.create is waited out (Retry-After) and ends with exactly one channel', async () => {
    // A 429 means Slack did nothing: the call waits as told and goes again (src/slack/rate-gate.ts),
    // so rate limiting never fails the setup; 5xx failures that outlast the retries are covered by
    // post-once.test.ts (Retry setup).
    h.sim.fault('conversations.create', { status: 429, retryAfter: 1 }, { times: 2 });
    await h.person(alice).command('declare Rate limited');
    await h.idle();
    expect(h.sim.calls('conversations.create').map((c) => c.status)).toEqual([429, 429, 200]);
    expect(incChannels()).toHaveLength(1);
    expect(getIncidentByNumber(h.db, 1)?.setupError).toBeNull();
    expect(
      h.sim
        .dms(alice)
        .map((m) => h.sim.renderBlocks(m.blocks, m.text))
        .join('\n'),
    ).not.toContain('Retry setup');
    expect(h.sim.messages(WS.channels.announce).filter((m) => m.text.includes('INC-1'))).toHaveLength(1);
  });

  it('a private incident: private channel, announcement reveals nothing, hidden from outsiders', async () => {
    const a = h.person(alice);
    await a.command('declare');
    await a.fillAndSubmit({ Title: 'Payroll data exposed', 'Affected services': 'payroll', Private: true });
    await h.idle();
    const ch = h.sim.channel(channelOf(1));
    expect(ch?.is_private).toBe(true);
    const ann = h.sim.lastMessage(WS.channels.announce);
    const seen = `${ann?.text} ${JSON.stringify(ann?.blocks)}`;
    expect(seen).toContain('A private incident was declared');
    for (const leak of ['Payroll', 'payroll', 'INC-1', alice, ch?.id ?? '?', ch?.name ?? '?'])
      expect(seen).not.toContain(leak);
    const list = await h.person(carol).command('list');
    expect(JSON.stringify(list.reply)).not.toContain('Payroll');
    expect(JSON.stringify((await a.command('list')).reply)).toContain('Payroll');
  });
});

describe('working the incident', () => {
  it('a non-member is refused, by command and by button', async () => {
    await h.person(alice).command('declare Refusal test');
    await h.idle();
    const r = await h.person(carol).command('INC-1 severity 1', WS.channels.general);
    expect(r.reply?.text).toMatch(/Only members of/);
    expect(getIncidentByNumber(h.db, 1)?.severity).toBe(3);
    const ch = channelOf(1);
    await h.person(carol).click('Acknowledge', { channel: ch, ts: summaryOf(ch).ts });
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.acknowledgedAt).toBeNull();
    expect(h.person(carol).lastEphemeral()?.text).toMatch(/Only members of/);
  });

  it('topic, pinned summary and announcement change after each update', async () => {
    const a = h.person(alice);
    await a.command('declare Queue backlog');
    await h.idle();
    const ch = channelOf(1);
    const summaryTs = summaryOf(ch).ts;
    const sum = () => h.sim.renderBlocks(h.sim.message(ch, summaryTs)?.blocks);

    expect(JSON.stringify(h.sim.message(ch, summaryTs)?.blocks)).toContain('incident_acknowledge');
    h.clock.advance(4 * 60_000);
    await h.person(alice).click('Acknowledge', { channel: ch, ts: summaryTs });
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.acknowledgedAt?.toISOString()).toBe('2026-11-23T09:04:00.000Z');
    expect(JSON.stringify(h.sim.message(ch, summaryTs)?.blocks)).not.toContain('incident_acknowledge');

    await a.command('severity 2', ch);
    await h.idle();
    expect(h.sim.topic(ch)).toBe('SEV2 · Investigating · Lead: @alice');
    expect(sum()).toContain('SEV2');
    expect(announcementText()).toContain('SEV2');

    await a.click('Update status', { channel: ch, ts: summaryTs });
    await a.fillAndSubmit({ Status: 'Monitoring', 'Update for stakeholders': 'Rolled back <!channel>' });
    await h.idle();
    expect(h.sim.topic(ch)).toBe('SEV2 · Monitoring · Lead: @alice');
    expect(sum()).toContain('Monitoring');
    expect(announcementText()).toContain('Monitoring');
    const ann = h.sim.lastMessage(WS.channels.announce);
    const thread = h.sim.replies(WS.channels.announce, ann?.ts ?? '');
    expect(thread.map((m) => h.sim.renderBlocks(m.blocks)).join('\n')).toContain('Rolled back');
    expect(JSON.stringify(thread)).not.toContain('<!channel>');

    await a.click('Change severity', { channel: ch, ts: summaryTs });
    await a.fillAndSubmit({ Severity: 'SEV1' });
    await a.command(`lead <@${bob}>`, ch);
    await a.command(`role comms <@${carol}>`, ch);
    await h.idle();
    expect(h.sim.topic(ch)).toBe('SEV1 · Monitoring · Lead: @bob');
    expect(sum()).toContain('SEV1');
    expect(h.sim.members(ch)).toEqual(expect.arrayContaining([bob, carol]));
    expect(JSON.stringify(h.sim.message(ch, summaryTs)?.blocks)).toContain(`<@${carol}>`);
    expect(h.sim.pins(ch)).toHaveLength(1);

    const show = await a.command('show', ch);
    expect(JSON.stringify(show.reply)).toContain('Queue backlog');
    const help = await a.command('help', ch);
    for (const s of [
      'declare',
      'ack',
      'status',
      'severity',
      'lead',
      'role',
      'rename',
      'update',
      'show',
      'list',
    ]) {
      expect(help.reply?.text).toContain(`/incident ${s}`);
    }
  });

  it('App Home lists open incidents, most severe first, with an Open channel button', async () => {
    await h.person(alice).command('declare Minor glitch');
    await h.person(alice).command('declare Everything is down');
    await h.idle();
    await h.person(alice).command('INC-2 severity 1');
    await h.idle();
    await h.person(bob).openHome();
    await h.idle();
    const home = h.sim.renderBlocks(h.person(bob).home()?.blocks);
    expect(home.indexOf('Everything is down')).toBeGreaterThan(-1);
    expect(home.indexOf('Everything is down')).toBeLessThan(home.indexOf('Minor glitch'));
    expect(home).toContain('Open channel');
    await h.person(bob).click('Open channel', 'home');
    await h.person(bob).click('Declare incident', 'home');
    expect(h.person(bob).view().callback_id).toBe('declare_modal');
  });
});
