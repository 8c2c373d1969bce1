import { getIncidentByNumber } from '../../../src/incidents/queries.js';
import { fullTimeline } from '../../../src/timeline/page.js';
import { WS } from '../../api.js';
import { encodeCommandText } from '../../typing.js';
import type { DemoContext } from '../context.js';

export const title = 'Slack as it really behaves: guests, encoded text, names, the bot hearing itself';

/**
 * What a real workspace does that a naive bot trips over: a guest cannot be invited, typed text
 * arrives entity-encoded, a person is named by autocomplete or by real name, and every post, reaction
 * and pin of the bot comes back to it as an event.
 */
export async function scene(d: DemoContext): Promise<void> {
  const alice = d.person(WS.users.alice);
  const bob = d.person(WS.users.bob);
  const eventsBefore = ownEvents(d).length;

  d.narrate(
    'alice opens the declare form: "Search results stale for EU shoppers", SEV2, lead: gina (a guest)',
  );
  await alice.shortcut('declare_incident');
  await alice.fillAndSubmit({
    Title: 'Search results stale for EU shoppers',
    Severity: 'SEV2',
    Lead: WS.refused.gina,
  });
  await d.idle();
  const ch = d.sim
    .channels()
    .find((c) => c.name.startsWith('inc-') && c.name.includes('search-results-stale'));
  if (!ch) throw new Error('the incident channel was not created');
  const n = Number(/^inc-(\d+)-/.exec(ch.name)?.[1]);
  const inc = getIncidentByNumber(d.db, n);
  const members = d.sim
    .members(ch.id)
    .map((u) => (u === WS.botUser ? 'Firebreak' : (d.sim.ws.users.get(u)?.name ?? u)));
  d.narrate(
    `setup completed anyway: #${ch.name}, topic "${d.sim.topic(ch.id)}", ${d.sim.pins(ch.id).length} pinned summary, ` +
      `announced in #incidents; members: ${members.join(', ')}; setup error: ${inc?.setupError ?? 'none'}`,
  );
  const notice = d.sim.messages(ch.id).find((m) => m.user === WS.botUser && m.text.includes('could not add'));
  if (!notice) throw new Error('the declarer was not told who could not be added');
  d.narrate(`#${ch.name} tells alice:\n${d.sim.renderBlocks(notice.blocks, notice.text, true)}`);

  d.narrate('alice picks bob from the @-list: /incident lead @bob');
  d.narrate(`Slack delivers the text as \`${encodeCommandText(d.sim.ws, 'lead @bob', true)}\``);
  const lead = await alice.command('lead @bob', ch.id);
  d.narrate(`alice sees: ${lead.reply?.text ?? '(nothing)'}`);
  d.narrate('alice names the scribe by real name: /incident role scribe Carol Chandra');
  const role = await alice.command('role scribe Carol Chandra', ch.id);
  d.narrate(`alice sees: ${role.reply?.text ?? '(nothing)'}`);
  await d.idle();
  d.narrate(`topic now: ${d.sim.topic(ch.id)}`);

  const typed = 'p99 > 2s on R&D, see https://status.example.com';
  d.narrate(`bob types: ${typed}`);
  const m = await bob.say(ch.id, typed);
  d.narrate(`Slack delivers its text as: ${m.text}`);
  d.narrate('bob reacts with :pushpin:');
  await bob.react(ch.id, m.ts, 'pushpin');
  await d.idle();
  const reacted = d.sim.message(ch.id, m.ts)?.reactions ?? [];
  d.narrate(`the message now carries ${reacted.map((r) => `:${r.name}:`).join(' ')}`);
  const r = await alice.command('timeline', ch.id);
  const line = d.sim
    .renderBlocks(r.reply?.blocks, r.reply?.text, true)
    .split('\n')
    .find((l) => l.includes('p99'));
  d.narrate(`alice runs /incident timeline; the entry reads: ${line ?? '(missing)'}`);

  // Every post, reaction, pin and topic change of the bot came back as an event (Slack sends them
  // to a subscribed app in that channel); none may become a timeline entry or stay pending.
  const own = ownEvents(d).slice(eventsBefore);
  const kinds = new Map<string, number>();
  for (const e of own) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  const captured = inc ? fullTimeline(d.db, inc.id).filter((e) => e.kind === 'message').length : 0;
  d.narrate(
    `meanwhile Slack sent Firebreak ${own.length} events caused by Firebreak itself ` +
      `(${[...kinds].map(([k, c]) => `${k} ×${c}`).join(', ')}); ` +
      `${own.filter((e) => e.status === 'done').length} marked done without acting, ` +
      `${own.filter((e) => e.status === 'pending').length} left pending; ` +
      `captured messages on the timeline: ${captured} (bob's)`,
  );
}

/** The bot's own events in the inbox (slack_events), in the order received. */
function ownEvents(d: DemoContext): { kind: string; status: string }[] {
  const rows = d.db.$client
    .prepare(
      `select json_extract(payload, '$.event.type') as type, json_extract(payload, '$.event.subtype') as subtype,
              status from slack_events
        where json_extract(payload, '$.event.user') = ? order by received_at, rowid`,
    )
    .all(WS.botUser) as { type: string; subtype: string | null; status: string }[];
  return rows.map((r) => ({ kind: r.subtype ? `${r.type}/${r.subtype}` : r.type, status: r.status }));
}
