import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  ALERTS_TOKEN,
  fixture,
  genericAlert,
  PD_SECRET,
  pdEvent,
  postAlert,
} from '../helpers/alerts.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * GET /metrics counts the alert webhooks after real traffic: requests by source, outcome and status
 * class, alerts by what they changed, groups opened and cards posted. Nothing the sender wrote
 * (titles, labels) may become a label.
 */
const TOKEN = 'metrics-token-0123456789abcdef';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function scrape(harness: Harness): Promise<string> {
  const url = harness.botUrl.replace(/\/slack\/events$/, '/metrics');
  const r = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  return r.text();
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics counts alerts', () => {
  it('by source and outcome: stored, duplicate, ignored, refused with its status class', async () => {
    h = await startHarness({
      now: '2026-11-23T09:00:00Z',
      env: {
        METRICS_TOKEN: TOKEN,
        ALERTS_TOKEN,
        ALERT_CHANNEL,
        PAGERDUTY_WEBHOOK_SECRET: PD_SECRET,
      },
    });
    h.sim.ws.addChannel(ALERT_CHANNEL, 'alerts', Object.values(WS.users));
    const am = fixture('alertmanager/firing.json');
    expect((await postAlert(h, 'alertmanager', am)).status).toBe(200);
    // Alertmanager's repeat_interval: the same notification again.
    expect((await postAlert(h, 'alertmanager', am)).status).toBe(200);
    expect((await postAlert(h, 'grafana', fixture('grafana/firing.json'))).status).toBe(200);
    // The Opsgenie sample's action acknowledged and ignored.
    const ack = fixture<Record<string, unknown>>('opsgenie/create.json');
    ack.action = 'Acknowledge';
    expect((await postAlert(h, 'opsgenie', ack)).status).toBe(200);
    // Refused: a wrong token, a malformed payload, an unsigned PagerDuty delivery.
    expect(
      (await postAlert(h, 'generic', genericAlert('a'), { token: 'wrong-token-0123456789' })).status,
    ).toBe(401);
    expect((await postAlert(h, 'generic', { id: 'no-title' })).status).toBe(400);
    expect((await postAlert(h, 'pagerduty', pdEvent('incident.triggered'))).status).toBe(401);
    await h.idle();

    const text = await scrape(h);
    const req = (source: string, outcome: string, status: string) =>
      sample(
        text,
        `firebreak_alert_requests_total{source="${source}",outcome="${outcome}",status="${status}"}`,
      );
    expect(req('alertmanager', 'stored', '2xx')).toBe(1);
    expect(req('alertmanager', 'duplicate', '2xx')).toBe(1);
    expect(req('grafana', 'stored', '2xx')).toBe(1);
    expect(req('opsgenie', 'ignored', '2xx')).toBe(1);
    expect(req('generic', 'refused', '4xx')).toBe(2);
    expect(req('pagerduty', 'refused', '4xx')).toBe(1);
    expect(sample(text, 'firebreak_alerts_total{source="alertmanager",change="new"}')).toBe(1);
    expect(sample(text, 'firebreak_alerts_total{source="alertmanager",change="duplicate"}')).toBe(1);
    expect(sample(text, 'firebreak_alerts_total{source="grafana",change="new"}')).toBe(2);
    expect(sample(text, 'firebreak_alert_groups_total{source="alertmanager"}')).toBe(1);
    expect(sample(text, 'firebreak_alert_groups_total{source="grafana"}')).toBe(1);
    expect(sample(text, 'firebreak_alert_cards_total{action="posted"}')).toBe(2);
    // Fixed names only: nothing the senders wrote.
    for (const senderText of ['ProbeFailure', 'BlackBox', 'High memory usage', 'http_checks', 'critical'])
      expect(text).not.toContain(senderText);
    expect(text).not.toContain(ALERTS_TOKEN);
  });
});
