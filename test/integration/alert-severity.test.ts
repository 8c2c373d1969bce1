import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../sim/types.js';
import { ALERT_RAISE_RETRY_JOB } from '../../src/alerts/slack/register.js';
import { getIncidentById, getIncidentByNumber } from '../../src/incidents/queries.js';
import {
  ALERT_CHANNEL,
  ALERTS_TOKEN,
  fixture,
  genericAlert,
  type PostResult,
  pdEvent,
  pdSignature,
  postAlert,
  startAlertHarness,
} from '../helpers/alerts.js';
import { makeIncident } from '../helpers/db.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * A group's severity follows its most severe firing alert, and an incident made from it is asked,
 * never changed: the alert senders' real payloads over authenticated HTTP, Slack as the simulator.
 */

const { alice, bob } = WS.users;
let h: Harness;

async function start(): Promise<Harness> {
  h = await startAlertHarness();
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined as unknown as Harness;
});

const cards = (): SimMessage[] => h.sim.messages(ALERT_CHANNEL).filter((m) => m.user === WS.botUser);
const shown = (m: SimMessage | undefined): string => h.sim.renderBlocks(m?.blocks, m?.text);
const card = (): string => shown(cards()[0]);
/** The bot's "an alert came in at SEVn" messages in a channel. */
const suggestions = (channel: string): SimMessage[] =>
  h.sim
    .messages(channel)
    .filter((m) => m.user === WS.botUser && /An alert came in at SEV/.test(m.text ?? ''));
const timeline = (incidentId: number) =>
  h.db.$client
    .prepare(
      'select kind, text, author_id as authorId from timeline_events where incident_id = ? order by id',
    )
    .all(incidentId) as { kind: string; text: string; authorId: string | null }[];

/** Is this Web API call the bot's "An alert came in" question, posted in `channel`? */
const asksIn = (channel: string | null) => (a: Record<string, unknown>) =>
  a.channel === channel && /An alert came in/.test(String(a.text));
/** How each attempt to post the question ended: 'ok' or Slack's error. */
const askAttempts = (asks: (a: Record<string, unknown>) => boolean) =>
  h.sim
    .calls('chat.postMessage')
    .filter((c) => asks(c.args))
    .map((c) => c.error ?? 'ok');

/** A redelivery of the re-rating is a repeat that asks nothing more; pressing the one question raises. */
async function redeliveredThenRaised(
  inc: { id: number; channelId: string | null },
  redeliver: () => Promise<PostResult>,
) {
  const channel = inc.channelId ?? '';
  expect((await redeliver()).body.duplicates).toBe(1);
  await h.idle();
  expect(suggestions(channel)).toHaveLength(1);
  await h.person(alice).click('Raise to SEV1', { channel, ts: suggestions(channel)[0]?.ts ?? '' });
  await h.idle();
  expect(getIncidentById(h.db, inc.id)?.severity).toBe(1);
}

/** PagerDuty's webhook, signed as PagerDuty signs it (X-PagerDuty-Signature). */
async function postPagerDuty(payload: unknown) {
  const raw = JSON.stringify(payload);
  return postAlert(h, 'pagerduty', null, { raw, headers: { 'x-pagerduty-signature': pdSignature(raw) } });
}

const warning = (id: string, title: string) =>
  genericAlert(id, { title, severity: 'medium', group: 'checkout' });
const critical = (id: string, title: string) =>
  genericAlert(id, { title, severity: 'critical', group: 'checkout' });

/** A SEV3 alert (a generic warning unless `first` sends another), declared from its card by alice. */
async function declaredAtSev3(
  first: () => Promise<unknown> = () =>
    postAlert(h, 'generic', warning('latency', 'Checkout latency above 1s')),
) {
  await first();
  await h.idle();
  expect(card()).toContain('Declare (SEV3)');
  await h.person(alice).click('Declare (SEV3)', { channel: ALERT_CHANNEL, ts: cards()[0]?.ts ?? '' });
  await h.idle();
  const inc = getIncidentByNumber(h.db, 1);
  if (!inc?.channelId) throw new Error('no incident channel');
  expect(inc.severity).toBe(3);
  return inc as typeof inc & { channelId: string };
}

describe('a group’s severity is its most severe firing alert', () => {
  it('a critical alert after a warning raises the card to SEV1 and says which alert did; it never drops back', async () => {
    await start();
    await postAlert(h, 'generic', warning('latency', 'Checkout latency above 1s'));
    await h.idle();
    expect(card()).toContain('Declare (SEV3)');

    await postAlert(h, 'generic', critical('errors', 'Checkout returns 502 for every request'));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(card()).toContain('2 alerts');
    expect(card()).toContain('Declare (SEV1)');
    expect(card()).not.toContain('Declare (SEV3)');
    expect(card()).toContain(
      "SEV1 from the alert's severity `critical`: raised by the later alert *Checkout returns 502 for every request* (the first was SEV3)",
    );

    // The critical alert resolves: it still said the problem was that bad, so the card stays SEV1.
    await postAlert(h, 'generic', {
      ...critical('errors', 'Checkout returns 502 for every request'),
      status: 'resolved',
    });
    await h.idle();
    expect(card()).toContain('Declare (SEV1)');
    await h.person(alice).click('Declare (SEV1)', { channel: ALERT_CHANNEL, ts: cards()[0]?.ts ?? '' });
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.severity).toBe(1);
  });

  it('a dismissed card comes back when a worse alert joins it', async () => {
    await start();
    await postAlert(h, 'generic', warning('latency', 'Checkout latency above 1s'));
    await h.idle();
    await h
      .person(alice)
      .choose('Dismiss for…', '1 hour', { channel: ALERT_CHANNEL, ts: cards()[0]?.ts ?? '' });
    await h.idle();
    expect(card()).toContain('Dismissed');
    await postAlert(h, 'generic', warning('latency-2', 'Checkout latency above 1s in eu'));
    await h.idle();
    expect(card()).toContain('Dismissed');
    await postAlert(h, 'generic', critical('errors', 'Checkout returns 502'));
    await h.idle();
    expect(card()).not.toContain('Dismissed');
    expect(card()).toContain('Declare (SEV1)');
  });

  it('a less severe later alert changes nothing', async () => {
    await start();
    await postAlert(h, 'generic', critical('errors', 'Checkout returns 502'));
    await postAlert(
      h,
      'generic',
      genericAlert('slow', { title: 'Checkout slow', severity: 'low', group: 'checkout' }),
    );
    await h.idle();
    expect(card()).toContain('Declare (SEV1)');
    expect(card()).toContain("SEV1 from the alert's severity `critical`");
    expect(card()).not.toContain('raised by');
  });
});

describe('an incident whose alert comes in more severe is asked, not changed', () => {
  it('posts one message with "Raise to SEV1"; a non-member is refused; the button raises it as /incident severity would', async () => {
    await start();
    const inc = await declaredAtSev3();
    await postAlert(h, 'generic', critical('errors', 'Checkout returns 502 for every request'));
    await h.idle();

    // Not changed by the alert.
    expect(getIncidentById(h.db, inc.id)?.severity).toBe(3);
    const asked = suggestions(inc.channelId);
    expect(asked).toHaveLength(1);
    const text = shown(asked[0]);
    expect(text).toContain('An alert came in at SEV1');
    expect(text).toContain('above INC-1’s SEV3');
    expect(text).toContain('Checkout returns 502 for every request');
    expect(text).toContain("SEV1 from the alert's severity `critical`");
    expect(text).toContain('Raise to SEV1');
    // The alert's arrival is on the timeline, as for every alert joining an incident.
    expect(timeline(inc.id).map((e) => e.text)).toContain(
      'Alert firing: Checkout returns 502 for every request (generic)',
    );
    // The card (a public channel) is not where the incident is asked.
    expect(card()).not.toContain('Raise to');

    // bob is not in the incident channel: refused like /incident severity, nothing changes.
    await h.person(bob).click('Raise to SEV1', { channel: inc.channelId, ts: asked[0]?.ts ?? '' });
    await h.idle();
    expect(h.person(bob).lastEphemeral()?.text).toContain('Only members of');
    expect(getIncidentById(h.db, inc.id)?.severity).toBe(3);

    await h.person(alice).click('Raise to SEV1', { channel: inc.channelId, ts: asked[0]?.ts ?? '' });
    await h.idle();
    expect(getIncidentById(h.db, inc.id)?.severity).toBe(1);
    const entry = timeline(inc.id).find((e) => e.kind === 'severity');
    expect(entry).toMatchObject({ text: 'Severity SEV3 → SEV1', authorId: alice });
    // The same notice, topic and announcement as the command's.
    expect(h.sim.render(inc.channelId)).toContain('changed the severity: SEV3 → *SEV1*');
    const announcement = h.sim.messages(WS.channels.announce).find((m) => /INC-1/.test(m.text ?? ''));
    expect(shown(announcement)).toContain('SEV1');
    expect(shown(announcement)).not.toContain('SEV3');
    // The message's button is gone and it says who raised it.
    const answered = shown(suggestions(inc.channelId)[0]);
    expect(answered).not.toContain('Raise to SEV1');
    expect(answered).toContain(`<@${alice}> raised INC-1 to *SEV1*`);
  });

  it('a button pressed after the incident was set higher does not lower it', async () => {
    await start();
    const inc = await declaredAtSev3();
    await postAlert(
      h,
      'generic',
      genericAlert('errors', { title: 'Errors up', severity: 'high', group: 'checkout' }),
    );
    await h.idle();
    const asked = suggestions(inc.channelId)[0];
    expect(shown(asked)).toContain('Raise to SEV2');
    expect((await h.person(alice).command('severity 1', inc.channelId)).reply?.text).toContain('SEV1');
    await h.person(alice).click('Raise to SEV2', { channel: inc.channelId, ts: asked?.ts ?? '' });
    await h.idle();
    expect(getIncidentById(h.db, inc.id)?.severity).toBe(1);
    expect(h.person(alice).lastEphemeral()?.text).toContain('INC-1 is already SEV1');
  });

  it('a redelivered webhook, another alert at that level and a lost Slack answer still ask once per level', async () => {
    await start();
    const inc = await declaredAtSev3();
    const asks = asksIn(inc.channelId);
    // Slack posts the message but its answer is lost: the bot cannot know it was posted.
    h.sim.fault('chat.postMessage', { status: 500, afterEffect: true }, { when: asks });
    const payload = genericAlert('errors', { title: 'Errors up', severity: 'high', group: 'checkout' });
    expect((await postAlert(h, 'generic', payload)).status).toBe(200);
    await h.idle();
    expect(askAttempts(asks)).toEqual(['http_500']);
    // The sender did not hear our 2xx and sends it again; then another alert at SEV2 and one that
    // flaps (resolves and fires again).
    expect((await postAlert(h, 'generic', payload)).body.duplicates).toBe(1);
    await postAlert(
      h,
      'generic',
      genericAlert('errors-eu', { title: 'Errors up in eu', severity: 'high', group: 'checkout' }),
    );
    await postAlert(h, 'generic', { ...payload, status: 'resolved' });
    await postAlert(h, 'generic', payload);
    await h.idle();
    expect(suggestions(inc.channelId).map((m) => shown(m))).toEqual([
      expect.stringContaining('Raise to SEV2'),
    ]);
    // Worse still is a new question.
    await postAlert(h, 'generic', critical('down', 'Checkout down'));
    await h.idle();
    expect(suggestions(inc.channelId).map((m) => shown(m))).toEqual([
      expect.stringContaining('Raise to SEV2'),
      expect.stringContaining('Raise to SEV1'),
    ]);
    expect(getIncidentById(h.db, inc.id)?.severity).toBe(3);
  });

  it('when Slack refuses the question, the retry job asks it again, once', async () => {
    await start();
    const inc = await declaredAtSev3();
    const asks = asksIn(inc.channelId);
    h.sim.fault('chat.postMessage', { error: 'internal_error' }, { when: asks });
    await postAlert(h, 'generic', critical('errors', 'Checkout returns 502'));
    await h.idle();
    expect(askAttempts(asks)).toEqual(['internal_error']);
    expect(suggestions(inc.channelId)).toHaveLength(0);
    await h.bot.scheduler.run(ALERT_RAISE_RETRY_JOB);
    await h.idle();
    expect(suggestions(inc.channelId).map((m) => shown(m))).toEqual([
      expect.stringContaining('Raise to SEV1'),
    ]);
    await h.bot.scheduler.run(ALERT_RAISE_RETRY_JOB);
    await h.idle();
    expect(suggestions(inc.channelId)).toHaveLength(1);
  });

  it('an auto-declared incident whose channel is still being made is asked once the channel exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routes-'));
    const file = join(dir, 'routes.yml');
    writeFileSync(
      file,
      'routes:\n  - name: checkout\n    match:\n      labels: { team: checkout }\n    auto_declare: true\n',
    );
    h = await startAlertHarness({ ALERT_ROUTES: file });
    // Slack is slow to make the channel: the worse alert arrives while the incident has none.
    h.sim.fault('conversations.create', { delayMs: 1500 });
    const labels = { team: 'checkout' };
    await postAlert(h, 'generic', { ...warning('latency', 'Checkout latency above 1s'), labels });
    for (let i = 0; i < 100 && !getIncidentByNumber(h.db, 1); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({ severity: 3, channelId: null });
    await postAlert(h, 'generic', { ...critical('errors', 'Checkout returns 502'), labels });
    await h.idle();
    const inc = getIncidentByNumber(h.db, 1);
    if (!inc?.channelId) throw new Error('no incident channel');
    expect(inc.severity).toBe(3);
    expect(suggestions(inc.channelId).map((m) => shown(m))).toEqual([
      expect.stringContaining('Raise to SEV1'),
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a private incident is asked in its own channel only; the card does not name it', async () => {
    await start();
    const secret = makeIncident(h.db, {
      title: 'Secret payroll incident',
      isPrivate: true,
      status: 'investigating',
      severity: 3,
      channelId: 'G0SECRET',
    });
    h.sim.ws.addChannel('G0SECRET', 'inc-secret', [alice, WS.botUser], { is_private: true });
    await postAlert(h, 'generic', warning('latency', 'Payroll export slow'));
    await h.idle();
    // What a private incident's group looks like (alerts reach one only through its own channel).
    h.db.$client
      .prepare('update alert_groups set incident_id = ?, handled_via = ?')
      .run(secret.id, 'attached');
    h.db.$client.prepare('update alerts set incident_id = ?').run(secret.id);
    await postAlert(h, 'generic', critical('errors', 'Payroll export fails'));
    await h.idle();
    expect(suggestions('G0SECRET')).toHaveLength(1);
    const leaked = h.sim
      .calls()
      .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
      .filter((c) => c.args.channel !== 'G0SECRET')
      .map((c) => `${String(c.args.text)} ${String(c.args.blocks)}`)
      .join('\n');
    expect(leaked).not.toContain('Secret payroll');
    expect(leaked).not.toContain(`INC-${secret.number}`);
    expect(leaked).not.toContain('Raise to');
    expect(card()).toContain('a private incident');
  });
});

describe('PagerDuty incident.priority_updated re-rates the stored alert', () => {
  const lowPriority = () =>
    pdEvent('incident.triggered', {
      priority: { id: 'PLOW', summary: 'P3', type: 'priority_reference' },
      urgency: 'low',
    });

  it('raises the group: the card offers SEV1 after the priority went P3 → P1', async () => {
    await start();
    expect((await postPagerDuty(lowPriority())).status).toBe(200);
    await h.idle();
    expect(card()).toContain('Declare (SEV3)');
    // PagerDuty's own sample: the same incident (PGR0VU2), priority now P1.
    const r = await postPagerDuty(fixture('pagerduty/incident.priority_updated.json'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ updated: 1, duplicates: 0, new: 0 });
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(card()).toContain('Declare (SEV1)');
    expect(card()).toContain("SEV1 from the alert's priority `P1`");
    const row = h.db.$client.prepare('select severity, labels from alerts').get() as {
      severity: string;
      labels: string;
    };
    expect(row.severity).toBe('P1');
    expect(JSON.parse(row.labels)).toMatchObject({ priority: 'P1', urgency: 'high' });
  });

  it('an incident made from it is asked once, the change is on its timeline, and a redelivery asks nothing more', async () => {
    await start();
    await postPagerDuty(lowPriority());
    await h.idle();
    await h.person(alice).click('Declare (SEV3)', { channel: ALERT_CHANNEL, ts: cards()[0]?.ts ?? '' });
    await h.idle();
    const inc = getIncidentByNumber(h.db, 1);
    if (!inc?.channelId) throw new Error('no incident channel');
    const updated = fixture('pagerduty/incident.priority_updated.json');
    await postPagerDuty(updated);
    await h.idle();
    expect(getIncidentById(h.db, inc.id)?.severity).toBe(3);
    expect(suggestions(inc.channelId)).toHaveLength(1);
    expect(shown(suggestions(inc.channelId)[0])).toContain("SEV1 from the alert's priority `P1`");
    expect(timeline(inc.id).map((e) => e.text)).toContain(
      'Alert severity changed: A little bump in the road (pagerduty): P3 → P1',
    );
    await redeliveredThenRaised(inc, () => postPagerDuty(updated));
  });
});

describe('Opsgenie UpdatePriority re-rates a stored alert that still fires, and nothing else', () => {
  // Opsgenie's action data (test/fixtures/opsgenie/README.md): the same alert object for every action.
  const updated = () => fixture<{ alert: Record<string, unknown> }>('opsgenie/update-priority.json');
  const created = (priority: string, details: Record<string, string> = {}) => {
    const u = updated();
    return { ...u, action: 'Create', alert: { ...u.alert, priority, details } };
  };
  const closed = () => ({ ...updated(), action: 'Close' });
  const alertRow = () =>
    h.db.$client.prepare('select status, severity, fire_count as fires from alerts').all() as {
      status: string;
      severity: string;
      fires: number;
    }[];

  it('P3 → P1 on an open incident: the group rises, the incident is asked once, the timeline says so', async () => {
    await start();
    const inc = await declaredAtSev3(async () =>
      expect((await postAlert(h, 'opsgenie', created('P3'))).body).toMatchObject({ new: 1 }),
    );

    const r = await postAlert(h, 'opsgenie', updated());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ updated: 1, new: 0, refired: 0, duplicates: 0 });
    await h.idle();
    expect(getIncidentById(h.db, inc.id)?.severity).toBe(3);
    expect(suggestions(inc.channelId)).toHaveLength(1);
    expect(shown(suggestions(inc.channelId)[0])).toContain("SEV1 from the alert's priority `P1`");
    expect(timeline(inc.id).map((e) => e.text)).toContain(
      'Alert severity changed: test alert (opsgenie): P3 → P1',
    );
    expect(alertRow()).toEqual([{ status: 'firing', severity: 'P1', fires: 1 }]);
    // Redelivered: a repeat, nothing asked again.
    await redeliveredThenRaised(inc, () => postAlert(h, 'opsgenie', updated()));
  });

  it('for an alert never stored, or closed, it is answered 200 with `unchanged` and fires nothing', async () => {
    await start();
    const unknown = await postAlert(h, 'opsgenie', updated());
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ stored: 0, new: 0, unchanged: 1 });
    expect(String(unknown.body.reason)).toContain('no longer firing');
    await h.idle();
    expect(alertRow()).toEqual([]);
    expect(cards()).toHaveLength(0);

    await postAlert(h, 'opsgenie', created('P3'));
    await postAlert(h, 'opsgenie', closed());
    await h.idle();
    const before = card();
    const late = await postAlert(h, 'opsgenie', updated());
    expect(late.body).toMatchObject({ stored: 0, refired: 0, updated: 0, unchanged: 1 });
    await h.idle();
    expect(alertRow()).toEqual([{ status: 'resolved', severity: 'P3', fires: 1 }]);
    expect(card()).toBe(before);
    expect(card()).not.toContain('SEV1');
  });

  it("a route's severity_map reads the new priority as it reads a Create's; the Create's details still route it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routes-'));
    const file = join(dir, 'routes.yml');
    // Matched on a detail only the Create carries: the re-rated alert must still be this route's.
    writeFileSync(
      file,
      'routes:\n  - name: web\n    match:\n      labels: { team: web }\n    severity_map: { P2: 1 }\n',
    );
    try {
      h = await startHarness({
        now: '2026-11-23T09:00:00Z',
        env: { ALERTS_TOKEN, ALERT_CHANNEL, ALERT_ROUTES: file },
      });
      h.sim.ws.addChannel(ALERT_CHANNEL, 'alerts', Object.values(WS.users));
      await postAlert(h, 'opsgenie', created('P4', { team: 'web' }));
      await h.idle();
      expect(card()).toContain('Declare (SEV4)');
      const u = updated();
      const r = await postAlert(h, 'opsgenie', { ...u, alert: { ...u.alert, priority: 'P2' } });
      expect(r.body).toMatchObject({ updated: 1 });
      await h.idle();
      expect(cards()).toHaveLength(1);
      expect(card()).toContain('Declare (SEV1)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
