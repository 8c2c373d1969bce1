import { WS } from '../../api.js';
import type { DemoContext } from '../context.js';

export const title =
  'Alerts: a later critical alert raises the group, and the incident is asked, never changed';

/**
 * A warning opens a card at SEV3 and alice declares from it. Then a critical alert of the same
 * group fires: the group's severity is now SEV1 (the most severe alert that fired), and the
 * incident, which people rated, is not changed: its channel gets one "Raise to SEV1" question,
 * and the click raises it as `/incident severity 1` would.
 */
export async function scene(d: DemoContext): Promise<void> {
  const token = d.config.ALERTS_TOKEN;
  if (!token) throw new Error('the demo bot has no ALERTS_TOKEN');
  const channel = d.config.ALERT_CHANNEL ?? d.config.ANNOUNCE_CHANNEL ?? WS.channels.announce;
  const url = d.botUrl.replace('/slack/events', '/alerts/generic');
  const post = async (alert: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert),
    });
    return `${res.status} ${await res.text()}`;
  };
  const group = { service: 'search', group: 'search-latency' };
  d.clock.advance(2 * 86_400_000);

  d.narrate('a script POSTs a warning to /alerts/generic: "Search latency above 2s", severity medium');
  await post({ id: 'search-p99', title: 'Search latency above 2s', severity: 'medium', ...group });
  await d.idle();
  const card = d.sim
    .messages(channel)
    .filter((m) => m.user === WS.botUser && /Search latency above 2s/.test(m.text ?? ''))
    .at(-1);
  if (!card) throw new Error('no triage card was posted');
  const shown = d.sim.renderBlocks(card.blocks, card.text);
  const sevLine = (text: string) =>
    text.split('\n').find((l) => /Severity if declared|Alerts’ severity/.test(l));
  d.narrate(`the card offers Declare (SEV3): ${sevLine(shown)?.trim() ?? ''}`);
  const alice = d.person(WS.users.alice);
  d.narrate('alice clicks Declare (SEV3)');
  await alice.click('Declare (SEV3)', { channel, ts: card.ts });
  await d.idle();
  const cardNow = () => d.sim.message(channel, card.ts);
  const n = /Declared as \*INC-(\d+)\*/.exec(d.sim.renderBlocks(cardNow()?.blocks, cardNow()?.text))?.[1];
  const ch = d.sim.channels().find((c) => c.name.startsWith(`inc-${n}-`));
  if (!ch) throw new Error('the incident declared from the warning has no channel');

  d.clock.advance(5 * 60_000);
  d.narrate(
    'five minutes later a critical alert of the same group fires: "Search returns 503 for every query"',
  );
  const answer = await post({
    id: 'search-5xx',
    title: 'Search returns 503 for every query',
    severity: 'critical',
    ...group,
  });
  d.narrate(`Firebreak answers ${answer}`);
  await d.idle();
  const after = cardNow();
  d.narrate(
    `the card, edited in place: ${sevLine(d.sim.renderBlocks(after?.blocks, after?.text))?.trim() ?? ''}`,
  );
  const asked = d.sim
    .messages(ch.id)
    .filter((m) => m.user === WS.botUser && /An alert came in at SEV/.test(m.text ?? ''))
    .at(-1);
  if (!asked) throw new Error('the incident channel was not asked');
  d.narrate(
    `INC-${n} stays SEV3 (people set it); #${ch.name} is asked once:\n${d.sim.renderBlocks(asked.blocks, asked.text, true)}`,
  );
  d.narrate('alice, a member of the channel, clicks Raise to SEV1');
  await alice.click('Raise to SEV1', { channel: ch.id, ts: asked.ts });
  await d.idle();
  const answered = d.sim.message(ch.id, asked.ts);
  d.narrate(
    `the question now reads:\n${d.sim.renderBlocks(answered?.blocks, answered?.text, true)}\n#${ch.name}'s topic: ${d.sim.channel(ch.id)?.topic.value ?? ''}`,
  );
}
