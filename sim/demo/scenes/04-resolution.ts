import { addDays, localTime } from '../../../src/resolution/reminders.js';
import type { Person, Simulator } from '../../api.js';
import { WS } from '../../api.js';

/**
 * Demo scene: the incident is resolved with its root cause and follow-ups, the resolution message
 * shows the durations, and when a follow-up falls due its owner gets the reminder (the fake clock
 * moves forward hour by hour and the reminder job runs, as its cron would).
 */
export interface ResolutionSceneContext {
  sim: Simulator;
  person(userId: string): Person;
  idle(): Promise<void>;
  clock: { advance(ms: number): void };
  say(line: string): void;
  /** The bot under demo: its scheduler runs the reminder job. */
  bot?: { scheduler: { run(name: string): Promise<void> } };
}

export const title = 'Resolution: root cause, follow-ups, and the reminder that follows';

export default async function run(ctx: ResolutionSceneContext): Promise<void> {
  const { sim, say } = ctx;
  const bob = ctx.person(WS.users.bob);
  const carol = ctx.person(WS.users.carol);

  let ch = sim.channels().find((c) => c.name.startsWith('inc-') && !c.is_archived);
  if (!ch) {
    say('alice types: /incident declare Checkout returns 502 for EU customers');
    await ctx
      .person(WS.users.alice)
      .command('declare Checkout returns 502 for EU customers', WS.channels.general);
    await ctx.idle();
    ch = sim.channels().find((c) => c.name.startsWith('inc-') && !c.is_archived);
  }
  if (!ch) throw new Error('no incident channel to resolve');
  const channel = ch.id;
  for (const p of [bob, carol]) if (!sim.members(channel).includes(p.id)) await p.join(channel);
  await ctx.idle();

  ctx.clock.advance(20 * 60_000);
  const carolToday = localTime(sim.clock.now(), 'Asia/Kolkata').date;
  const due = addDays(carolToday, 1);
  say(`bob runs /incident resolve in #${ch.name} and fills in the form (20 minutes later)`);
  await bob.command('resolve', channel);
  const r = await bob.fillAndSubmit({
    'What fixed it?': 'Rolled back deploy 4711 of checkout-api; 502s stopped within a minute.',
    'Root cause':
      'Deploy 4711 set the DB connection pool to 0 for the EU region through a mistyped config key.',
    'Root-cause category': 'configuration',
    'Contributing factors (one per line)':
      'No canary stage for config changes\nThe 502 alert waited 10 minutes',
    'Follow-up 1': 'Validate config keys in CI',
    'Owner of follow-up 1': WS.users.carol,
    'Due date of follow-up 1': due,
    'Follow-up 2': 'Add a canary stage for config-only deploys',
    'Owner of follow-up 2': WS.users.bob,
  });
  if (r.errors) throw new Error(`the resolution form was refused: ${JSON.stringify(r.errors)}`);
  await ctx.idle();
  const resolution = sim
    .messages(channel)
    .filter((m) => m.user === WS.botUser)
    .at(-1);
  say(`#${ch.name} shows:\n${sim.renderBlocks(resolution?.blocks, resolution?.text)}`);
  say(`topic now: ${sim.topic(channel)}`);

  say('carol runs: /incident followups');
  const list = await carol.command('followups', WS.channels.general);
  say(`carol sees:\n${sim.renderBlocks(list.reply?.blocks as never, list.reply?.text)}`);

  if (!ctx.bot) {
    say('(no scheduler in this run: skipping the reminder)');
    return;
  }
  const before = sim.dms(WS.users.carol).length;
  let hours = 0;
  while (sim.dms(WS.users.carol).length === before && hours < 24 * 7) {
    ctx.clock.advance(3_600_000);
    hours++;
    await ctx.bot.scheduler.run('reminders');
    await ctx.idle();
  }
  const dm = sim.dms(WS.users.carol).at(-1);
  if (!dm || sim.dms(WS.users.carol).length === before)
    throw new Error('no follow-up reminder reached carol');
  say(
    `The clock moves ${hours} hours on, to ${sim.clock.now().toISOString().slice(0, 16).replace('T', ' ')} UTC, past 10:00 in Kolkata on ${due}, the due date: carol gets a DM:\n${sim.renderBlocks(dm.blocks, dm.text)}`,
  );
  say('carol clicks Done in the DM');
  await carol.click('Done', { channel: dm.channel, ts: dm.ts });
  await ctx.idle();
  const after = sim.message(dm.channel, dm.ts);
  say(`carol’s DM now reads:\n${sim.renderBlocks(after?.blocks, after?.text)}`);
}
