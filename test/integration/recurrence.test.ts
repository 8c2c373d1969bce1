import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../sim/types.js';
import { followUps, incidents, recurrenceLinks } from '../../src/db/schema.js';
import type { Incident, NewIncident } from '../../src/incidents/model.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { RECURRENCE_WARM_JOB } from '../../src/recurrence/jobs.js';
import { recurrenceReady } from '../../src/recurrence/store.js';
import { channelOfIncident, makeIncident } from '../helpers/db.js';
import { BACKGROUND_TITLES } from '../helpers/fixtures.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

const { alice, bob, carol } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness({ now: '2026-11-23T09:00:00Z' });
});
afterEach(async () => {
  await h.close();
});

const DAY = 86_400_000;
const past = (days: number) => new Date(Date.parse('2026-11-23T09:00:00Z') - days * DAY);

/** An earlier, resolved incident, as the resolution feature leaves it. */
function seed(over: Partial<NewIncident>): Incident {
  const at = over.declaredAt ?? past(40);
  return makeIncident(h.db, { status: 'resolved', startedAt: at, declaredAt: at, resolvedAt: at, ...over });
}

/** Background: incidents about other things, so common words are common. */
function seedBackground(): void {
  const titles = [
    ...BACKGROUND_TITLES,
    'Office VPN drops connections every hour',
    'Analytics dashboard shows no data for yesterday',
  ];
  for (const [i, title] of titles.entries()) {
    seed({ title, description: `${title}. Investigated and fixed.`, declaredAt: past(100 + i * 7) });
  }
}

const channelOf = (n: number) => channelOfIncident(h.db, n);
const shown = (m: SimMessage | undefined) => h.sim.renderBlocks(m?.blocks, m?.text);
const botMessages = (ch: string) => h.sim.messages(ch).filter((m) => m.user === WS.botUser);
const recurrenceMessages = (ch: string) =>
  botMessages(ch).filter((m) =>
    /seen before|looks the same|Possibly related|private incident/.test(shown(m)),
  );

async function declare(who: string, title: string): Promise<number> {
  const r = await h.person(who).command(`declare ${title}`, WS.channels.general);
  await h.idle();
  const n = Number(/INC-(\d+)/.exec(r.reply?.text ?? '')?.[1]);
  if (!n) throw new Error(`declare did not answer with a number: ${r.reply?.text}`);
  return n;
}

describe('recurrence warnings', () => {
  it('warns at declaration with root cause, fix, open follow-ups and a checkable why', async () => {
    seedBackground();
    const old = seed({
      title: 'Checkout API returns 502 bad gateway for card payments',
      description:
        'nginx upstream errors: checkout-api connection pool exhausted, 502 for every card payment',
      services: ['checkout'],
      rootCauseSummary: 'Database connection pool exhausted after the 4.2 deploy doubled queries',
      rootCauseCategory: 'deploy/change',
      resolutionSummary: 'Rolled back 4.2 and raised the pool size to 50',
      channelId: 'C0OLDINC1',
      declaredAt: past(30),
    });
    h.db
      .insert(followUps)
      .values({
        incidentId: old.id,
        text: 'Alert on connection pool saturation',
        ownerId: bob,
        dueDate: '2026-11-20',
        createdBy: alice,
        createdAt: past(29),
      })
      .run();

    const n = await declare(alice, 'Checkout returns 502 bad gateway on card payments');
    const msgs = recurrenceMessages(channelOf(n));
    expect(msgs).toHaveLength(1);
    const text = shown(msgs[0]);
    expect(text).toContain(`INC-${old.number}`);
    expect(text).toContain('Checkout API returns 502 bad gateway');
    expect(text).toContain('Database connection pool exhausted');
    expect(text).toContain('Rolled back 4.2');
    expect(text).toContain('Alert on connection pool saturation');
    expect(text).toContain('3 days overdue');
    expect(text).toContain(`<@${bob}>`);
    expect(text).toContain('<#C0OLDINC1>');
    expect(text).toMatch(/Why: shared words .*`checkout`/);
    expect(text).toContain('30 days ago');
    expect(text).toContain('Same problem');
    expect(text).toContain('Not related');
  });

  it('says nothing for an unrelated incident', async () => {
    seedBackground();
    seed({ title: 'Checkout API returns 502 bad gateway', rootCauseSummary: 'pool exhausted' });
    const n = await declare(alice, 'Printer on floor 3 jams with duplex jobs');
    expect(recurrenceMessages(channelOf(n))).toHaveLength(0);
    expect(h.db.select().from(recurrenceLinks).all()).toHaveLength(0);
  });

  it('an open incident like another open one: the notice in both channels, and Join', async () => {
    seedBackground();
    const first = await declare(alice, 'Payments API timeouts for EU customers');
    const second = await declare(bob, 'Payments API timeouts for EU customers again');
    const inSecond = recurrenceMessages(channelOf(second)).map(shown).join('\n');
    const inFirst = recurrenceMessages(channelOf(first)).map(shown).join('\n');
    expect(inSecond).toContain(`*INC-${first}* (Payments API timeouts for EU customers) is open right now`);
    expect(inSecond).toContain('join it?');
    expect(inFirst).toContain(`INC-${second}`);
    expect(inFirst).toContain('is open right now');
    expect(h.sim.members(channelOf(first))).not.toContain(bob);
    const notice = recurrenceMessages(channelOf(second))[0];
    await h.person(bob).click(`Join INC-${first}`, { channel: channelOf(second), ts: notice?.ts ?? '' });
    await h.idle();
    expect(h.sim.members(channelOf(first))).toContain(bob);
  });

  it('"Not related" is remembered: the pair never comes back, and the message shows the verdict', async () => {
    seedBackground();
    const old = seed({ title: 'Search cluster red: disk watermark exceeded', channelId: 'C0OLDINC2' });
    const n = await declare(alice, 'Search cluster red after disk watermark exceeded');
    const warning = recurrenceMessages(channelOf(n))[0];
    expect(shown(warning)).toContain(`INC-${old.number}`);
    await h.person(carol).click('Not related', { channel: channelOf(n), ts: warning?.ts ?? '' });
    await h.idle();
    const after = shown(h.sim.message(channelOf(n), warning?.ts ?? ''));
    expect(after).toContain('Marked not related');
    expect(after).not.toContain('Same problem');
    const link = h.db.select().from(recurrenceLinks).get();
    expect(link?.feedback).toBe('unrelated');

    // Changes and notes re-check the incident; the judged pair stays silent.
    await h
      .person(alice)
      .command('rename Search cluster red: disk watermark exceeded on data nodes', channelOf(n));
    await h.person(alice).command('note disk watermark exceeded again on search nodes', channelOf(n));
    await h.idle();
    expect(recurrenceMessages(channelOf(n))).toHaveLength(1);
  });

  it('"Same problem" records the recurrence for the digest', async () => {
    seedBackground();
    seed({ title: 'Search cluster red: disk watermark exceeded', channelId: 'C0OLDINC2' });
    const n = await declare(alice, 'Search cluster red after disk watermark exceeded');
    const warning = recurrenceMessages(channelOf(n))[0];
    await h.person(bob).click('Same problem', { channel: channelOf(n), ts: warning?.ts ?? '' });
    await h.idle();
    expect(shown(h.sim.message(channelOf(n), warning?.ts ?? ''))).toContain(
      `Marked as the same problem by <@${bob}>`,
    );
    const link = h.db.select().from(recurrenceLinks).get();
    expect(link).toMatchObject({ feedback: 'same', feedbackBy: bob, level: 'warning' });
  });

  it('a private match never leaks: only "ask its lead", never its number, title or cause', async () => {
    seedBackground();
    seed({
      title: 'Payroll export writes salaries to a public S3 bucket',
      description: 'payroll export job wrote salary CSVs to a world-readable S3 bucket',
      rootCauseSummary: 'Terraform change removed the bucket ACL for payroll-exports',
      isPrivate: true,
      channelId: 'G0SECRET',
      leadId: carol,
    });
    const n = await declare(alice, 'Payroll export to S3 bucket writes salary CSVs');
    const text = recurrenceMessages(channelOf(n)).map(shown).join('\n');
    expect(text).toContain('A similar private incident exists; ask its lead');
    expect(text).toContain(`<@${carol}>`);
    for (const secret of ['INC-9', 'public S3 bucket', 'Terraform', 'G0SECRET', 'salar', 'payroll-exports'])
      expect(text).not.toContain(secret);
    // Nowhere public either (announcements, #general).
    for (const ch of [WS.channels.announce, WS.channels.general]) {
      const all = h.sim.messages(ch).map(shown).join('\n');
      expect(all).not.toContain('INC-9');
      expect(all).not.toContain('Terraform');
    }
  });

  it('no pair is shown twice when the incident changes', async () => {
    seedBackground();
    seed({
      title: 'Checkout API returns 502 bad gateway',
      description: 'checkout 502 from the load balancer',
    });
    const n = await declare(alice, 'Checkout returns 502 bad gateway');
    expect(recurrenceMessages(channelOf(n))).toHaveLength(1);
    await h
      .person(alice)
      .command('rename Checkout returns 502 bad gateway from the load balancer', channelOf(n));
    await h.person(alice).command('note load balancer 502 again', channelOf(n));
    await h.idle();
    expect(recurrenceMessages(channelOf(n))).toHaveLength(1);
    expect(h.db.select().from(recurrenceLinks).all()).toHaveLength(1);
  });

  it('at resolution: "this root cause also caused INC-n"', async () => {
    seedBackground();
    const a = seed({
      title: 'Orders stuck',
      rootCauseSummary: 'TLS certificate for payments gateway expired',
      channelId: 'C0OLDA',
    });
    const b = seed({
      title: 'Refunds fail',
      rootCauseSummary: 'The payments gateway TLS certificate expired again',
    });
    const n = await declare(alice, 'Card payments rejected');
    const inc = getIncidentByNumber(h.db, n) as Incident;
    h.db
      .update(incidents)
      .set({
        status: 'resolved',
        resolvedAt: h.clock.now(),
        rootCauseSummary: 'payments gateway TLS certificate expired',
      })
      .where(eq(incidents.id, inc.id))
      .run();
    h.deps.hooks.emit({ kind: 'root_cause_set', incidentId: inc.id });
    await h.idle();
    const text = botMessages(channelOf(n)).map(shown).join('\n');
    expect(text).toContain(`This root cause also caused *INC-${a.number}* (<#C0OLDA>) and *INC-${b.number}*`);
  });

  it('at start-up the index loads in the background: the declaration is answered at once, the warning waits for the load', async () => {
    // 20,000 earlier incidents, the matching one last, so it is read in the load's last chunk.
    const ins = h.db.$client.prepare(
      `insert into incidents (number, title, description, severity, status, services, tags, declared_by,
         started_at, declared_at, created_at, updated_at)
       values (?, ?, ?, 3, 'resolved', '[]', '[]', 'U0DAVE', ?, ?, ?, ?)`,
    );
    const words = [
      'search',
      'login',
      'billing',
      'mobile',
      'cdn',
      'kafka',
      'vpn',
      'analytics',
      'email',
      'dns',
    ];
    h.db.$client.transaction(() => {
      for (let i = 1; i <= 20_000; i++) {
        const at = past(400).getTime() + i * 60_000;
        const topic = `${words[i % 10]} ${words[(i >> 3) % 10]} routine issue ${i}`;
        ins.run(i, topic, `${topic} investigated`, at, at, at, at);
      }
    })();
    const old = seed({
      title: 'Checkout API returns 502 bad gateway for card payments',
      description: 'checkout-api connection pool exhausted',
      rootCauseSummary: 'Database connection pool exhausted',
      declaredAt: past(10),
    });
    const warming = h.bot.scheduler.run(RECURRENCE_WARM_JOB);
    expect(recurrenceReady(h.db)).toBe(false);
    // The raw sender resolves with the HTTP answer (a person's action would wait for the bot to settle).
    const r = await h.send.command(
      alice,
      WS.channels.general,
      'declare Checkout returns 502 bad gateway on card payments',
    );
    // Answered while the index was still loading: the ack never waits for it.
    expect(r.status).toBe(200);
    expect(recurrenceReady(h.db)).toBe(false);
    await warming;
    await h.idle();
    const n = getIncidentByNumber(h.db, old.number + 1)?.number ?? 0;
    expect(h.db.$client.prepare('select count(*) as c from incidents').get()).toEqual({ c: 20_002 });
    const msgs = recurrenceMessages(channelOf(n));
    expect(msgs).toHaveLength(1);
    expect(shown(msgs[0])).toContain(`INC-${old.number}`);
  });
});
