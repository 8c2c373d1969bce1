import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../sim/types.js';
import { startSimulator } from '../../sim/web-api.js';
import { ALERT_DISMISSALS_JOB } from '../../src/alerts/slack/register.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDb, openDb } from '../../src/db/client.js';
import { migrateDb } from '../../src/db/migrate.js';
import { followUps } from '../../src/db/schema.js';
import { DIGEST_JOB } from '../../src/digest/slack/jobs.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { createLogger } from '../../src/log.js';
import { FakeClock } from '../../src/runtime/clock.js';
import {
  ALERT_CHANNEL,
  ALERTS_TOKEN,
  alertRows,
  fixture,
  genericAlert,
  pdEvent,
  pdSignature,
  postAlert,
  startAlertHarness,
} from '../helpers/alerts.js';
import { freePort } from '../helpers/child-bot.js';
import { makeIncident } from '../helpers/db.js';
import { declareAndJoin, type Harness, startHarness, WS } from '../helpers/harness.js';

const { alice, bob } = WS.users;
let h: Harness;

async function start(env: Record<string, string> = {}): Promise<Harness> {
  h = await startAlertHarness(env);
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined as unknown as Harness;
});

const cards = (): SimMessage[] => h.sim.messages(ALERT_CHANNEL).filter((m) => m.user === WS.botUser);
const shown = (m: SimMessage | undefined): string => h.sim.renderBlocks(m?.blocks, m?.text);
const posts = (channel = ALERT_CHANNEL) =>
  h.sim.calls('chat.postMessage').filter((c) => c.args.channel === channel && c.ok).length;

describe('alert endpoints: who may send, and what is refused', () => {
  it('do not exist without ALERTS_TOKEN', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    const r = await postAlert(h, 'generic', genericAlert('a1'));
    expect(r.status).toBe(404);
    expect(String(r.body.error)).toContain('ALERTS_TOKEN');
    expect(alertRows(h)).toHaveLength(0);
  });

  it('refuse a missing or wrong token with 401 and store nothing', async () => {
    await start();
    const none = await postAlert(h, 'alertmanager', fixture('alertmanager/firing.json'), { token: null });
    expect(none.status).toBe(401);
    const wrong = await postAlert(h, 'alertmanager', fixture('alertmanager/firing.json'), {
      token: 'not-the-token-at-all',
    });
    expect(wrong.status).toBe(401);
    await h.idle();
    expect(alertRows(h)).toHaveLength(0);
    expect(cards()).toHaveLength(0);
  });

  it('answers 400 naming the field for malformed payloads, 413 for oversized ones', async () => {
    await start();
    const notJson = await postAlert(h, 'generic', null, { raw: '{"alerts": [' });
    expect(notJson.status).toBe(400);
    expect(String(notJson.body.error)).toContain('not JSON');
    const am = fixture<{ alerts: Record<string, unknown>[] }>('alertmanager/firing.json');
    (am.alerts[0] as Record<string, unknown>).status = 'burning';
    const bad = await postAlert(h, 'alertmanager', am);
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toContain('alerts[0].status');
    const noTitle = await postAlert(h, 'generic', { id: 'x' });
    expect(noTitle.status).toBe(400);
    expect(String(noTitle.body.error)).toContain('title');
    const huge = await postAlert(
      h,
      'generic',
      genericAlert('big', { description: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);
    await h.idle();
    expect(alertRows(h)).toHaveLength(0);
  });

  it('checks PagerDuty’s X-PagerDuty-Signature when PAGERDUTY_WEBHOOK_SECRET is set', async () => {
    await start();
    const payload = pdEvent('incident.triggered');
    const raw = JSON.stringify(payload);
    const unsigned = await postAlert(h, 'pagerduty', payload);
    expect(unsigned.status).toBe(401);
    const forged = await postAlert(h, 'pagerduty', null, {
      raw,
      headers: { 'x-pagerduty-signature': pdSignature(raw, 'other-secret') },
    });
    expect(forged.status).toBe(401);
    expect(alertRows(h)).toHaveLength(0);
    // During a secret rotation PagerDuty sends one signature per secret; one match is enough.
    const signed = await postAlert(h, 'pagerduty', null, {
      raw,
      headers: { 'x-pagerduty-signature': `${pdSignature(raw, 'old-secret')},${pdSignature(raw)}` },
    });
    expect(signed.status).toBe(200);
    expect(alertRows(h)).toHaveLength(1);
  });
});

describe('each sender’s sample payload becomes a stored alert and a triage card', () => {
  it('Alertmanager: stored before the 2xx, one card with what, where and since when', async () => {
    await start();
    const r = await postAlert(h, 'alertmanager', fixture('alertmanager/firing.json'));
    expect(r.status).toBe(200);
    expect(r.body.new).toBe(1);
    expect(alertRows(h)).toMatchObject([
      { source: 'alertmanager', fingerprint: '1a30ba71cca2921f', status: 'firing' },
    ]);
    await h.idle();
    expect(cards()).toHaveLength(1);
    const card = shown(cards()[0]);
    expect(card).toContain('BlackBox Probe Failure: https://server.example.org');
    expect(card).toContain('http_checks');
    expect(card).toContain('severity=critical');
    expect(card).toContain('Declare');
  });

  it('Grafana: two alerts of one notification are one card with a count', async () => {
    await start();
    const r = await postAlert(h, 'grafana', fixture('grafana/firing.json'));
    expect(r.status).toBe(200);
    expect(r.body.new).toBe(2);
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(shown(cards()[0])).toContain('2 alerts');
    expect(shown(cards()[0])).toContain('This alert was triggered for zone us-1');
  });

  it('PagerDuty: incident events follow one alert; events without alert state are answered and ignored', async () => {
    await start({ PAGERDUTY_WEBHOOK_SECRET: '' });
    const ping = await postAlert(h, 'pagerduty', fixture('pagerduty/service.updated.json'));
    expect(ping.status).toBe(200);
    expect(ping.body.stored).toBe(0);
    expect(String(ping.body.ignored)).toContain('service.updated');
    const r = await postAlert(h, 'pagerduty', fixture('pagerduty/incident.priority_updated.json'));
    expect(r.status).toBe(200);
    expect(alertRows(h)).toMatchObject([{ source: 'pagerduty', fingerprint: 'PGR0VU2', status: 'firing' }]);
    await h.idle();
    expect(shown(cards()[0])).toContain('A little bump in the road');
    expect(shown(cards()[0])).toContain('API Service');
    const resolved = await postAlert(h, 'pagerduty', pdEvent('incident.resolved'));
    expect(resolved.body.resolved).toBe(1);
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(shown(cards()[0])).toContain(':white_check_mark:');
  });

  it('Opsgenie: Create fires, Close resolves, the alias is the identity', async () => {
    await start();
    const create = fixture<Record<string, unknown>>('opsgenie/create.json');
    expect((await postAlert(h, 'opsgenie', create)).status).toBe(200);
    const ack = await postAlert(h, 'opsgenie', { ...create, action: 'Acknowledge' });
    expect(ack.body.stored).toBe(0);
    expect((await postAlert(h, 'opsgenie', { ...create, action: 'Close' })).body.resolved).toBe(1);
    expect(alertRows(h)).toMatchObject([
      { source: 'opsgenie', fingerprint: 'monitoring-alert-001', status: 'resolved' },
    ]);
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(shown(cards()[0])).toContain('Test alert from monitoring');
  });

  it('generic: the documented shape', async () => {
    await start();
    const r = await postAlert(h, 'generic', fixture('generic/firing.json'));
    expect(r.status).toBe(200);
    await h.idle();
    expect(shown(cards()[0])).toContain('Checkout returns 502 Bad Gateway');
    expect(shown(cards()[0])).toContain('checkout');
  });
});

describe('the same alert is one alert, followed firing → resolved → firing', () => {
  it('deduplicates by fingerprint and edits the one card in place', async () => {
    await start();
    const payload = fixture('alertmanager/firing.json');
    await postAlert(h, 'alertmanager', payload);
    await h.idle();
    const again = await postAlert(h, 'alertmanager', payload);
    expect(again.body.duplicates).toBe(1);
    await h.idle();
    expect(alertRows(h)).toHaveLength(1);
    expect(posts()).toBe(1);
    const resolved = fixture<{ status: string; alerts: Record<string, unknown>[] }>(
      'alertmanager/firing.json',
    );
    resolved.status = 'resolved';
    Object.assign(resolved.alerts[0] as object, { status: 'resolved', endsAt: '2026-11-23T08:59:00Z' });
    expect((await postAlert(h, 'alertmanager', resolved)).body.resolved).toBe(1);
    await h.idle();
    expect(shown(cards()[0])).toContain('resolved');
    h.clock.advance(5 * 60_000);
    expect((await postAlert(h, 'alertmanager', payload)).body.refired).toBe(1);
    await h.idle();
    expect(alertRows(h)).toMatchObject([{ status: 'firing', fire_count: 2 }]);
    expect(posts()).toBe(1);
    expect(h.sim.calls('chat.update').filter((c) => c.ok).length).toBeGreaterThanOrEqual(2);
  });
});

describe('the memory answers on the card, and Declare starts the incident from it', () => {
  it('shows the earlier incident’s root cause, fix and open follow-up, then declares with the alert attached', async () => {
    await start();
    const at = new Date('2026-10-20T10:00:00Z');
    const old = makeIncident(h.db, {
      title: 'Checkout returns 502 Bad Gateway from payments-api',
      description: 'upstream connect error or disconnect/reset before headers from payments-api',
      services: ['checkout'],
      status: 'resolved',
      rootCauseSummary: 'payments-api connection pool exhausted after the deploy',
      resolutionSummary: 'Rolled back and raised the pool size',
      declaredAt: at,
      startedAt: at,
      resolvedAt: at,
    });
    h.db
      .insert(followUps)
      .values({
        incidentId: old.id,
        text: 'Alert on pool saturation',
        ownerId: bob,
        dueDate: '2026-11-01',
        createdBy: alice,
        createdAt: at,
      })
      .run();
    for (const [i, title] of [
      'Search index stale',
      'Login emails delayed',
      'Android app crash on launch',
    ].entries())
      makeIncident(h.db, {
        title,
        status: 'resolved',
        declaredAt: new Date(at.getTime() - (i + 1) * 86_400_000),
      });
    await postAlert(h, 'generic', fixture('generic/firing.json'));
    await h.idle();
    const card = shown(cards()[0]);
    expect(card).toContain('matches INC-1');
    expect(card).toContain('payments-api connection pool exhausted');
    expect(card).toContain('Rolled back and raised the pool size');
    expect(card).toContain('Alert on pool saturation');

    // The sample's `severity: critical` (no route): the card offers SEV1.
    await h.person(alice).click('Declare (SEV1)', { channel: ALERT_CHANNEL, ts: cards()[0]?.ts ?? '' });
    await h.idle();
    const inc = getIncidentByNumber(h.db, 5);
    expect(inc?.title).toBe('Checkout returns 502 Bad Gateway');
    expect(inc?.severity).toBe(1);
    expect(inc?.declaredBy).toBe(alice);
    expect(inc?.startedAt.toISOString()).toBe('2026-11-23T08:55:00.000Z');
    expect(inc?.channelId).toBeTruthy();
    expect(alertRows(h)[0]?.incident_id).toBe(inc?.id);
    const after = shown(cards()[0]);
    expect(after).toContain('Declared as *INC-5*');
    expect(after).not.toContain('Dismiss for');
    const timeline = h.db.$client
      .prepare("select text from timeline_events where incident_id = ? and kind = 'alert'")
      .all(inc?.id) as { text: string }[];
    expect(timeline.map((t) => t.text)).toEqual(['Alert firing: Checkout returns 502 Bad Gateway (generic)']);
  });
});

describe('Attach, Dismiss, auto-declare, and alerts inside an incident', () => {
  it('Attach offers open public incidents (never private ones) and puts the alerts on the timeline', async () => {
    await start();
    const inc = await declareAndJoin(h, 'Checkout errors for card payments');
    makeIncident(h.db, { title: 'Secret payroll incident', isPrivate: true, status: 'investigating' });
    // Declared later, so a plain newest-first list would offer it first.
    const other = makeIncident(h.db, {
      title: 'Search results stale for shoppers',
      status: 'investigating',
      declaredAt: new Date('2026-11-23T09:30:00Z'),
    });
    await postAlert(h, 'generic', fixture('generic/firing.json'));
    await h.idle();
    const card = cards()[0] as SimMessage;
    const options = JSON.stringify(card.blocks);
    const offered = [...options.matchAll(/"text":"(INC-\d+)[^"]*"/g)].map((m) => m[1]);
    // The likely incident first (the memory ranks the open ones), the others after it.
    expect(offered.slice(0, 2)).toEqual([`INC-${inc.number}`, `INC-${other.number}`]);
    expect(options).toContain(`INC-${inc.number} Checkout errors for card payments`);
    expect(options).not.toContain('payroll');
    await h.person(bob).choose('Attach to…', `INC-${inc.number} Checkout errors for card payments`, {
      channel: ALERT_CHANNEL,
      ts: card.ts,
    });
    await h.idle();
    expect(shown(cards()[0])).toContain(`Attached to *INC-${inc.number}*`);
    expect(alertRows(h)[0]?.incident_id).toBe(inc.id);
    expect(h.sim.render(inc.channelId)).toContain('attached an alert');
    // The pinned summary lists the alert still firing.
    const summary = h.sim.pins(inc.channelId)[0];
    expect(shown(summary)).toContain('Alerts still firing (1)');
    // It resolves: on the timeline, off the summary, and the channel is offered Resolve.
    await postAlert(
      h,
      'generic',
      genericAlert('checkout-5xx', { title: 'Checkout returns 502 Bad Gateway', status: 'resolved' }),
    );
    await h.idle();
    const kinds = h.db.$client
      .prepare("select text from timeline_events where incident_id = ? and kind = 'alert' order by id")
      .all(inc.id) as { text: string }[];
    expect(kinds.map((k) => k.text)).toEqual([
      'Alert firing: Checkout returns 502 Bad Gateway (generic)',
      'Alert resolved: Checkout returns 502 Bad Gateway (generic)',
    ]);
    expect(shown(h.sim.pins(inc.channelId)[0])).not.toContain('Alerts still firing');
    const prompt = h.sim.messages(inc.channelId).find((m) => /All alerts of INC-/.test(m.text ?? ''));
    expect(prompt).toBeDefined();
    await h.person(bob).click('Resolve', { channel: inc.channelId, ts: prompt?.ts ?? '' });
    expect(h.person(bob).view().title?.text ?? JSON.stringify(h.person(bob).view())).toMatch(/Resolve/);
  });

  it('a forged Attach to a private incident is refused', async () => {
    await start();
    const secret = makeIncident(h.db, {
      title: 'Secret payroll incident',
      isPrivate: true,
      status: 'investigating',
    });
    await postAlert(h, 'generic', fixture('generic/firing.json'));
    await h.idle();
    const card = cards()[0] as SimMessage;
    const groupId = (h.db.$client.prepare('select id from alert_groups').get() as { id: number }).id;
    await h.send.blockAction(
      bob,
      { channel: ALERT_CHANNEL, ts: card.ts },
      {
        type: 'static_select',
        action_id: 'alert_attach',
        block_id: `alert_actions:${groupId}`,
        selected_option: { text: { type: 'plain_text', text: 'x' }, value: `${groupId}:${secret.id}` },
      },
    );
    await h.idle();
    expect(alertRows(h)[0]?.incident_id).toBeNull();
    expect(h.person(bob).lastEphemeral()?.text).toContain('public incidents');
  });

  it('Dismiss quiets the card for the chosen time; new alerts are still counted on it', async () => {
    await start();
    await postAlert(
      h,
      'generic',
      genericAlert('disk-1', { title: 'Disk almost full on db-1', group: 'disks' }),
    );
    await h.idle();
    const card = cards()[0] as SimMessage;
    await h.person(alice).choose('Dismiss for…', '1 hour', { channel: ALERT_CHANNEL, ts: card.ts });
    await h.idle();
    expect(shown(cards()[0])).toContain('Dismissed by <@U0ALICE>');
    expect(shown(cards()[0])).not.toContain('Declare');
    await postAlert(
      h,
      'generic',
      genericAlert('disk-2', { title: 'Disk almost full on db-2', group: 'disks' }),
    );
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(shown(cards()[0])).toContain('2 alerts');
    expect(shown(cards()[0])).toContain('Dismissed');
    // The hour is over: the card gets its buttons back.
    h.clock.advance(61 * 60_000);
    await h.bot.scheduler.run(ALERT_DISMISSALS_JOB);
    await h.idle();
    expect(shown(cards()[0])).not.toContain('Dismissed');
    expect(shown(cards()[0])).toContain('Declare');
  });

  it('a route with auto_declare declares at once, with the route’s severity and channel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routes-'));
    const file = join(dir, 'routes.yml');
    writeFileSync(
      file,
      `routes:\n  - name: payments\n    match:\n      labels: { team: payments }\n    channel: ${ALERT_CHANNEL}\n    severity: 1\n    services: [payments]\n    auto_declare: true\n`,
    );
    await start({ ALERT_CHANNEL: WS.channels.random, ALERT_ROUTES: file });
    await postAlert(
      h,
      'generic',
      genericAlert('pay-1', { title: 'Payments API latency above 2s', labels: { team: 'payments' } }),
    );
    await postAlert(
      h,
      'generic',
      genericAlert('other-1', { title: 'Something else', labels: { team: 'search' } }),
    );
    await h.idle();
    const inc = getIncidentByNumber(h.db, 1);
    expect(inc).toMatchObject({
      title: 'Payments API latency above 2s',
      severity: 1,
      services: ['payments'],
      leadId: null,
    });
    expect(inc?.channelId).toBeTruthy();
    expect(shown(cards()[0])).toContain('Declared automatically as *INC-1*');
    // The unmatched alert went to the default channel, undeclared.
    expect(h.sim.render(WS.channels.random)).toContain('Something else');
    expect(getIncidentByNumber(h.db, 2)).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('severity: the sender’s own, unless a route sets one', () => {
  const routesFile = (text: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'routes-'));
    const file = join(dir, 'routes.yml');
    writeFileSync(file, text);
    return file;
  };

  it('a critical Alertmanager alert without a route: the card offers SEV1, says why, and Declare makes SEV1', async () => {
    await start();
    await postAlert(h, 'alertmanager', fixture('alertmanager/firing.json'));
    await h.idle();
    const card = shown(cards()[0]);
    expect(card).toContain('Declare (SEV1)');
    expect(card).toContain("SEV1 from the alert's severity `critical`");
    await h.person(alice).click('Declare (SEV1)', { channel: ALERT_CHANNEL, ts: cards()[0]?.ts ?? '' });
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.severity).toBe(1);
  });

  it('an unknown word keeps SEV3 and the card says so', async () => {
    await start();
    await postAlert(h, 'generic', genericAlert('odd-1', { severity: 'foo' }));
    await h.idle();
    const card = shown(cards()[0]);
    expect(card).toContain('Declare (SEV3)');
    expect(card).toContain("SEV3, the default: the alert's severity `foo` is not one I know");
  });

  it('a route’s severity overrides the sender’s; auto_declare without one uses the sender’s', async () => {
    const file = routesFile(
      `routes:\n  - name: probes\n    match:\n      labels: { alertname: ProbeFailure }\n    severity: 4\n  - name: payments\n    match:\n      labels: { team: payments }\n    auto_declare: true\n`,
    );
    await start({ ALERT_ROUTES: file });
    await postAlert(h, 'alertmanager', fixture('alertmanager/firing.json'));
    await h.idle();
    const card = shown(cards()[0]);
    expect(card).toContain('Declare (SEV4)');
    expect(card).not.toContain('Declare (SEV1)');
    expect(card).toContain('SEV4, set by route `probes`');
    await postAlert(
      h,
      'generic',
      genericAlert('pay-1', { title: 'Payments down', severity: 'sev2', labels: { team: 'payments' } }),
    );
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({ title: 'Payments down', severity: 2 });
    rmSync(dirname(file), { recursive: true, force: true });
  });
});

/**
 * How many card renders the coalescing flusher can make for changes arriving over `stormMs`: its
 * waits double from `firstMs` up to 15 × `firstMs`; every round that starts within the storm renders
 * at most once, and one more renders what came last.
 */
function coalescedRounds(firstMs: number, stormMs: number): number {
  let rounds = 1;
  for (let at = firstMs, wait = firstMs; at <= stormMs; wait = Math.min(wait * 2, firstMs * 15), at += wait)
    rounds++;
  return rounds;
}

describe('a storm', () => {
  it('1,000 alerts from one source: all stored, one card with the count, a handful of Slack calls, no 429', async () => {
    h = await startHarness({
      now: '2026-11-23T09:00:00Z',
      env: { ALERTS_TOKEN, ALERT_CHANNEL },
      rateLimits: true,
      // Short enough that the storm (about 0.5 s here) spans several rounds, so the doubling shows.
      alertCoalesceMs: 100,
    });
    h.sim.ws.addChannel(ALERT_CHANNEL, 'alerts', Object.values(WS.users));
    // Ten senders at once, 100 alerts each in requests of 10, as a flapping fleet would send them.
    const stormStart = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async (_, s) => {
        for (let r = 0; r < 10; r++) {
          const alerts = Array.from({ length: 10 }, (_, k) =>
            genericAlert(`node-${s}-${r}-${k}`, { title: `Node down: node-${s}-${r}-${k}`, group: 'fleet' }),
          );
          const res = await postAlert(h, 'generic', { alerts });
          expect(res.status).toBe(200);
        }
      }),
    );
    const stormMs = performance.now() - stormStart;
    await h.idle();
    expect((h.db.$client.prepare('select count(*) as n from alerts').get() as { n: number }).n).toBe(1000);
    expect(cards()).toHaveLength(1);
    expect(shown(cards()[0])).toContain('1000 alerts');
    const slackCalls = h.sim
      .calls()
      .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    // The first post, then edits whose wait doubles while the storm lasts (100, 200, 400, 800 ms, then
    // 15 × 100 ms at most, src/alerts/slack/register.ts): one call per round that began before the storm
    // ended, plus the round that renders its end. The storm's length is the machine's speed (about 0.5 s
    // here, several seconds on a loaded CI runner), so the bound follows it: 3 calls for 0.5 s, where a
    // fixed 100 ms wait makes 5 or more and one edit per alert would make ~100.
    expect(slackCalls.length, `storm of ${Math.round(stormMs)} ms`).toBeLessThanOrEqual(
      coalescedRounds(100, stormMs),
    );
    expect(h.sim.calls().filter((c) => c.status === 429)).toHaveLength(0);
  }, 60_000);
});

describe('alerts in the digest', () => {
  it('MTTA of an incident declared from an alert runs from the alert; the digest says it started from one', async () => {
    h = await startHarness({ now: '2026-11-18T10:00:00Z', env: { ALERTS_TOKEN, ALERT_CHANNEL } });
    h.sim.ws.addChannel(ALERT_CHANNEL, 'alerts', Object.values(WS.users));
    await postAlert(
      h,
      'generic',
      genericAlert('db-1', { title: 'Primary database CPU at 100%', startsAt: '2026-11-18T09:50:00Z' }),
    );
    await h.idle();
    await h.person(alice).click('Declare (SEV3)', { channel: ALERT_CHANNEL, ts: cards()[0]?.ts ?? '' });
    await h.idle();
    const inc = getIncidentByNumber(h.db, 1);
    if (!inc?.channelId) throw new Error('no incident channel');
    h.clock.advance(5 * 60_000);
    expect((await h.person(alice).command('ack', inc.channelId)).reply?.text).toContain('Acknowledged');
    h.clock.set(new Date('2026-11-23T09:00:00Z'));
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    const summary = h.sim.messages(WS.channels.digest).find((m) => m.user === WS.botUser);
    const text = shown(summary);
    expect(text).toContain('MTTA* (alert or declared → acknowledged): median 15m');
    expect(text).toContain('Started from an alert:* 1 of 1');
    const details = h.sim
      .replies(WS.channels.digest, summary?.ts ?? '')
      .map((m) => shown(m))
      .join('\n');
    expect(details).toContain('Started from an alert');
    expect(details).toContain('INC-1');
  });
});

describe('a card whose answer is lost is posted once', () => {
  const toCards = (a: Record<string, unknown>) => a.channel === ALERT_CHANNEL;
  const group = () =>
    h.db.$client.prepare('select card_ts, card_error, card_post_started_at from alert_groups').get() as {
      card_ts: string | null;
      card_error: string | null;
      card_post_started_at: number | null;
    };
  const keyOf = (m: SimMessage | undefined) =>
    (m?.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;

  it('a 500 after Slack posted the card: one card, found by its key, and later alerts edit it', async () => {
    await start();
    h.sim.fault('chat.postMessage', { status: 500, afterEffect: true }, { when: toCards });
    await postAlert(h, 'generic', genericAlert('lost-1', { group: 'checkout' }));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(keyOf(cards()[0])).toMatch(/^alert-card:\d+$/);
    // Not posted again: the retry looked the card up first.
    expect(
      h.sim
        .calls('chat.postMessage')
        .filter((c) => toCards(c.args))
        .map((c) => c.error ?? 'ok'),
    ).toEqual(['http_500']);
    expect(group()).toMatchObject({ card_ts: cards()[0]?.ts, card_error: null });

    await postAlert(h, 'generic', genericAlert('lost-2', { group: 'checkout' }));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(shown(cards()[0])).toContain('2 alerts');
  });

  it('a dropped answer and a failed lookup: the next alert adopts the card instead of posting another', async () => {
    await start();
    h.sim.fault('chat.postMessage', { dropAfterEffect: true }, { when: toCards });
    // The in-attempt lookup fails too, so this attempt gives up with the card already in Slack.
    h.sim.fault('conversations.history', { error: 'internal_error' }, { when: toCards });
    await postAlert(h, 'generic', genericAlert('lost-1', { group: 'checkout' }));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(group()).toMatchObject({ card_ts: null });
    expect(group().card_error).toBeTruthy();

    await postAlert(h, 'generic', genericAlert('lost-2', { group: 'checkout' }));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(group()).toMatchObject({ card_ts: cards()[0]?.ts, card_error: null });
    // The adopted card shows both alerts, not what the lost attempt rendered.
    expect(shown(cards()[0])).toContain('2 alerts');
    await postAlert(h, 'generic', genericAlert('lost-3', { group: 'checkout' }));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(shown(cards()[0])).toContain('3 alerts');
  });

  it('the bot dies after Slack posted the card: the restarted bot adopts it', async () => {
    await start();
    h.sim.fault('chat.postMessage', { dropAfterEffect: true }, { when: toCards });
    h.sim.fault('conversations.history', { error: 'internal_error' }, { when: toCards });
    await postAlert(h, 'generic', genericAlert('lost-1', { group: 'checkout' }));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(group().card_ts).toBeNull();
    // What a crash between the post and saving its ts leaves: the attempt recorded, no ts.
    expect(group().card_post_started_at).not.toBeNull();
    await h.bot.stop();

    const again = createApp({
      config: h.config,
      db: h.db,
      logger: createLogger('error'),
      clock: h.clock,
      retryConfig: { retries: 0 },
      schedules: false,
      jobs: [],
      // A coalescing wait longer than the test may run: start-up has nothing to coalesce, so it
      // renders the cards left behind at once (it used to wait this out, holding up a stop too).
      alertCoalesceMs: 600_000,
    });
    try {
      await again.start(0);
      await again.deps.tasks.idle();
      await h.idle();
      expect(cards()).toHaveLength(1);
      expect(group()).toMatchObject({ card_ts: cards()[0]?.ts, card_error: null });
      expect(h.sim.calls('chat.postMessage').filter((c) => toCards(c.args) && c.ok)).toHaveLength(0);
    } finally {
      await again.stop();
      // The harness stops its own bot on close; it is already stopped.
      h.bot.stop = async () => {};
    }
  });

  it('the normal path posts the card with its key and looks nothing up', async () => {
    await start();
    await postAlert(h, 'generic', genericAlert('ok-1', { group: 'checkout' }));
    await h.idle();
    expect(cards()).toHaveLength(1);
    expect(keyOf(cards()[0])).toMatch(/^alert-card:\d+$/);
    expect(h.sim.calls('conversations.history')).toEqual([]);
    expect(group()).toMatchObject({ card_ts: cards()[0]?.ts });
  });
});

describe('private incidents never reach an alert card', () => {
  it('the memory does not name a private incident, however alike', async () => {
    await start();
    const at = new Date('2026-10-20T10:00:00Z');
    makeIncident(h.db, {
      title: 'Checkout returns 502 Bad Gateway from payments-api',
      description: 'upstream connect error or disconnect/reset before headers from payments-api',
      services: ['checkout'],
      status: 'resolved',
      isPrivate: true,
      rootCauseSummary: 'secret root cause of the private incident',
      declaredAt: at,
      startedAt: at,
      resolvedAt: at,
    });
    for (const [i, title] of [
      'Search index stale',
      'Login emails delayed',
      'Android app crash on launch',
    ].entries())
      makeIncident(h.db, {
        title,
        status: 'resolved',
        declaredAt: new Date(at.getTime() - (i + 1) * 86_400_000),
      });
    await postAlert(h, 'generic', fixture('generic/firing.json'));
    await h.idle();
    const card = shown(cards()[0]);
    expect(card).not.toContain('INC-1');
    expect(card).not.toContain('secret root cause');
    expect(card).toContain('remembers no incident like this one');
  });
});

describe('alert endpoints in Socket Mode', () => {
  it('are served on PORT beside /healthz', async () => {
    const sim = await startSimulator({ clock: new FakeClock('2026-11-23T09:00:00Z') });
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-alerts-socket-'));
    const port = await freePort();
    const config = loadConfig({
      SLACK_BOT_TOKEN: sim.token,
      SLACK_APP_TOKEN: 'xapp-1-A0FIREBRK-alerts',
      SLACK_API_URL: sim.apiUrl,
      DATABASE_PATH: join(dir, 'firebreak.db'),
      LOG_LEVEL: 'error',
      PORT: String(port),
      ALERTS_TOKEN,
      ALERT_CHANNEL,
    });
    // The simulator has no socket: apps.connections.open never answers, the HTTP port still serves.
    sim.fault('apps.connections.open', { delayMs: 20_000 });
    const db = openDb(config.DATABASE_PATH);
    migrateDb(db);
    const bot = createApp({
      config,
      db,
      logger: createLogger('error'),
      retryConfig: { retries: 0 },
      schedules: false,
      jobs: [],
    });
    bot.start(port).catch(() => {});
    try {
      const url = `http://127.0.0.1:${port}/alerts/generic`;
      const post = (auth?: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
          body: JSON.stringify(genericAlert('socket-1')),
        });
      let r: Response | undefined;
      for (let i = 0; i < 100 && r === undefined; i++) {
        r = await post(`Bearer ${ALERTS_TOKEN}`).catch(() => undefined);
        if (r === undefined) await new Promise((res) => setTimeout(res, 50));
      }
      expect(r?.status).toBe(200);
      expect((await post()).status).toBe(401);
      expect((db.$client.prepare('select count(*) as n from alerts').get() as { n: number }).n).toBe(1);
    } finally {
      await bot.stop();
      closeDb(db);
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
