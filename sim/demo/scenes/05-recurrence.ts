import { WS } from '../../api.js';
import type { DemoContext } from '../context.js';

export const title = 'Recurrence: a second, similar incident is recognised';

/**
 * Days after the checkout incident of the earlier scenes, the same symptom comes back. The bot says
 * so in the new channel at once: which incident, what caused and fixed it, which follow-ups from
 * last time are still open, and why it thinks so. Then someone confirms it is the same problem.
 */
export async function scene(d: DemoContext): Promise<void> {
  const dave = d.person(WS.users.dave);
  const bob = d.person(WS.users.bob);
  d.clock.advance(9 * 86_400_000);

  d.narrate('nine days later, dave types: /incident declare Checkout API returns 502 for EU customers again');
  const r = await dave.command(
    'declare Checkout API returns 502 for EU customers again',
    WS.channels.general,
  );
  d.narrate(`dave sees: ${r.reply?.text ?? '(nothing)'}`);
  await d.idle();
  const n = /INC-(\d+)/.exec(r.reply?.text ?? '')?.[1];
  const ch = d.sim
    .channels()
    .filter((c) => c.name.startsWith(`inc-${n}-`))
    .at(0);
  if (!ch) throw new Error('the new incident channel was not created');
  const warning = d.sim
    .messages(ch.id)
    .filter(
      (m) => m.user === WS.botUser && /seen before|looks the same/.test(d.sim.renderBlocks(m.blocks, m.text)),
    )
    .at(0);
  if (!warning) throw new Error('no recurrence warning in the new channel');
  d.narrate(
    `#${ch.name} shows, seconds after the declaration:\n${d.sim.renderBlocks(warning.blocks, warning.text)}`,
  );

  await bob.join(ch.id);
  await d.idle();
  d.narrate('bob clicks "Same problem"');
  await bob.click('Same problem', { channel: ch.id, ts: warning.ts });
  await d.idle();
  const after = d.sim.message(ch.id, warning.ts);
  d.narrate(`the warning now reads:\n${d.sim.renderBlocks(after?.blocks, after?.text)}`);
}
