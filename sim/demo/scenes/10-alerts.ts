import { WS } from '../../api.js';
import type { DemoContext } from '../context.js';

export const title = 'Alerts: a page arrives, the memory answers first, declared from the card';

/**
 * Alertmanager sends a page (its real webhook payload, bearer token and all). Before anyone types a
 * thing, the triage card in the alert channel says what fired, where and since when, and what the
 * memory knows: the earlier checkout incident, its root cause, its fix, its open follow-up. Alice
 * declares from the card; the new incident starts from the alert, with the alert on its timeline.
 */
export async function scene(d: DemoContext): Promise<void> {
  const token = d.config.ALERTS_TOKEN;
  if (!token) throw new Error('the demo bot has no ALERTS_TOKEN');
  const channel = d.config.ALERT_CHANNEL ?? d.config.ANNOUNCE_CHANNEL ?? WS.channels.announce;
  d.clock.advance(30 * 86_400_000);
  const now = d.clock.now();
  const payload = {
    version: '4',
    groupKey: '{}:{alertname="CheckoutHighErrorRate"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: 'CheckoutHighErrorRate' },
    commonLabels: { alertname: 'CheckoutHighErrorRate', service: 'checkout', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.org:9093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'CheckoutHighErrorRate',
          service: 'checkout',
          severity: 'critical',
          region: 'eu-west-1',
        },
        annotations: {
          summary: 'Checkout API returns 502 for EU customers',
          description: '5xx ratio 38% on checkout-api in eu-west-1: upstream connect error, 502 Bad Gateway',
        },
        startsAt: new Date(now.getTime() - 4 * 60_000).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example.org:9090/graph?g0.expr=checkout_5xx_ratio',
        fingerprint: 'b1c2d3e4f5a60718',
      },
    ],
  };
  const url = d.botUrl.replace('/slack/events', '/alerts/alertmanager');
  d.narrate('a month later, Alertmanager POSTs a page to /alerts/alertmanager (Authorization: Bearer …)');
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  d.narrate(`Firebreak answers ${res.status} ${await res.text()} (the alert is stored before that answer)`);
  await d.idle();
  const card = d.sim
    .messages(channel)
    .filter((m) => m.user === WS.botUser && /Checkout API returns 502 for EU customers/.test(m.text ?? ''))
    .at(-1);
  if (!card) throw new Error('no triage card was posted');
  const shown = d.sim.renderBlocks(card.blocks, card.text);
  if (!/matches INC-\d+/.test(shown)) throw new Error(`the card has no memory answer:\n${shown}`);
  d.narrate(`seconds later, the triage card in #${d.sim.channel(channel)?.name ?? channel}:\n${shown}`);

  const alice = d.person(WS.users.alice);
  d.narrate('alice reads "matches INC-…", and clicks Declare (SEV1: the alert’s severity is critical)');
  await alice.click('Declare (SEV1)', { channel, ts: card.ts });
  await d.idle();
  const after = d.sim.message(channel, card.ts);
  d.narrate(`the card now reads:\n${d.sim.renderBlocks(after?.blocks, after?.text)}`);
  const n = /INC-(\d+)/.exec(
    /Declared as \*INC-(\d+)\*/.exec(d.sim.renderBlocks(after?.blocks, after?.text))?.[0] ?? '',
  )?.[1];
  const ch = d.sim.channels().find((c) => c.name.startsWith(`inc-${n}-`));
  if (!ch) throw new Error('the incident declared from the alert has no channel');
  const summary = d.sim.pins(ch.id)[0];
  d.narrate(`#${ch.name}'s pinned summary:\n${d.sim.renderBlocks(summary?.blocks, summary?.text)}`);
}
