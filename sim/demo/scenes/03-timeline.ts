import type { Person, Simulator } from '../../api.js';
import { WS } from '../../api.js';

/**
 * Demo scene: the incident's timeline fills up the ways people actually work: a :pushpin:, a pin,
 * the "Add to incident timeline" shortcut from another channel, a backdated note in the author's
 * time zone, an edit that the timeline follows, a pasted secret that never reaches the database;
 * then /incident timeline and /incident export (the Markdown postmortem draft, uploaded).
 */
export interface TimelineSceneContext {
  sim: Simulator;
  person(userId: string): Person;
  idle(): Promise<void>;
  clock: { advance(ms: number): void };
  say(line: string): void;
}

export const title = 'Timeline: captures, backdated notes, edits, secrets, export';

export default async function run(ctx: TimelineSceneContext): Promise<void> {
  const { sim, say } = ctx;
  const alice = ctx.person(WS.users.alice);
  const bob = ctx.person(WS.users.bob);
  const carol = ctx.person(WS.users.carol);

  let ch = sim.channels().find((c) => c.name.startsWith('inc-') && !c.is_archived);
  if (!ch) {
    say('alice types: /incident declare Checkout returns 502 for EU customers');
    await alice.command('declare Checkout returns 502 for EU customers', WS.channels.general);
    await ctx.idle();
    ch = sim.channels().find((c) => c.name.startsWith('inc-') && !c.is_archived);
  }
  if (!ch) throw new Error('no incident channel for the timeline scene');
  const channel = ch.id;
  for (const p of [alice, bob, carol]) if (!sim.members(channel).includes(p.id)) await p.join(channel);
  await ctx.idle();

  ctx.clock.advance(2 * 60_000);
  const lag = await bob.say(channel, 'EU checkout pods: DB pool exhausted, 0 of 0 connections free');
  say(`bob posts in #${ch.name}: "${lag.text}" and reacts with :pushpin:`);
  await bob.react(channel, lag.ts, 'pushpin');
  await ctx.idle();
  const reactions = sim
    .message(channel, lag.ts)
    ?.reactions.map((r) => `:${r.name}:`)
    .join(' ');
  say(`the message now carries ${reactions} (the bot's ✅ says it is on the timeline)`);

  ctx.clock.advance(60_000);
  const cfg = await carol.say(channel, 'config diff of deploy 4711: db.pool.size -> db.pool_size (typo)');
  say(`carol posts "${cfg.text}" and pins it`);
  await carol.pin(channel, cfg.ts);
  await ctx.idle();

  ctx.clock.advance(60_000);
  const ext = await carol.say(WS.channels.general, 'FYI: payments-eu dashboards show 502s since 08:57');
  say('in #general carol uses "Add to incident timeline" on her own message; a modal asks which incident');
  await carol.messageShortcut('add_to_timeline', WS.channels.general, ext.ts);
  await ctx.idle();
  const choice = carol.view();
  say(`carol sees the modal "${choice.title?.text ?? ''}" and picks the incident`);
  const option = /"text":"(INC-\d+[^"]*)"/.exec(JSON.stringify(choice.blocks))?.[1];
  if (!option) throw new Error(`the pick modal offered no incident:\n${sim.renderBlocks(choice.blocks)}`);
  await carol.fillAndSubmit({ Incident: option });
  await ctx.idle();
  say(`carol then sees: ${sim.renderBlocks(carol.view().blocks).trim()}`);

  say(
    'bob (Europe/Berlin) backdates a note: /incident note at <3 minutes ago, Berlin time> first 502 alert fired',
  );
  const berlin = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(sim.clock.now().getTime() - 3 * 60_000));
  const note = await bob.command(`note at ${berlin} first 502 alert fired`, channel);
  say(`bob sees: ${note.reply?.text ?? '(nothing)'}`);

  say('bob edits his pinned-by-emoji message; the timeline follows and keeps the earlier text');
  await bob.edit(channel, lag.ts, 'EU checkout pods: DB pool size 0 after deploy 4711 (config typo)');
  await ctx.idle();

  const leak = await alice.say(channel, 'replica DSN is postgres://app:Hunter2-prod@db-eu-2:5432/checkout');
  say(`alice pastes a DSN with a password and :pushpin:s it: "${leak.text}"`);
  await alice.react(channel, leak.ts, 'pushpin');
  await ctx.idle();

  say('alice runs /incident timeline');
  const tl = await alice.command('timeline', channel);
  say(sim.renderBlocks(tl.reply?.blocks, tl.reply?.text));
  if (/page 1 of [2-9]/.test(tl.reply?.text ?? '')) {
    say('alice clicks Next ›');
    await alice.click('Next ›');
    await ctx.idle();
    const next = alice.lastEphemeral(channel);
    say(sim.renderBlocks(next?.blocks, next?.text));
  }

  say('alice runs /incident export');
  const ex = await alice.command('export', channel);
  say(`alice sees: ${ex.reply?.text ?? '(nothing)'}`);
  await ctx.idle();
  const file = sim.files(channel).at(-1);
  if (!file) throw new Error('the postmortem draft was not uploaded');
  say(`#${ch.name} now has the file ${file.name} (${file.size} bytes). Its beginning and its timeline:`);
  const md = file.bytes.toString('utf8');
  const lines = md.split('\n');
  const tableAt = lines.findIndex((l) => l.startsWith('## Timeline'));
  const followUpsAt = lines.findIndex((l) => l.startsWith('## Follow-ups'));
  say(
    [
      ...lines.slice(0, 12),
      '…',
      ...lines.slice(tableAt, followUpsAt > tableAt ? followUpsAt : undefined),
    ].join('\n'),
  );
}
