import { WS } from '../../api.js';
import { encodeCommandText } from '../../typing.js';
import type { DemoContext } from '../context.js';

/**
 * Demo scene: an incident is declared, given a lead by typed name and its services, acknowledged,
 * made more severe and moved to monitoring,
 * showing what people see after each step.
 */
export const title = 'Lifecycle: declare, lead, services, acknowledge, severity, status';

export default async function run(ctx: DemoContext): Promise<void> {
  const { sim, say } = ctx;
  const alice = ctx.person(WS.users.alice);
  const bob = ctx.person(WS.users.bob);

  // As after a real install: nobody has invited the bot anywhere, #incidents (ANNOUNCE_CHANNEL) included.
  const inAnnounce = () => sim.members(WS.channels.announce).includes(WS.botUser);
  say(
    `Firebreak is in ${inAnnounce() ? '#incidents already' : 'no channel yet; nobody invited it to #incidents'}`,
  );
  say('alice types: /incident declare Checkout returns 502 for EU customers');
  const r = await alice.command('declare Checkout returns 502 for EU customers', WS.channels.general);
  say(`alice sees: ${r.reply?.text ?? '(nothing)'}`);
  await ctx.idle();
  const ch = sim.channels().find((c) => c.name.startsWith('inc-') && c.name.includes('checkout-returns-502'));
  if (!ch) throw new Error('the incident channel was not created');
  say(`#${ch.name} exists; topic: ${sim.topic(ch.id)}`);
  say(
    `#incidents shows:\n${sim.renderBlocks(sim.lastMessage(WS.channels.announce)?.blocks, undefined, true)}`,
  );
  say(
    inAnnounce() &&
      sim.calls('conversations.join').some((c) => c.ok && c.args.channel === WS.channels.announce)
      ? 'Firebreak joined #incidents by itself (conversations.join), so it can keep its announcement current'
      : 'Firebreak is still not a member of #incidents',
  );

  const summaryTs = sim.pins(ch.id)[0]?.ts;
  if (!summaryTs) throw new Error('no pinned summary');
  say('alice types: /incident lead @bob');
  const lead = await alice.command('lead @bob', ch.id);
  // What the local Slack sends (the manifest's should_escape: true), as Slack's autocomplete does.
  say(`Slack delivers the text as \`${encodeCommandText(sim.ws, 'lead @bob', true)}\``);
  say(`alice sees: ${lead.reply?.text ?? '(nothing)'}`);
  say('alice types: /incident services checkout, payments-api');
  await alice.command('services checkout, payments-api', ch.id);
  await ctx.idle();
  say(`#${ch.name} shows: ${sim.renderBlocks(sim.lastMessage(ch.id)?.blocks, undefined, true)}`);
  ctx.clock.advance(3 * 60_000);
  say('bob clicks Acknowledge on the pinned summary (3 minutes later)');
  await bob.click('Acknowledge', { channel: ch.id, ts: summaryTs });
  await ctx.idle();

  say('bob runs: /incident severity 1');
  await bob.command('severity 1', ch.id);
  await ctx.idle();
  say(`topic now: ${sim.topic(ch.id)}`);

  say('bob clicks Update status → Monitoring, with an update for stakeholders');
  await bob.click('Update status', { channel: ch.id, ts: summaryTs });
  await bob.fillAndSubmit({
    Status: 'Monitoring',
    'Update for stakeholders': 'Rolled back deploy 4711; 502s stopped.',
  });
  await ctx.idle();
  say(`topic now: ${sim.topic(ch.id)}`);
  say(`#${ch.name} as people see it:\n${sim.render(ch.id)}`);
  say(
    `#incidents announcement now:\n${sim.renderBlocks(sim.lastMessage(WS.channels.announce)?.blocks, undefined, true)}`,
  );
}
