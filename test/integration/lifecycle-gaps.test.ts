import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tzLabel, tzOffsetSeconds } from '../../sim/workspace.js';
import { createApp, type FirebreakApp } from '../../src/app.js';
import { incidents, slackUsers, timelineEvents } from '../../src/db/schema.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { declareIncident } from '../../src/lifecycle/declare.js';
import { setupIncident } from '../../src/lifecycle/slack/setup.js';
import { RESUME_SETUP_JOB } from '../../src/lifecycle/slack/setup-jobs.js';
import { createLogger } from '../../src/log.js';
import type { IncidentChange } from '../../src/runtime/hooks.js';
import { channelOfIncident, makeIncident } from '../helpers/db.js';
import { BACKGROUND_TITLES } from '../helpers/fixtures.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

const { alice, bob, carol } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const channelOf = (n: number) => channelOfIncident(h.db, n);
const summary = (ch: string) => {
  const pin = h.sim.pins(ch)[0];
  if (!pin) throw new Error('no pinned summary');
  return h.sim.renderBlocks(h.sim.message(ch, pin.ts)?.blocks);
};
const incChannels = (n: number) => h.sim.channels().filter((c) => c.name.startsWith(`inc-${n}-`));

/** A workspace member the fixture does not have (same shape the fixture's people get). */
function addPerson(id: string, name: string, realName: string, tz = 'UTC') {
  const now = h.clock.now();
  h.sim.ws.users.set(id, {
    id,
    name,
    real_name: realName,
    tz,
    tz_label: tzLabel(tz, now),
    tz_offset: tzOffsetSeconds(tz, now),
    is_bot: false,
  });
}

async function declared(title = 'Checkout returns 502') {
  const r = await h.person(alice).command(`declare ${title}`);
  await h.idle();
  return channelOf(Number(/INC-(\d+)/.exec(r.reply?.text ?? '')?.[1]));
}

describe('people named in commands (one parser, no directory walk while someone waits)', () => {
  const readDirectory = () => h.bot.deps.people.refresh(h.bot.app.client);

  it('an autocompleted @person arrives escaped and is used by its ID; names come from the directory read at start-up', async () => {
    const ch = await declared();
    const a = h.person(alice);
    // The harness waited for start-up: the member list was read once, in the background.
    expect(h.sim.calls('users.list')).toHaveLength(1);

    const r1 = await a.command('lead @bob', ch);
    expect(h.send.sent.filter((x) => x.payload.command).at(-1)?.payload.text).toBe(`lead <@${bob}|bob>`);
    expect(r1.reply?.text).toBe(`<@${bob}> now leads INC-1.`);
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.leadId).toBe(bob);
    expect(h.sim.members(ch)).toContain(bob);
    expect(h.sim.topic(ch)).toBe('SEV3 · Investigating · Lead: @bob');

    const r2 = await a.command('role scribe carol chandra', ch); // real name, any case
    expect(r2.reply?.text).toBe(`<@${carol}> is now scribe for INC-1.`);
    const r3 = await a.command('role comms Dave Doyle', ch);
    expect(r3.reply?.text).toBe(`<@${WS.users.dave}> is now comms for INC-1.`);
    expect(h.sim.calls('users.list')).toHaveLength(1); // no command read the list
  });

  it('the directory is paged, and someone who joined since the last read is found after an early re-read', async () => {
    for (let k = 0; k < 230; k++)
      addPerson(`U0X${String(k).padStart(4, '0')}`, `extra${k}`, `Extra Person ${k}`);
    const ch = await declared();
    const a = h.person(alice);
    const before = await a.command('role comms Extra Person 229', ch);
    expect(before.reply?.text).toContain('nobody called “Extra Person 229”');
    // The unknown name started a re-read in the background (once the last is 10 min old)…
    h.clock.advance(11 * 60_000);
    await a.command('role comms Extra Person 229', ch);
    await h.idle();
    // …235 people at 200 a page: two calls, the second with the first's (opaque) cursor.
    const calls = h.sim.calls('users.list').slice(1);
    expect(calls.map((c) => c.args.cursor)).toEqual([undefined, expect.any(String)]);
    const after = await a.command('role comms extra person 229', ch);
    expect(after.reply?.text).toContain('<@U0X0229> is now comms');
  });

  it('unknown and ambiguous names get an answer saying what was tried; the bot is no person; nothing changes', async () => {
    addPerson('U0BOB2', 'bobby', 'Bob Becker');
    await readDirectory();
    const ch = await declared();
    const a = h.person(alice);

    const unknown = await a.command('lead @zed', ch);
    expect(unknown.reply?.text).toContain('nobody called “zed”');
    // The fixture's 4 members, bobby, and the two guests (the deactivated account is not counted).
    expect(unknown.reply?.text).toContain('handle, display name and real name of the 7 people');

    const twice = await a.command('lead Bob Becker', ch);
    expect(twice.reply?.text).toContain('“Bob Becker” could be 2 people');
    expect(twice.reply?.text).toContain(`<@${bob}> (bob, Bob Becker)`);
    expect(twice.reply?.text).toContain('<@U0BOB2> (bobby, Bob Becker)');

    const bot = await a.command('lead @firebreak', ch); // escaped to the bot's ID: still no lead
    expect(bot.reply?.text).toContain('is an app, not a person');

    const hostile = await a.command('lead <!channel> <@U0BOB', ch);
    expect(hostile.reply?.text).not.toContain('<!channel>');
    expect(getIncidentByNumber(h.db, 1)?.leadId).toBe(alice);

    // The handle, picked from the list, still picks one of the two.
    expect((await a.command('lead @bobby', ch)).reply?.text).toBe('<@U0BOB2> now leads INC-1.');
  });

  it('when the member list cannot be read again, the last one read still answers', async () => {
    const ch = await declared();
    h.sim.fault('users.list', { error: 'ratelimited' }, { times: 10 });
    await readDirectory();
    const r = await h.person(alice).command('lead Dave Doyle', ch);
    expect(r.reply?.text).toBe(`<@${WS.users.dave}> now leads INC-1.`);
  });
});

describe('people named with should_escape off', () => {
  let plain: Harness;
  beforeEach(async () => {
    plain = await startHarness({ commandEscape: [['/incident', false]] });
  });
  afterEach(async () => {
    await plain.close();
  });

  it('a typed @handle arrives as typed and is found by name, as is a follow-up owner', async () => {
    const r = await plain.person(alice).command('declare Checkout returns 502');
    await plain.idle();
    const ch = channelOfIncident(plain.db, Number(/INC-(\d+)/.exec(r.reply?.text ?? '')?.[1]));
    const lead = await plain.person(alice).command('lead @carol', ch);
    expect(plain.send.sent.filter((x) => x.payload.command).at(-1)?.payload.text).toBe('lead @carol');
    expect(lead.reply?.text).toBe(`<@${carol}> now leads INC-1.`);
    const fu = await plain.person(alice).command('followup add retries @bob due 2026-12-01', ch);
    expect(fu.reply?.text).toContain(`owner <@${bob}>`);
    expect(fu.reply?.text).toContain('*add retries*');
  });
});

describe('an interrupted channel setup is resumed after a restart', () => {
  let second: FirebreakApp | undefined;
  afterEach(async () => {
    await second?.stop();
    second = undefined;
  });

  /** A new bot process on the same database (as after a crash), with its start-up jobs. */
  async function restart(): Promise<FirebreakApp> {
    const app = createApp({
      config: h.config,
      db: h.db,
      logger: createLogger('error'),
      clock: h.clock,
      retryConfig: { retries: 2, minTimeout: 5, maxTimeout: 20 },
      schedules: true,
      // As in the harness: the alert cards' first flush after start-up otherwise sleeps 2 s, which
      // stop() and tasks.idle() wait out.
      alertCoalesceMs: 20,
    });
    await app.start(0);
    for (let quiet = 0; quiet < 3; ) {
      await app.deps.tasks.idle();
      await h.idle();
      if (app.deps.tasks.inFlight === 0 && h.sim.inFlight === 0) quiet++;
      else quiet = 0;
      await new Promise((r) => setTimeout(r, 5));
    }
    return app;
  }

  it('an incident stored just before a crash gets exactly one channel, summary and announcement', async () => {
    const stored = declareIncident(h.db, h.clock, { title: 'Stored before the crash', declaredBy: alice });
    const imported = declareIncident(h.db, h.clock, { title: 'Imported long ago', declaredBy: alice });
    h.db.update(incidents).set({ imported: true }).where(eq(incidents.id, imported.id)).run();
    const failed = declareIncident(h.db, h.clock, { title: 'Setup failed, DM shown', declaredBy: alice });
    h.db.update(incidents).set({ setupError: 'ratelimited' }).where(eq(incidents.id, failed.id)).run();
    const announcements = h.sim.messages(WS.channels.announce).length;

    second = await restart();
    const ch = incChannels(1);
    expect(ch.map((c) => c.name)).toEqual(['inc-1-stored-before-the-crash']);
    expect(incChannels(2)).toHaveLength(0);
    expect(incChannels(3)).toHaveLength(0);
    const id = channelOf(1);
    expect(getIncidentByNumber(h.db, 1)?.channelId).toBe(ch[0]?.id);
    expect(h.sim.members(id)).toContain(alice);
    expect(h.sim.topic(id)).toBe('SEV3 · Investigating · Lead: @alice');
    expect(summary(id)).toContain('INC-1 · Stored before the crash');
    expect(h.sim.messages(WS.channels.announce)).toHaveLength(announcements + 1);
    expect(stored.id).toBe(getIncidentByNumber(h.db, 1)?.id);

    // Every later sweep, in either process, finds nothing to do.
    await second.scheduler.run(RESUME_SETUP_JOB);
    await h.bot.scheduler.run(RESUME_SETUP_JOB);
    await h.idle();
    expect(h.sim.calls('conversations.create')).toHaveLength(1);
    expect(h.sim.pins(id)).toHaveLength(1);
    expect(h.sim.messages(WS.channels.announce)).toHaveLength(announcements + 1);
  });

  it('a setup already running is joined, not repeated, and the joiner is still told', async () => {
    const stored = declareIncident(h.db, h.clock, { title: 'Two at once', declaredBy: alice });
    const told: string[] = [];
    const client = h.bot.app.client;
    const [a, b] = await Promise.all([
      setupIncident(h.deps, client, stored.id),
      setupIncident(h.deps, client, stored.id, { respond: async (t) => told.push(t) }),
    ]);
    await h.idle();
    expect(a).toBe(b);
    expect(h.sim.calls('conversations.create')).toHaveLength(1);
    expect(told).toEqual([`:white_check_mark: INC-1 is ready: <#${channelOf(1)}>.`]);
  });

  it('a crash after the channel was made resumes with the summary, without a second channel', async () => {
    const stored = declareIncident(h.db, h.clock, { title: 'Half set up', declaredBy: alice });
    // The channel is made, then the process "dies" at the next step: the purpose call fails and
    // we wipe the error it recorded, as a crash would not have written one.
    h.sim.fault('conversations.setPurpose', { error: 'fatal_error' });
    await h.bot.scheduler.run(RESUME_SETUP_JOB);
    await h.idle();
    expect(incChannels(1)).toHaveLength(1);
    expect(h.sim.pins(channelOf(1))).toHaveLength(0);
    h.db.update(incidents).set({ setupError: null }).where(eq(incidents.id, stored.id)).run();
    h.sim.clearCalls();

    second = await restart();
    const ch = channelOf(1);
    expect(h.sim.calls('conversations.create')).toHaveLength(0);
    expect(incChannels(1)).toHaveLength(1);
    expect(h.sim.purpose(ch)).toBe('Half set up');
    expect(h.sim.pins(ch)).toHaveLength(1);
    expect(summary(ch)).toContain('INC-1 · Half set up');
    // Done now: the next sweep calls Slack for nothing.
    h.sim.clearCalls();
    await h.bot.scheduler.run(RESUME_SETUP_JOB);
    await h.idle();
    expect(h.sim.calls()).toHaveLength(0);
  });
});

describe('editing services and description', () => {
  it('commands: timeline from → to, summary and channel notice, the updated hook, help', async () => {
    const changes: IncidentChange[] = [];
    h.deps.hooks.subscribe(async (c) => {
      changes.push(c);
    });
    const ch = await declared();
    const a = h.person(alice);

    const r = await a.command('services checkout, payments-api, Checkout', ch);
    expect(r.reply?.text).toBe(':pencil2: Updated INC-1: services.');
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.services).toEqual(['checkout', 'payments-api']);
    expect(summary(ch)).toContain('checkout, payments-api');
    expect(h.sim.renderBlocks(h.sim.lastMessage(ch)?.blocks)).toContain(
      `<@${alice}> changed the services: _none_ → *checkout, payments-api*`,
    );

    await a.command('describe Card payments time out for <!channel> since 08:40\nsecond line', ch);
    await h.idle();
    expect(summary(ch)).toContain('Card payments time out for &lt;!channel&gt; since 08:40');
    expect(JSON.stringify(h.sim.messages(ch).map((m) => m.blocks))).not.toContain('<!channel>');
    expect((await a.command('services checkout, payments-api', ch)).reply?.text).toContain('Nothing changed');

    await a.command('services -', ch);
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.services).toEqual([]);

    const events = h.db
      .select()
      .from(timelineEvents)
      .where(eq(timelineEvents.incidentId, getIncidentByNumber(h.db, 1)?.id ?? 0))
      .all()
      .filter((e) => e.kind === 'services' || e.kind === 'description');
    expect(events.map((e) => [e.kind, e.authorId, e.data])).toEqual([
      ['services', alice, { from: [], to: ['checkout', 'payments-api'] }],
      [
        'description',
        alice,
        { from: '', to: 'Card payments time out for <!channel> since 08:40\nsecond line' },
      ],
      ['services', alice, { from: ['checkout', 'payments-api'], to: [] }],
    ]);
    expect(events[0]?.text).toBe('Services: (none) → checkout, payments-api');
    expect(changes.filter((c) => c.kind === 'updated')).toEqual([
      { kind: 'updated', incidentId: 1, fields: ['services'] },
      { kind: 'updated', incidentId: 1, fields: ['description'] },
      { kind: 'updated', incidentId: 1, fields: ['services'] },
    ]);

    const refused = await h.person(carol).command('INC-1 services x', WS.channels.general);
    expect(refused.reply?.text).toMatch(/Only members of/);
    const tooMany = await a.command(
      `services ${Array.from({ length: 21 }, (_, k) => `s${k}`).join(',')}`,
      ch,
    );
    expect(tooMany.reply?.text).toContain('At most 20 services');
    expect((await a.command('describe', ch)).reply?.text).toContain('Usage');

    const help = (await a.command('help', ch)).reply?.text ?? '';
    expect(help).toContain('/incident services');
    expect(help).toContain('/incident describe');
  });

  it('the Edit details button: prefilled modal, inline errors, one notice, the recurrence hook', async () => {
    const changes: IncidentChange[] = [];
    h.deps.hooks.subscribe(async (c) => {
      changes.push(c);
    });
    const a = h.person(alice);
    await a.command('');
    await a.fillAndSubmit({
      Title: 'Search is slow',
      'Affected services': 'search',
      Description: 'p99 at 4s',
    });
    await h.idle();
    const ch = channelOf(1);
    const ts = h.sim.pins(ch)[0]?.ts ?? '';

    await h.person(carol).click('Edit details', { channel: ch, ts });
    expect(h.person(carol).lastEphemeral()?.text).toMatch(/Only members of/);

    await a.click('Edit details', { channel: ch, ts });
    const v = a.view();
    expect(v.callback_id).toBe('edit_details_modal');
    expect(JSON.stringify(v.blocks)).toContain('"initial_value":"search"');
    expect(JSON.stringify(v.blocks)).toContain('"initial_value":"p99 at 4s"');

    a.fill({ 'Affected services': Array.from({ length: 21 }, (_, k) => `s${k}`).join(', ') });
    const bad = await a.submit();
    expect(bad.errors?.services).toContain('At most 20 services');
    expect(getIncidentByNumber(h.db, 1)?.services).toEqual(['search']);

    a.fill({ Title: 'Search and autocomplete slow', 'Affected services': 'search, autocomplete' });
    const ok = await a.submit();
    expect(ok.errors).toBeUndefined();
    await h.idle();
    const i = getIncidentByNumber(h.db, 1);
    expect(i?.title).toBe('Search and autocomplete slow');
    expect(i?.services).toEqual(['search', 'autocomplete']);
    expect(i?.description).toBe('p99 at 4s');
    expect(summary(ch)).toContain('INC-1 · Search and autocomplete slow');
    expect(summary(ch)).toContain('search, autocomplete');
    expect(h.sim.renderBlocks(h.sim.lastMessage(ch)?.blocks)).toContain(
      'renamed the incident: Search and autocomplete slow; changed the services: search → *search, autocomplete*',
    );
    expect(changes.filter((c) => c.kind === 'updated')).toEqual([
      { kind: 'updated', incidentId: 1, fields: ['title', 'services'] },
    ]);
  });
});

describe('editing details makes the recurrence engine look again', () => {
  it('a vague title says nothing; describing the problem and its service brings the warning', async () => {
    const at = new Date('2026-10-24T09:00:00Z');
    for (const title of BACKGROUND_TITLES) {
      makeIncident(h.db, {
        title,
        description: `${title}. Fixed.`,
        status: 'resolved',
        startedAt: at,
        declaredAt: at,
        resolvedAt: at,
      });
    }
    const old = makeIncident(h.db, {
      title: 'Checkout API returns 502 bad gateway for card payments',
      description:
        'nginx upstream errors: checkout-api connection pool exhausted, 502 for every card payment',
      services: ['checkout'],
      rootCauseSummary: 'Database connection pool exhausted after the 4.2 deploy doubled queries',
      status: 'resolved',
      startedAt: at,
      declaredAt: at,
      resolvedAt: at,
    });
    const ch = await declared('Customers unhappy');
    const warnings = () =>
      h.sim
        .messages(ch)
        .filter((m) => m.user === WS.botUser)
        .map((m) => h.sim.renderBlocks(m.blocks, m.text))
        .filter((t) => t.includes(`INC-${old.number}`));
    expect(warnings()).toHaveLength(0);

    await h.person(alice).command('describe Checkout returns 502 bad gateway on every card payment', ch);
    await h.person(alice).command('services checkout', ch);
    await h.idle();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('Database connection pool exhausted');
  });
});

describe('modal submissions are acknowledged within 3 s whatever Slack is doing', () => {
  it('declare with a typed time while users.info takes 3.5 s: acked in time, read in the right zone', async () => {
    const a = h.person(alice);
    await a.command('');
    // The modal warmed the time-zone cache; a cold cache is what makes the submission wait.
    h.db.delete(slackUsers).run();
    h.sim.fault('users.info', { delayMs: 3500 });
    a.fill({ Title: 'Slow zone', 'Impact started at': '03:30' });
    const started = Date.now();
    const r = await a.submit(); // the sender throws past 3 s
    expect(r.errors).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThan(2000); // it did wait for Slack (this is the slow path)
    await h.idle();
    const i = getIncidentByNumber(h.db, 1);
    expect(i?.startedAt.toISOString()).toBe('2026-11-23T08:30:00.000Z'); // 03:30 in New York
    expect(incChannels(1)).toHaveLength(1);
    expect(a.dms()).toHaveLength(0);
  });

  it('an error found after the late ack reaches the person as a DM with what they typed', async () => {
    const a = h.person(alice);
    await a.command('');
    h.db.delete(slackUsers).run();
    h.sim.fault('users.info', { delayMs: 3500 });
    a.fill({ Title: 'Typed in the future', 'Impact started at': '23:59' });
    const r = await a.submit();
    expect(r.errors).toBeUndefined();
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)).toBeUndefined();
    const dm = a.dms().at(-1)?.text ?? '';
    expect(dm).toContain('Your incident was not declared: Impact can’t start in the future');
    expect(dm).toContain('>Typed in the future');
  });

  it('a malformed time is refused inline at once, without waiting for users.info', async () => {
    const a = h.person(alice);
    await a.command('');
    h.db.delete(slackUsers).run();
    h.sim.fault('users.info', { delayMs: 3500 });
    a.fill({ Title: 'Bad time', 'Impact started at': 'yesterday-ish' });
    const r = await a.submit();
    expect(r.errors?.started_at).toContain('YYYY-MM-DD HH:MM');
  });

  it('users.info failing: the time is read in UTC and the declarer is told so', async () => {
    const a = h.person(alice);
    await a.command('');
    h.db.delete(slackUsers).run();
    h.sim.fault('users.info', { error: 'user_not_found' });
    await a.fillAndSubmit({ Title: 'No zone', 'Impact started at': '08:15' });
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.startedAt.toISOString()).toBe('2026-11-23T08:15:00.000Z');
    expect(a.dms().at(-1)?.text).toContain(
      'Slack could not tell me your time zone, so I read the impact start in UTC',
    );
  });

  it('status and severity modals while conversations.members takes 3.5 s', async () => {
    const ch = await declared();
    const ts = h.sim.pins(ch)[0]?.ts ?? '';
    const a = h.person(alice);
    await a.click('Update status', { channel: ch, ts });
    h.sim.fault('conversations.members', { delayMs: 3500 });
    const r = await a.fillAndSubmit({ Status: 'Identified' });
    expect(r.errors).toBeUndefined();
    await h.idle();
    expect(h.sim.topic(ch)).toBe('SEV3 · Identified · Lead: @alice');

    await a.click('Change severity', { channel: ch, ts });
    h.sim.fault('conversations.members', { delayMs: 3500 });
    await a.fillAndSubmit({ Severity: 'SEV1' });
    await h.idle();
    expect(h.sim.topic(ch)).toBe('SEV1 · Identified · Lead: @alice');
  });
});
